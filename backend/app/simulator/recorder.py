"""A bounded log of the generation requests the simulator received, so tests can check what the model was
sent and how each request ended (whether the client read it to the end or hung up)."""

from collections import deque
from collections.abc import AsyncIterator
from typing import Any, Literal

Outcome = Literal["in_progress", "completed", "disconnected"]


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


async def tracking_outcome(chunks: AsyncIterator[bytes], entry: dict[str, Any]) -> AsyncIterator[bytes]:
    """Pass a streamed body through, noting whether it was sent to the end or the client went away."""
    try:
        async for chunk in chunks:
            yield chunk
    except BaseException:
        set_outcome(entry, "disconnected")
        raise
    set_outcome(entry, "completed")
