import uuid

import orjson
import pytest
from redis.asyncio import Redis

from app.core import redis_keys
from app.lease.store import Lease
from app.streaming.answer_stream import AnswerStream, LeaseLostError
from app.streaming.events import EventKind
from app.streaming.store import EventStore


def _answer(store: EventStore) -> AnswerStream:
    return AnswerStream(store, Lease(str(uuid.uuid4()), 1), outage_seconds=0)


async def test_events_are_numbered_and_the_text_kept(store: EventStore) -> None:
    answer = _answer(store)
    await answer.add(EventKind.REASONING, "think")
    await answer.add(EventKind.CONTENT, "Hello")
    await answer.add(EventKind.CONTENT, " world")
    await answer.finish("completed")
    events = await store.read_after(answer.task_id, 0)
    assert [(e.seq, e.kind) for e in events] == [
        (1, EventKind.REASONING),
        (2, EventKind.CONTENT),
        (3, EventKind.CONTENT),
        (4, EventKind.DONE),
    ]
    assert (answer.content, answer.reasoning, answer.seq) == ("Hello world", "think", 4)


async def test_a_stream_lost_mid_answer_is_rebuilt_with_a_snapshot(store: EventStore, redis: Redis) -> None:
    answer = _answer(store)
    await answer.add(EventKind.CONTENT, "Hello")
    # Redis restarted empty, say: the events and the lease are gone.
    await redis.delete(redis_keys.stream_events_key(answer.task_id), redis_keys.lease_key(answer.task_id))
    await answer.add(EventKind.CONTENT, " world")
    await answer.finish("completed")

    events = await store.read_after(answer.task_id, 0)
    assert [(e.seq, e.kind) for e in events] == [(2, EventKind.SNAPSHOT), (3, EventKind.DONE)]
    assert orjson.loads(events[0].data) == {
        "snapshot": {"content": "Hello world", "reasoning": ""},
        "reason": "recovered",
    }
    assert answer.content == "Hello world"


async def test_a_terminal_event_on_a_lost_stream_follows_the_snapshot(store: EventStore, redis: Redis) -> None:
    answer = _answer(store)
    await answer.add(EventKind.CONTENT, "Hello")
    await redis.delete(redis_keys.stream_events_key(answer.task_id), redis_keys.lease_key(answer.task_id))
    await answer.finish("completed")
    events = await store.read_after(answer.task_id, 0)
    assert [(e.seq, e.kind) for e in events] == [(2, EventKind.SNAPSHOT), (3, EventKind.DONE)]
    assert answer.seq == 3


async def test_a_writer_whose_lease_was_taken_over_writes_nothing(store: EventStore, redis: Redis) -> None:
    answer = _answer(store)
    await answer.add(EventKind.CONTENT, "Hello")
    await redis.hset(redis_keys.lease_key(answer.task_id), "epoch", 2)  # another worker took it over
    with pytest.raises(LeaseLostError):
        await answer.add(EventKind.CONTENT, " stale")
    with pytest.raises(LeaseLostError):
        await answer.finish("completed")
    # Neither the stream nor what this writer would checkpoint moved.
    assert [e.seq for e in await store.read_after(answer.task_id, 0)] == [1]
    assert (answer.seq, answer.content) == (1, "Hello")


async def test_a_restart_tells_viewers_and_starts_the_text_over(store: EventStore) -> None:
    answer = _answer(store)
    await answer.add(EventKind.CONTENT, "first try")
    await answer.restart()
    await answer.add(EventKind.CONTENT, "second")
    events = await store.read_after(answer.task_id, 1)
    assert orjson.loads(events[0].data) == {"snapshot": {"content": "", "reasoning": ""}, "reason": "restart"}
    assert (answer.content, answer.seq) == ("second", 3)
    assert await store.assemble(answer.task_id) == ("second", "")
