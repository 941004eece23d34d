import asyncio
import uuid

from redis.asyncio import Redis

from app.streaming.answer_stream import AnswerStream
from app.streaming.events import EventKind, StreamEvent, done_data, snapshot_data
from app.streaming.hub import StreamHub
from app.streaming.relay import StreamRelay
from app.streaming.store import EventStore


async def _not_persisted() -> list[StreamEvent] | None:
    return None


async def _collect(relay: StreamRelay, task_id: str, cursor: int, pause: float = 0) -> list[int]:
    seqs = []
    async for event in relay.events_after(task_id, cursor, _not_persisted):
        seqs.append(event.seq)
        await asyncio.sleep(pause)
    return seqs


async def test_viewers_joining_at_any_moment_get_every_event_once(hub: StreamHub, store: EventStore) -> None:
    """Viewers start while the writer is appending; each must see 1..N exactly, in order."""
    relay = StreamRelay(store, hub)
    answer = AnswerStream(store, str(uuid.uuid4()))
    total = 300
    viewers: list[asyncio.Task[list[int]]] = []
    for n in range(total - 1):
        await answer.add(EventKind.CONTENT, str(n))
        if n % 10 == 0:
            viewers.append(asyncio.create_task(_collect(relay, answer.task_id, 0)))
            await asyncio.sleep(0)
    await answer.finish("completed")
    results = await asyncio.wait_for(asyncio.gather(*viewers), 30)
    assert all(seqs == list(range(1, total + 1)) for seqs in results)


async def test_a_slow_viewer_gets_everything_while_its_queue_stays_bounded(hub: StreamHub, store: EventStore) -> None:
    """The fixture's feeds hold 8 events; this viewer reads far slower than 200 events are written."""
    relay = StreamRelay(store, hub)
    answer = AnswerStream(store, str(uuid.uuid4()))
    await answer.add(EventKind.CONTENT, "first")
    viewer = asyncio.create_task(_collect(relay, answer.task_id, 0, pause=0.002))
    await asyncio.sleep(0.05)
    for n in range(200):
        await answer.add(EventKind.CONTENT, str(n))
    await answer.finish("completed")
    assert await asyncio.wait_for(viewer, 30) == list(range(1, 203))


async def test_a_viewer_that_already_has_everything_ends_at_once(hub: StreamHub, store: EventStore) -> None:
    relay = StreamRelay(store, hub)
    answer = AnswerStream(store, str(uuid.uuid4()))
    await answer.add(EventKind.CONTENT, "x")
    await answer.finish("completed")
    assert await asyncio.wait_for(_collect(relay, answer.task_id, 2), 2) == []


async def test_after_the_ttl_a_finished_answer_comes_from_the_persisted_copy(hub: StreamHub, redis: Redis) -> None:
    """A real expiry (TTL of one second), not a deleted key."""
    store = EventStore(redis, ttl_seconds=1)
    answer = AnswerStream(store, str(uuid.uuid4()))
    for word in ("one", " two", " three"):
        await answer.add(EventKind.CONTENT, word)
    persisted = [
        StreamEvent(4, EventKind.SNAPSHOT, snapshot_data(answer.content, "")),
        StreamEvent(5, EventKind.DONE, done_data("completed")),
    ]
    await answer.finish("completed")
    for _ in range(40):
        if await store.last_event(answer.task_id) is None:
            break
        await asyncio.sleep(0.1)
    assert await store.last_event(answer.task_id) is None, "the stream expired"

    async def from_database() -> list[StreamEvent] | None:
        return persisted

    relay = StreamRelay(store, hub)
    resumed = [event async for event in relay.events_after(answer.task_id, 2, from_database)]
    await store.close()
    assert resumed == persisted
