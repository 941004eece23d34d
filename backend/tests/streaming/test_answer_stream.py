import uuid

import orjson
from redis.asyncio import Redis

from app.core import redis_keys
from app.streaming.answer_stream import AnswerStream
from app.streaming.events import EventKind
from app.streaming.store import EventStore


async def test_events_are_numbered_and_the_text_kept(store: EventStore) -> None:
    answer = AnswerStream(store, str(uuid.uuid4()))
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
    answer = AnswerStream(store, str(uuid.uuid4()))
    await answer.add(EventKind.CONTENT, "Hello")
    await redis.delete(redis_keys.stream_events_key(answer.task_id))  # Redis restarted, say
    await answer.add(EventKind.CONTENT, " world")
    await answer.finish("completed")

    events = await store.read_after(answer.task_id, 0)
    assert [(e.seq, e.kind) for e in events] == [(2, EventKind.SNAPSHOT), (3, EventKind.DONE)]
    assert orjson.loads(events[0].data) == {"snapshot": {"content": "Hello world", "reasoning": ""}}


async def test_a_terminal_event_on_a_lost_stream_follows_the_snapshot(store: EventStore, redis: Redis) -> None:
    answer = AnswerStream(store, str(uuid.uuid4()))
    await answer.add(EventKind.CONTENT, "Hello")
    await redis.delete(redis_keys.stream_events_key(answer.task_id))
    await answer.finish("completed")
    events = await store.read_after(answer.task_id, 0)
    assert [(e.seq, e.kind) for e in events] == [(2, EventKind.SNAPSHOT), (3, EventKind.DONE)]
    assert answer.seq == 3
