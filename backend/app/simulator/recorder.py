"""A bounded log of the generation requests the simulator received, so tests can check what the model was sent."""

from collections import deque
from typing import Any


class RequestLog:
    def __init__(self, capacity: int) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=capacity)

    def record(self, path: str, body: dict[str, Any]) -> None:
        self._entries.append({"path": path, "body": body})

    def entries(self) -> list[dict[str, Any]]:
        """Oldest first, newest last."""
        return list(self._entries)

    def clear(self) -> None:
        self._entries.clear()
