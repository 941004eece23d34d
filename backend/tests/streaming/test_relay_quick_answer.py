"""A viewer that finds Redis empty asks PostgreSQL for the finished answer; an answer quick enough to be written
and saved in between must still reach it as its own events, not as the snapshot kept for when they are gone."""

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
