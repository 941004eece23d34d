"""Bounded waits for what another thread or process does in its own time."""

import time
from collections.abc import Callable

_POLL_SECONDS = 0.02


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Return once `condition` holds; fail the test, naming `what` was awaited, if it does not within `timeout` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:g} s waiting for {what}")
        time.sleep(_POLL_SECONDS)
