"""bench/results.md is shared by every benchmark script: each owns one ``## `` section and
replaces only that one, leaving the others where they are."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.md"


def replace_section(heading: str, text: str, path: Path = RESULTS) -> None:
    """Put ``text`` (which starts with ``heading``) in place of the section ``heading``
    opens; a new section goes at the end."""
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if heading in current:
        head, rest = current.split(heading, 1)
        tail = rest[rest.index("\n## ") + 1 :] if "\n## " in rest else ""
        current = head.rstrip() + "\n\n" + tail if tail else head
    path.write_text(current.rstrip() + "\n\n" + text.rstrip() + "\n", encoding="utf-8")
