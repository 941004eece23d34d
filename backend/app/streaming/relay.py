"""What one viewer receives: every event after its cursor, exactly once and in order.

The algorithm, per viewer:
1. subscribe to the task's channel and wait for Redis to confirm it;
2. read the backlog after the cursor from the stream, in slices;
3. then take live events from the feed, skipping any the backlog already gave.
A gap in the live sequence (or a feed that overflowed) sends the viewer back to step 2, so the
stream in Redis, not the pub/sub message, is the source of truth, and nothing can be lost there.
"""

from collections.abc import AsyncIterator, Awaitable, Callable

from app.streaming.events import StreamEvent
from app.streaming.feed import FeedSignal
from app.streaming.hub import StreamHub
from app.streaming.store import READ_BATCH, EventStore

# Returns the answer as events when it is finished and persisted, else None (still generating).
PersistedAnswer = Callable[[], Awaitable[list[StreamEvent] | None]]


class StreamInterruptedError(Exception):
    """The live source went away mid-stream; the viewer should reconnect with its cursor."""


class StreamRelay:
    def __init__(self, store: EventStore, hub: StreamHub) -> None:
        self._store = store
        self._hub = hub

    async def events_after(self, task_id: str, cursor: int, persisted: PersistedAnswer) -> AsyncIterator[StreamEvent]:
        async with self._hub.subscribe(task_id) as feed:
            checked_persisted = False
            while True:
                backlog = await self._store.read_after(task_id, cursor)
                for event in backlog:
                    yield event
                    cursor = event.seq
                    if event.is_terminal:
                        return
                if len(backlog) == READ_BATCH:
                    continue
                if not backlog and not checked_persisted:
                    checked_persisted = True
                    last = await self._store.last_event(task_id)
                    if last is not None and last.is_terminal and last.seq <= cursor:
                        return  # the viewer already has the whole answer
                    if last is None:
                        # Nothing in Redis: either not started yet, or expired after it was persisted.
                        answer = await persisted()
                        if answer is not None:
                            for event in answer:
                                if event.seq > cursor:
                                    yield event
                            return
                while True:
                    item = await feed.next()
                    if item is FeedSignal.CLOSED:
                        raise StreamInterruptedError(task_id)
                    if item is FeedSignal.RESYNC or item.seq > cursor + 1:
                        break  # fell behind or missed one: the stream in Redis has it
                    if item.seq <= cursor:
                        continue
                    yield item
                    cursor = item.seq
                    if item.is_terminal:
                        return
