"""Reference data every app may use: GB/T 2260 regions, technology fields, maturity levels,
cooperation modes, IP types. It depends on nothing else in the portal (an import-linter
contract checks it), so accounts, the registers and matching can all depend on it."""
