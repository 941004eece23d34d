import uuid

from redis.asyncio import Redis

from app.core import redis_keys
from app.lease.store import Lease
from app.streaming.events import (
    EventKind,
    content_data,
    decode_live_message,
    done_data,
    reasoning_data,
    snapshot_data,
)
from app.streaming.store import READ_BATCH, AppendResult, EventStore


async def _append_contents(store: EventStore, task_id: str, count: int) -> None:
    for seq in range(1, count + 1):
        assert (
            await store.append(Lease(task_id, 1), seq, EventKind.CONTENT, content_data(str(seq - 1)))
            is AppendResult.APPENDED
        )


async def test_read_after_returns_the_rest_in_order_and_in_slices(store: EventStore) -> None:
    task_id = str(uuid.uuid4())
    await _append_contents(store, task_id, READ_BATCH + 10)
    first = await store.read_after(task_id, 0)
    assert [e.seq for e in first] == list(range(1, READ_BATCH + 1))
    rest = await store.read_after(task_id, first[-1].seq)
    assert [e.seq for e in rest] == list(range(READ_BATCH + 1, READ_BATCH + 11))
    assert await store.read_after(task_id, READ_BATCH + 10) == []
    assert (await store.read_after(task_id, 3, limit=1))[0].data == content_data("3")


async def test_a_repeated_id_is_an_append_already_made(store: EventStore) -> None:
    # A retry whose first reply was lost: it must neither duplicate the event nor fail.
    task_id = str(uuid.uuid4())
    await _append_contents(store, task_id, 3)
    assert await store.append(Lease(task_id, 1), 3, EventKind.CONTENT, content_data("again")) is AppendResult.APPENDED
    assert [e.data for e in await store.read_after(task_id, 2)] == [content_data("2")]


async def test_a_writer_under_another_epoch_is_refused(store: EventStore) -> None:
    task_id = str(uuid.uuid4())
    await _append_contents(store, task_id, 2)
    stale = Lease(task_id, 0)
    assert await store.append(stale, 3, EventKind.CONTENT, content_data("stale")) is AppendResult.LEASE_LOST
    assert await store.append(stale, 1, EventKind.CONTENT, content_data("stale")) is AppendResult.LEASE_LOST
    assert [e.seq for e in await store.read_after(task_id, 0)] == [1, 2]


async def test_append_sets_the_ttl_and_announces_atomically(store: EventStore, redis: Redis) -> None:
    task_id = str(uuid.uuid4())
    pubsub = redis.pubsub()
    await pubsub.subscribe(redis_keys.stream_channel(task_id))
    await pubsub.get_message(timeout=1)  # subscription confirmation
    await store.append(Lease(task_id, 1), 1, EventKind.DONE, done_data("completed"))

    message = await pubsub.get_message(timeout=1)
    assert message is not None
    event = decode_live_message(message["data"])
    assert (event.seq, event.kind, event.data) == (1, EventKind.DONE, done_data("completed"))
    assert 0 < await redis.ttl(redis_keys.stream_events_key(task_id)) <= 60
    await pubsub.aclose()  # type: ignore[no-untyped-call]


async def test_a_lost_stream_is_reported_not_silently_restarted(store: EventStore, redis: Redis) -> None:
    task_id = str(uuid.uuid4())
    await _append_contents(store, task_id, 2)
    await redis.delete(redis_keys.stream_events_key(task_id))
    assert await store.append(Lease(task_id, 1), 3, EventKind.CONTENT, content_data("x")) is AppendResult.STREAM_LOST
    assert await store.last_event(task_id) is None
    result = await store.append(Lease(task_id, 1), 3, EventKind.CONTENT, content_data("x"), may_start_stream=True)
    assert result is AppendResult.APPENDED


async def test_a_stop_request_comes_back_with_the_next_append(store: EventStore, redis: Redis) -> None:
    task_id = str(uuid.uuid4())
    await _append_contents(store, task_id, 1)
    await redis.hset(redis_keys.lease_key(task_id), "stop", 1)
    assert await store.append(Lease(task_id, 1), 2, EventKind.CONTENT, content_data("x")) is AppendResult.STOP_REQUESTED


async def test_the_upstream_position_is_kept_with_the_lease(store: EventStore, redis: Redis) -> None:
    task_id = str(uuid.uuid4())
    await store.append(Lease(task_id, 1), 1, EventKind.CONTENT, content_data("a"), upstream=("resp_1", 7))
    await store.append(Lease(task_id, 1), 2, EventKind.CONTENT, content_data("b"))
    assert await redis.hmget(redis_keys.lease_key(task_id), ["response", "useq"]) == [b"resp_1", b"7"]


async def test_assemble_gives_the_text_a_viewer_holds(store: EventStore) -> None:
    task_id = str(uuid.uuid4())
    lease = Lease(task_id, 1)
    await store.append(lease, 1, EventKind.CONTENT, content_data("gone"))
    await store.append(lease, 2, EventKind.SNAPSHOT, snapshot_data("Hel", "think"))
    await store.append(lease, 3, EventKind.CONTENT, content_data("lo"))
    await store.append(lease, 4, EventKind.REASONING, reasoning_data("ing"))
    assert await store.assemble(task_id) == ("Hello", "thinking")
    assert await store.assemble(str(uuid.uuid4())) == ("", "")


async def test_last_event(store: EventStore) -> None:
    task_id = str(uuid.uuid4())
    assert await store.last_event(task_id) is None
    await store.append(Lease(task_id, 1), 1, EventKind.CONTENT, content_data("a"))
    await store.append(Lease(task_id, 1), 2, EventKind.DONE, done_data("completed"))
    last = await store.last_event(task_id)
    assert last is not None
    assert (last.seq, last.is_terminal) == (2, True)
