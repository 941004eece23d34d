"""A viewer that finds Redis empty asks PostgreSQL for the finished answer; an answer quick enough to be written
and saved in between must still reach it as its own events, not as the snapshot kept for when they are gone. Unless
the caller saw the answer unfinished under the hub's current connection: then PostgreSQL is not asked."""

import asyncio
import uuid

from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from app.core import redis_keys
from app.streaming.events import (
    EventKind,
    StreamEvent,
    content_data,
    done_data,
    reasoning_data,
    snapshot_data,
)
from app.streaming.hub import StreamHub
from app.streaming.relay import StreamRelay
from app.streaming.store import EventStore


async def _append(redis: Redis, task_id: str, event: StreamEvent) -> None:
    """What the append script does for an event, atomically: store it, then announce it."""
    async with redis.pipeline(transaction=True) as pipe:
        fields: dict[FieldT, EncodableT] = {"k": event.kind.value, "t": event.appended_us, "d": event.data}
        pipe.xadd(redis_keys.stream_events_key(task_id), fields, id=f"0-{event.seq}")
        message = b"%d %b %d %b" % (event.seq, event.kind.value.encode(), event.appended_us, event.data)
        pipe.publish(redis_keys.stream_channel(task_id), message)
        await pipe.execute()


async def test_an_answer_written_and_saved_while_the_viewer_looked_comes_from_redis(
    hub: StreamHub, store: EventStore, redis: Redis
) -> None:
    task_id = str(uuid.uuid4())
    written = [
        StreamEvent(1, EventKind.REASONING, reasoning_data("thinking")),
        StreamEvent(2, EventKind.CONTENT, content_data("the answer")),
        StreamEvent(3, EventKind.DONE, done_data("completed")),
    ]
    saved = [
        StreamEvent(2, EventKind.SNAPSHOT, snapshot_data("the answer", "thinking")),
        StreamEvent(3, EventKind.DONE, done_data("completed")),
    ]

    async def written_and_saved_meanwhile() -> list[StreamEvent] | None:
        # Called once the relay has found nothing in Redis: the worker begins, writes every event, saves the
        # answer, all before PostgreSQL answers.
        for event in written:
            await _append(redis, task_id, event)
        return saved

    relay = StreamRelay(store, hub)
    async with asyncio.timeout(10):  # turns a viewer left waiting into a failure
        received = [
            event async for batch in relay.events_after(task_id, 0, written_and_saved_meanwhile) for event in batch
        ]
    assert received == written


async def test_an_answer_seen_unfinished_under_the_hubs_connection_is_not_looked_up(
    hub: StreamHub, store: EventStore, redis: Redis
) -> None:
    task_id = str(uuid.uuid4())
    written = [StreamEvent(1, EventKind.CONTENT, content_data("hi")), StreamEvent(2, EventKind.DONE, done_data("ok"))]

    async def not_to_be_asked() -> list[StreamEvent] | None:
        raise AssertionError("PostgreSQL was asked for an answer seen unfinished under this connection")

    async def worker_begins_later() -> None:
        await asyncio.sleep(0.2)
        for event in written:
            await _append(redis, task_id, event)

    relay = StreamRelay(store, hub)
    async with asyncio.timeout(10), asyncio.TaskGroup() as group:
        group.create_task(worker_begins_later())
        batches = relay.events_after(task_id, 0, not_to_be_asked, unfinished_under=hub.connection_epoch)
        received = [event async for batch in batches for event in batch]
    assert received == written


async def test_after_the_hubs_connection_changed_postgresql_is_asked_after_all(
    hub: StreamHub, store: EventStore
) -> None:
    # Seen unfinished under an earlier connection: Redis may have restarted since and lost an answer that ended.
    task_id = str(uuid.uuid4())
    saved = [
        StreamEvent(1, EventKind.SNAPSHOT, snapshot_data("all", "")),
        StreamEvent(2, EventKind.DONE, done_data("ok")),
    ]

    async def from_postgresql() -> list[StreamEvent] | None:
        return saved

    epoch = hub.connection_epoch
    assert epoch is not None
    relay = StreamRelay(store, hub)
    async with asyncio.timeout(10):
        batches = relay.events_after(task_id, 0, from_postgresql, unfinished_under=epoch - 1)
        received = [event async for batch in batches for event in batch]
    assert received == saved
