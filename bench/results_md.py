"""What every benchmark script shares: bench/results.md, where each owns one ``## ``
section and replaces only that one, leaving the others where they are; and the shared match
benchmark's folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.md"


def bench_dir() -> Path:
    """The shared match benchmark (eval.py, data/): $BENCH_DIR, else ../shared/bench beside
    the checkout; exits with a message when it is not there."""
    env = os.environ.get("BENCH_DIR")
    path = Path(env) if env else RESULTS.parent.parent.parent / "shared" / "bench"
    if not (path / "eval.py").exists():
        sys.exit(f"bench folder not found at {path} (set BENCH_DIR)")
    return path.resolve()


def replace_section(heading: str, text: str, path: Path = RESULTS) -> None:
    """Put ``text`` (which starts with ``heading``) in place of the section ``heading``
    opens; a new section goes at the end."""
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if heading in current:
        head, rest = current.split(heading, 1)
        tail = rest[rest.index("\n## ") + 1 :] if "\n## " in rest else ""
        current = head.rstrip() + "\n\n" + tail if tail else head
    path.write_text(current.rstrip() + "\n\n" + text.rstrip() + "\n", encoding="utf-8")


def _sections(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The text before the first ``## `` heading, and each section as (heading, text)."""
    parts = ("\n" + text).split("\n## ")
    sections = []
    for part in parts[1:]:
        heading = "## " + part.split("\n", 1)[0]
        sections.append((heading, ("## " + part).rstrip() + "\n"))
    return parts[0].lstrip("\n"), sections


def replace_sections(text: str, path: Path = RESULTS) -> None:
    """Put ``text`` (a preamble and several ``## `` sections) at the top of the file in
    place of the preamble and of those sections; the other scripts' sections stay after it,
    in their order."""
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    _preamble, kept = _sections(current)
    _own_preamble, own = _sections(text)
    mine = {heading for heading, _body in own}
    others = [body for heading, body in kept if heading not in mine]
    path.write_text("\n".join([text.rstrip() + "\n", *others]), encoding="utf-8")
