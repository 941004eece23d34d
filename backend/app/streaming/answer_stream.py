"""The writing side of one generation: numbers its events, keeps the text so far, and heals a lost stream."""

from dataclasses import dataclass, field

from app.streaming.events import (
    EventKind,
    content_data,
    done_data,
    error_data,
    reasoning_data,
    snapshot_data,
)
from app.streaming.store import AppendResult, EventStore


@dataclass
class AnswerStream:
    store: EventStore
    task_id: str
    # The id of the last event written; the next one is seq + 1.
    seq: int = 0
    cancel_requested: bool = False
    _content: list[str] = field(default_factory=list)
    _reasoning: list[str] = field(default_factory=list)

    @property
    def content(self) -> str:
        return "".join(self._content)

    @property
    def reasoning(self) -> str:
        return "".join(self._reasoning)

    async def add(self, kind: EventKind, text: str) -> None:
        if kind is EventKind.CONTENT:
            self._content.append(text)
            data = content_data(text)
        else:
            self._reasoning.append(text)
            data = reasoning_data(text)
        await self._write(kind, data)

    async def finish(self, status: str) -> None:
        await self._write(EventKind.DONE, done_data(status))

    async def fail(self, message: str) -> None:
        await self._write(EventKind.ERROR, error_data(message))

    async def _write(self, kind: EventKind, data: bytes) -> None:
        self.seq += 1
        result = await self.store.append(self.task_id, self.seq, kind, data)
        if result is AppendResult.STREAM_LOST:
            # Redis lost the earlier events. Viewers cannot get them back one by one, so this event is
            # replaced by the whole answer so far; the terminal event still follows as its own event.
            snapshot = snapshot_data(self.content, self.reasoning)
            result = await self.store.append(
                self.task_id, self.seq, EventKind.SNAPSHOT, snapshot, may_start_stream=True
            )
            if kind.is_terminal:
                self.seq += 1
                result = await self.store.append(self.task_id, self.seq, kind, data)
        self.cancel_requested = self.cancel_requested or result is AppendResult.CANCEL_REQUESTED
