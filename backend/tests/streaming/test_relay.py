import asyncio
import uuid

from redis.asyncio import Redis

from app.core import redis_keys
from app.lease.store import Lease
from app.streaming.answer_stream import AnswerStream
from app.streaming.events import EventKind, StreamEvent, content_data, done_data, snapshot_data
from app.streaming.feed import Feed, FeedSignal
from app.streaming.hub import StreamHub
from app.streaming.relay import StreamRelay
from app.streaming.store import EventStore


async def _not_persisted() -> list[StreamEvent] | None:
    return None


async def _collect(relay: StreamRelay, task_id: str, cursor: int, pause: float = 0) -> list[int]:
    seqs = []
    async for batch in relay.events_after(task_id, cursor, _not_persisted):
        assert batch, "a batch is never empty"
        seqs += [event.seq for event in batch]
        await asyncio.sleep(pause)
    return seqs


async def test_viewers_joining_at_any_moment_get_every_event_once(hub: StreamHub, store: EventStore) -> None:
    """Viewers start while the writer is appending; each must see 1..N exactly, in order."""
    relay = StreamRelay(store, hub)
    answer = AnswerStream(store, Lease(str(uuid.uuid4()), 1), outage_seconds=0)
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
    answer = AnswerStream(store, Lease(str(uuid.uuid4()), 1), outage_seconds=0)
    await answer.add(EventKind.CONTENT, "first")
    viewer = asyncio.create_task(_collect(relay, answer.task_id, 0, pause=0.002))
    await asyncio.sleep(0.05)
    for n in range(200):
        await answer.add(EventKind.CONTENT, str(n))
    await answer.finish("completed")
    assert await asyncio.wait_for(viewer, 30) == list(range(1, 203))


async def test_a_viewer_that_already_has_everything_ends_at_once(hub: StreamHub, store: EventStore) -> None:
    relay = StreamRelay(store, hub)
    answer = AnswerStream(store, Lease(str(uuid.uuid4()), 1), outage_seconds=0)
    await answer.add(EventKind.CONTENT, "x")
    await answer.finish("completed")
    assert await asyncio.wait_for(_collect(relay, answer.task_id, 2), 2) == []


async def test_a_viewer_ahead_of_a_live_answer_ends_when_the_answer_does(hub: StreamHub, store: EventStore) -> None:
    # A cursor beyond the events so far (a client that claims more than it got): nothing to send, but the
    # stream must still end with the answer, not wait forever.
    relay = StreamRelay(store, hub)
    answer = AnswerStream(store, Lease(str(uuid.uuid4()), 1), outage_seconds=0)
    await answer.add(EventKind.CONTENT, "x")
    viewer = asyncio.create_task(_collect(relay, answer.task_id, 1000))
    await asyncio.sleep(0.1)
    await answer.add(EventKind.CONTENT, "y")
    await answer.finish("completed")
    assert await asyncio.wait_for(viewer, 5) == []


async def test_after_the_ttl_a_finished_answer_comes_from_the_persisted_copy(hub: StreamHub, redis: Redis) -> None:
    """A real expiry (TTL of one second), not a deleted key."""
    store = EventStore(redis, ttl_seconds=1)
    answer = AnswerStream(store, Lease(str(uuid.uuid4()), 1), outage_seconds=0)
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
    resumed = [event async for batch in relay.events_after(answer.task_id, 2, from_database) for event in batch]
    await store.close()
    assert resumed == persisted


def _seqs(batches: list[list[StreamEvent]]) -> list[list[int]]:
    return [[event.seq for event in batch] for batch in batches]


async def _until_announced(probe: Feed, seq: int) -> None:
    """Return once the hub has handed event ``seq`` to the probe, and so to every other feed of the task."""
    while True:
        batch = await asyncio.wait_for(probe.next_batch(), 5)
        assert not isinstance(batch, FeedSignal)
        if batch[-1].seq >= seq:
            return


async def test_the_backlog_comes_as_one_batch(hub: StreamHub, store: EventStore) -> None:
    task_id = str(uuid.uuid4())
    for seq in range(1, 21):
        await store.append(Lease(task_id, 1), seq, EventKind.CONTENT, content_data(str(seq)))
    await store.append(Lease(task_id, 1), 21, EventKind.DONE, done_data("completed"))
    relay = StreamRelay(store, hub)
    batches = [batch async for batch in relay.events_after(task_id, 5, _not_persisted)]
    assert _seqs(batches) == [list(range(6, 22))]


async def test_live_events_that_queued_up_come_as_one_batch(hub: StreamHub, store: EventStore) -> None:
    task_id = str(uuid.uuid4())
    await store.append(Lease(task_id, 1), 1, EventKind.CONTENT, content_data("first"))
    relay = StreamRelay(store, hub)
    batches = relay.events_after(task_id, 0, _not_persisted)
    received = [await anext(batches)]  # the backlog; the viewer is now subscribed, and not reading
    async with hub.subscribe(task_id) as probe:
        for seq in range(2, 6):
            await store.append(Lease(task_id, 1), seq, EventKind.CONTENT, content_data(str(seq)))
        await store.append(Lease(task_id, 1), 6, EventKind.DONE, done_data("completed"))
        await _until_announced(probe, 6)
    received += [batch async for batch in batches]
    assert _seqs(received) == [[1], [2, 3, 4, 5, 6]]


async def test_a_gap_in_a_live_batch_is_filled_from_the_store(hub: StreamHub, store: EventStore, redis: Redis) -> None:
    """The viewer's feed holds 3 and 5 (published without 4, as if a message were lost), then the real
    3, 4, 5 and 6: it gets 3, then everything after it from the store, each event once."""
    task_id = str(uuid.uuid4())
    for seq in (1, 2):
        await store.append(Lease(task_id, 1), seq, EventKind.CONTENT, content_data(str(seq)))
    relay = StreamRelay(store, hub)
    batches = relay.events_after(task_id, 0, _not_persisted)
    received = [await anext(batches)]
    async with hub.subscribe(task_id) as probe:
        for seq in (3, 5):
            # The pub/sub form the append script publishes, without the stream entry.
            message = b"%d content 0 %b" % (seq, content_data(str(seq)))
            await redis.publish(redis_keys.stream_channel(task_id), message)
        for seq in (3, 4, 5):
            await store.append(Lease(task_id, 1), seq, EventKind.CONTENT, content_data(str(seq)))
        await store.append(Lease(task_id, 1), 6, EventKind.DONE, done_data("completed"))
        await _until_announced(probe, 6)
    received += [batch async for batch in batches]
    assert _seqs(received) == [[1, 2], [3], [4, 5, 6]]
