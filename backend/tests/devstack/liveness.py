"""Whether a process still exists, as the tests see it."""

from pathlib import Path


def is_alive(pid: int) -> bool:
    """False for a pid that is gone or a zombie: an orphan's zombie lingers until init reaps it, but runs nothing."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    # The state letter follows the command name, which is in parentheses and may itself contain spaces.
    return stat.rpartition(")")[2].split()[0] != "Z"
