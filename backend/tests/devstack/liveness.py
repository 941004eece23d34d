"""Whether a process still exists, as the tests see it."""

import time
from pathlib import Path


def is_alive(pid: int) -> bool:
    """False for a pid that is gone or a zombie: an orphan's zombie lingers until init reaps it, but runs nothing."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    # The state letter follows the command name, which is in parentheses and may itself contain spaces.
    return stat.rpartition(")")[2].split()[0] != "Z"


def gone_soon(pid: int, within: float = 5.0) -> bool:
    """Whether ``pid`` is gone within ``within`` seconds: a signal to another process group is delivered, and acted
    on, asynchronously, so a grandchild killed along with its group may still be running for a moment."""
    deadline = time.monotonic() + within
    while is_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
