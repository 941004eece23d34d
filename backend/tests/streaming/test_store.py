import uuid

from redis.asyncio import Redis

from app.core import redis_keys
from app.streaming.events import EventKind, content_data, decode_live_message, done_data
from app.streaming.store import READ_BATCH, EventStore


async def test_sequence_numbers_are_gapless_from_one(store: EventStore) -> None:
    task_id = str(uuid.uuid4())
    seqs = [await store.append(task_id, EventKind.CONTENT, content_data(str(n))) for n in range(5)]
    assert seqs == [1, 2, 3, 4, 5]


async def test_read_after_returns_the_rest_in_order_and_in_slices(store: EventStore) -> None:
    task_id = str(uuid.uuid4())
    for n in range(READ_BATCH + 10):
        await store.append(task_id, EventKind.CONTENT, content_data(str(n)))
    first = await store.read_after(task_id, 0)
    assert [e.seq for e in first] == list(range(1, READ_BATCH + 1))
    rest = await store.read_after(task_id, first[-1].seq)
    assert [e.seq for e in rest] == list(range(READ_BATCH + 1, READ_BATCH + 11))
    assert await store.read_after(task_id, READ_BATCH + 10) == []
    assert (await store.read_after(task_id, 3, limit=1))[0].data == content_data("3")


async def test_append_sets_the_ttl_and_announces_atomically(store: EventStore, redis: Redis) -> None:
    task_id = str(uuid.uuid4())
    pubsub = redis.pubsub()
    await pubsub.subscribe(redis_keys.stream_channel(task_id))
    await pubsub.get_message(timeout=1)  # subscription confirmation
    await store.append(task_id, EventKind.DONE, done_data("completed"))

    message = await pubsub.get_message(timeout=1)
    assert message is not None
    event = decode_live_message(message["data"])
    assert (event.seq, event.kind, event.data) == (1, EventKind.DONE, done_data("completed"))
    assert 0 < await redis.ttl(redis_keys.stream_events_key(task_id)) <= 60
    await pubsub.aclose()  # type: ignore[no-untyped-call]


async def test_last_event(store: EventStore) -> None:
    task_id = str(uuid.uuid4())
    assert await store.last_event(task_id) is None
    await store.append(task_id, EventKind.CONTENT, content_data("a"))
    await store.append(task_id, EventKind.DONE, done_data("completed"))
    last = await store.last_event(task_id)
    assert last is not None
    assert (last.seq, last.is_terminal) == (2, True)
