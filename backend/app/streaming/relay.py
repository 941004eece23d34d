"""What one viewer receives: every event after its cursor, exactly once and in order.

The algorithm, per viewer:
1. subscribe to the task's channel and wait for Redis to confirm it;
2. read the backlog after the cursor from the stream, in slices;
3. then take live events from the feed, skipping any the backlog already gave.
Events come out in batches, a backlog slice or all the live events waiting in the feed, so that a viewer
that is behind, or a server under load, pays one send for many events rather than one each.
A gap in the live sequence (or a feed that overflowed) sends the viewer back to step 2, so the
stream in Redis, not the pub/sub message, is the source of truth, and nothing can be lost there.
"""

from collections.abc import AsyncGenerator, Awaitable, Callable

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

    async def events_after(
        self,
        task_id: str,
        cursor: int,
        persisted: PersistedAnswer,
        sessions: tuple[str, ...] = (),
        unfinished_under: int | None = None,
    ) -> AsyncGenerator[list[StreamEvent], None]:
        """The events after ``cursor`` in batches, each non-empty and in order: a backlog slice, or every
        live event that was waiting. Ends after the terminal event, unless the viewer already had it; ends early,
        resumably, when one of ``sessions`` signs out (StreamHub.subscribe).

        ``unfinished_under``: the hub's connection epoch (StreamHub.connection_epoch) at a moment the caller saw the
        answer unfinished in PostgreSQL, before this call. While that connection lasts, Redis has lost nothing since
        (a restart would have broken it), so an answer with no events in Redis has not begun them: they will all
        come through the feed, and the stream's first attach needs neither its last event nor PostgreSQL."""
        async with self._hub.subscribe(task_id, sessions) as feed:
            checked_persisted = unfinished_under is not None and cursor == 0
            while True:
                backlog = await self._store.read_after(task_id, cursor)
                if backlog:
                    batch = _through_terminal(backlog)
                    yield batch
                    if batch[-1].is_terminal:
                        return
                    cursor = batch[-1].seq
                if len(backlog) == READ_BATCH:
                    continue
                if checked_persisted and not backlog and self._hub.connection_epoch != unfinished_under:
                    # The connection broke since the answer was seen unfinished (Redis may have restarted and lost
                    # an answer that ended meanwhile): check after all.
                    checked_persisted = False
                if not backlog and not checked_persisted:
                    checked_persisted = True
                    last = await self._store.last_event(task_id)
                    if last is None:
                        # Nothing in Redis: either not started yet, or expired after it was persisted.
                        answer = await persisted()
                        if answer is not None:
                            # Ended, but "not started yet" may still have been the case when Redis was read: a
                            # quick answer can be written and saved in between. Its events (all in Redis before
                            # it is saved) are then the answer, published since the subscription, so in the feed;
                            # the snapshot is only for events that are gone.
                            last = await self._store.last_event(task_id)
                            if last is None:
                                rest = [event for event in answer if event.seq > cursor]
                                if rest:
                                    yield rest
                                return
                    if last is not None and last.is_terminal and last.seq <= cursor:
                        return  # the viewer already has the whole answer
                while True:
                    item = await feed.next_batch()
                    if item is FeedSignal.CLOSED:
                        raise StreamInterruptedError(task_id)
                    if item is FeedSignal.RESYNC:
                        break  # fell behind: the stream in Redis has what was dropped
                    batch, missed_one = _continuing(cursor, item)
                    if batch:
                        yield batch
                        if batch[-1].is_terminal:
                            return
                        cursor = batch[-1].seq
                    elif any(event.is_terminal and event.seq <= cursor for event in item):
                        return  # it ended at or before the viewer's cursor: the viewer said it has the end
                    if missed_one:
                        # The stream in Redis has it, and everything after it in this batch too: every
                        # event is readable there before it is published.
                        break


def _through_terminal(events: list[StreamEvent]) -> list[StreamEvent]:
    for index, event in enumerate(events):
        if event.is_terminal:
            return events[: index + 1]
    return events


def _continuing(cursor: int, events: list[StreamEvent]) -> tuple[list[StreamEvent], bool]:
    """The events that continue the sequence after ``cursor``, through a terminal one, skipping those the
    viewer already has; and whether they stop short at a gap."""
    batch: list[StreamEvent] = []
    for event in events:
        if event.seq > cursor + 1:
            return batch, True
        if event.seq > cursor:
            batch.append(event)
            cursor = event.seq
            if event.is_terminal:
                break
    return batch, False
