"""The writing side of one answer: numbers its events, keeps the text so far, heals a lost stream and rides out
a Redis outage.

Text and ids advance only once Redis has the event, so what this object holds is always exactly what viewers
can read: a checkpoint of it, or a takeover from it, never has text no viewer saw, nor a hole in the ids.
"""

import asyncio
import logging
import time
from dataclasses import dataclass, field

from redis.exceptions import ConnectionError as RedisConnectionError, TimeoutError as RedisTimeoutError

from app.lease.store import Lease
from app.streaming.events import (
    EventKind,
    SnapshotReason,
    content_data,
    done_data,
    error_data,
    reasoning_data,
    snapshot_data,
)
from app.streaming.store import AppendResult, EventStore, UpstreamPosition

logger = logging.getLogger(__name__)

# What a Redis outage looks like from here: the connection is refused, drops, or stops answering.
REDIS_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)
_RETRY_DELAYS = (0.05, 0.1, 0.25, 0.5, 1.0)


class LeaseLostError(Exception):
    """Another worker holds this answer now: stop at once, write nothing more anywhere."""


@dataclass
class AnswerStream:
    store: EventStore
    lease: Lease
    # Give up on Redis after it has been unreachable this long (REDIS_OUTAGE_SECONDS).
    outage_seconds: float
    # The id of the last event written; the next one is seq + 1.
    seq: int = 0
    stop_requested: bool = False
    # Background mode: the upstream position of the last event appended.
    upstream: UpstreamPosition | None = None
    _content: list[str] = field(default_factory=list)
    _reasoning: list[str] = field(default_factory=list)

    @property
    def task_id(self) -> str:
        return self.lease.task_id

    @property
    def content(self) -> str:
        return "".join(self._content)

    @property
    def reasoning(self) -> str:
        return "".join(self._reasoning)

    def resume_from(self, seq: int, content: str, reasoning: str) -> None:
        """Continue an answer another worker began: its events up to ``seq`` hold this text."""
        self.seq = seq
        self._content = [content] if content else []
        self._reasoning = [reasoning] if reasoning else []

    async def add(self, kind: EventKind, text: str, upstream: UpstreamPosition | None = None) -> None:
        data = content_data(text) if kind is EventKind.CONTENT else reasoning_data(text)
        await self._write(kind, data, upstream, added=(kind, text))

    async def restart(self) -> None:
        """Tell viewers the answer starts over (its worker was lost and the model cannot continue it)."""
        self._content, self._reasoning = [], []
        await self._write(EventKind.SNAPSHOT, snapshot_data("", "", SnapshotReason.RESTART))

    async def finish(self, status: str) -> None:
        await self._write(EventKind.DONE, done_data(status))

    async def fail(self, message: str) -> None:
        await self._write(EventKind.ERROR, error_data(message))

    async def _write(
        self,
        kind: EventKind,
        data: bytes,
        upstream: UpstreamPosition | None = None,
        added: tuple[EventKind, str] | None = None,
    ) -> None:
        result = await self._append(self.seq + 1, kind, data, upstream)
        if result is AppendResult.STREAM_LOST:
            # Redis lost the earlier events (and this answer's lease with them). Viewers cannot get them back one by
            # one, so this event is replaced by the whole answer so far; a terminal event still follows as its own.
            content, reasoning = self.content, self.reasoning
            if added is not None and added[0] is EventKind.CONTENT:
                content += added[1]
            elif added is not None:
                reasoning += added[1]
            snapshot = snapshot_data(content, reasoning, SnapshotReason.RECOVERED)
            result = await self._append(self.seq + 1, EventKind.SNAPSHOT, snapshot, upstream, may_start_stream=True)
            if kind.is_terminal and result is not AppendResult.LEASE_LOST:
                self._advance(None)
                result = await self._append(self.seq + 1, kind, data)
        if result is AppendResult.LEASE_LOST:
            raise LeaseLostError(self.task_id)
        self._advance(added)
        self.upstream = upstream or self.upstream
        self.stop_requested = self.stop_requested or result is AppendResult.STOP_REQUESTED

    def _advance(self, added: tuple[EventKind, str] | None) -> None:
        self.seq += 1
        if added is not None:
            (self._content if added[0] is EventKind.CONTENT else self._reasoning).append(added[1])

    async def _append(
        self,
        seq: int,
        kind: EventKind,
        data: bytes,
        upstream: UpstreamPosition | None = None,
        *,
        may_start_stream: bool = False,
    ) -> AppendResult:
        """Append, retrying in order while Redis is unreachable, for up to ``outage_seconds``: the append is
        idempotent by its id, so a retry after a lost reply neither duplicates the event nor skips one."""
        deadline = time.monotonic() + self.outage_seconds
        attempt = 0
        while True:
            try:
                return await self.store.append(
                    self.lease, seq, kind, data, may_start_stream=may_start_stream, upstream=upstream
                )
            except REDIS_UNAVAILABLE as error:
                if time.monotonic() >= deadline:
                    raise
                if attempt == 0:
                    logger.warning("answer %s: Redis unavailable (%s); retrying event %d", self.task_id, error, seq)
                await asyncio.sleep(_RETRY_DELAYS[min(attempt, len(_RETRY_DELAYS) - 1)])
                attempt += 1
