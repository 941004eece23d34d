"""What the generated benchmark reports share: how a figure is written, and the hand-written notes that a
benchmark keeps between their markers when it rewrites its report."""

from pathlib import Path
from typing import Any

NOTES_START = "<!-- notes: written by hand, kept when make bench rewrites this file -->"
NOTES_END = "<!-- end of notes -->"


def figure(value: Any, digits: int = 1) -> str:
    """A figure for a table: thousands separated, `digits` decimals for a float, "-" for none."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def kept_notes(path: Path) -> str:
    """The hand-written notes of the previous report, so that regenerating the figures keeps their reading."""
    text = path.read_text() if path.exists() else ""
    if NOTES_START in text and NOTES_END in text:
        return text[text.index(NOTES_START) : text.index(NOTES_END) + len(NOTES_END)]
    return f"{NOTES_START}\n(none yet)\n{NOTES_END}"
