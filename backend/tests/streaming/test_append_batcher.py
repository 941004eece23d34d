import asyncio
import uuid

import pytest
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from app.core import redis_keys
from app.lease.store import Lease
from app.streaming.answer_stream import AnswerStream
from app.streaming.events import EventKind
from app.streaming.store import EventStore


async def test_concurrent_generations_keep_their_own_order(store: EventStore) -> None:
    answers = [AnswerStream(store, Lease(str(uuid.uuid4()), 1), outage_seconds=0) for _ in range(50)]

    async def write(answer: AnswerStream) -> None:
        for n in range(40):
            await answer.add(EventKind.CONTENT, str(n))
        await answer.finish("completed")

    await asyncio.gather(*(write(answer) for answer in answers))
    for answer in answers:
        events = await store.read_after(answer.task_id, 0)
        assert [e.seq for e in events] == list(range(1, 42))


async def test_one_refused_call_fails_only_its_caller(store: EventStore, redis: Redis) -> None:
    good, bad = str(uuid.uuid4()), str(uuid.uuid4())
    await redis.set(redis_keys.stream_events_key(bad), "not a stream")  # XADD refuses it (WRONGTYPE)
    results = await asyncio.gather(
        store.append(Lease(good, 1), 1, EventKind.CONTENT, b'{"content":"x"}'),
        store.append(Lease(bad, 1), 1, EventKind.CONTENT, b'{"content":"x"}'),
        return_exceptions=True,
    )
    assert not isinstance(results[0], BaseException)
    assert isinstance(results[1], ResponseError)


async def test_scripts_flushed_from_redis_are_loaded_again(store: EventStore, redis: Redis) -> None:
    task_id = str(uuid.uuid4())
    await store.append(Lease(task_id, 1), 1, EventKind.CONTENT, b'{"content":"a"}')
    await redis.script_flush()
    await asyncio.gather(*(store.append(Lease(task_id, 1), seq, EventKind.CONTENT, b'{"content":"b"}') for seq in (2,)))
    await redis.script_flush()
    results = await asyncio.gather(
        *(store.append(Lease(str(uuid.uuid4()), 1), 1, EventKind.CONTENT, b'{"content":"c"}') for _ in range(5))
    )
    assert len(results) == 5
    assert [e.seq for e in await store.read_after(task_id, 0)] == [1, 2]


@pytest.mark.parametrize("callers", [1, 20])
async def test_a_caller_that_gives_up_does_not_break_the_batch(store: EventStore, callers: int) -> None:
    tasks = [
        asyncio.create_task(store.append(Lease(str(uuid.uuid4()), 1), 1, EventKind.CONTENT, b'{"content":"x"}'))
        for _ in range(callers)
    ]
    tasks[0].cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(not isinstance(result, Exception) for result in results[1:])
    assert await store.append(Lease(str(uuid.uuid4()), 1), 1, EventKind.CONTENT, b'{"content":"y"}') is not None
