"""A bounded log of the generation requests the simulator received, so tests can check what the model was
sent and how each request ended.

Outcomes:
- "in_progress": still being answered.
- "completed": answered in full (a stream sent to its last event).
- "failed": answered with an error status, whether the request was invalid or a `fail` directive injected it.
- "disconnected": the client hung up first, including during a stall.
- "cut": the simulator dropped the connection on purpose, as a `cut_after` directive asked.
"""

from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any, Literal

from simulator.errors import ApiError
from simulator.interruptions import ConnectionCutError

Outcome = Literal["in_progress", "completed", "failed", "disconnected", "cut"]


class RequestLog:
    def __init__(self, capacity: int) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=capacity)

    def record(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """Log a request; the returned entry is where its outcome gets written."""
        entry: dict[str, Any] = {"path": path, "body": body, "outcome": "in_progress"}
        self._entries.append(entry)
        return entry

    def entries(self) -> list[dict[str, Any]]:
        """Oldest first, newest last."""
        return list(self._entries)

    def clear(self) -> None:
        self._entries.clear()


def set_outcome(entry: dict[str, Any], outcome: Outcome) -> None:
    entry["outcome"] = outcome


@contextmanager
def tracking_failure(entry: dict[str, Any]) -> Iterator[None]:
    """Notes an `ApiError` raised while answering, which becomes the error response."""
    try:
        yield
    except ApiError:
        set_outcome(entry, "failed")
        raise


async def tracking_outcome(chunks: AsyncIterator[bytes], entry: dict[str, Any]) -> AsyncIterator[bytes]:
    """Pass a streamed body through, noting whether it was sent to the end, cut, or the client went away."""
    try:
        async for chunk in chunks:
            yield chunk
    except ConnectionCutError:
        set_outcome(entry, "cut")
        raise
    except BaseException:
        set_outcome(entry, "disconnected")
        raise
    set_outcome(entry, "completed")
