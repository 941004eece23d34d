"""What the generated benchmark reports share: how a figure is written, the hand-written notes that a
benchmark keeps between their markers when it rewrites its report, and the options that say where a report goes."""

import argparse
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


def add_report_arguments(parser: argparse.ArgumentParser, *, out_help: str, docs_help: str) -> None:
    """--out, --report-from and --docs, as each benchmark that writes a report under docs/benchmarks/ takes them."""
    parser.add_argument("--out", type=Path, help=out_help)
    parser.add_argument(
        "--report-from",
        type=Path,
        metavar="RESULTS_JSON",
        help="run nothing: print (and with --docs, write) the report of an earlier run's results.json",
    )
    parser.add_argument("--docs", action=argparse.BooleanOptionalAction, default=None, help=docs_help)
