"""Exactly-once delivery across disconnects, reconnects and API processes."""

import asyncio
import random

import httpx
from redis.asyncio import Redis

from app.core import redis_keys
from tests.api_client import create_conversation, get_conversation, send_message
from tests.sse_client import SseEvent, assemble, iter_events, read_first, read_stream

ANSWERS = 12
SEED = 20261124


async def _read_some(client: httpx.AsyncClient, task_id: str, cursor: int, rng: random.Random) -> list[SseEvent]:
    """One connection: resume after ``cursor``, then hang up after a random number of events or a random time."""
    wanted = rng.randint(1, 10)
    patience = rng.uniform(0.01, 0.3)
    events: list[SseEvent] = []
    headers = {"Last-Event-ID": str(cursor)}
    try:
        async with asyncio.timeout(patience):
            async with client.stream("GET", f"/stream/{task_id}", headers=headers) as response:
                assert response.status_code == 200, await response.aread()
                async for event in iter_events(response):
                    events.append(event)
                    if event.is_terminal or len(events) >= wanted:
                        break
    except TimeoutError:
        pass
    return events


async def _follow_with_interruptions(
    clients: list[httpx.AsyncClient], task_id: str, rng: random.Random
) -> tuple[list[SseEvent], int]:
    received: list[SseEvent] = []
    cycles = 0
    while not (received and received[-1].is_terminal):
        cursor = received[-1].id if received else 0
        batch = await _read_some(rng.choice(clients), task_id, cursor, rng)
        cycles += 1
        for event in batch:
            expected = (received[-1].id if received else 0) + 1
            assert event.id == expected, f"after {expected - 1} came {event.id}: lost, duplicated or reordered"
            received.append(event)
    return received, cycles


async def test_random_disconnects_across_two_api_processes_lose_and_repeat_nothing(
    api: httpx.AsyncClient, second_api: httpx.AsyncClient
) -> None:
    rng = random.Random(SEED)
    first, second = api, second_api
    answers = []
    for n in range(ANSWERS):
        conversation_id = await create_conversation(first)
        accepted = await send_message(first, conversation_id, f"[sim tokens=150 tps=60 reasoning_tokens=10] {n}")
        answers.append((conversation_id, accepted["task_id"]))
    followers = [
        _follow_with_interruptions([first, second], task_id, random.Random(rng.random())) for _, task_id in answers
    ]
    results = await asyncio.gather(*followers)

    total_cycles = sum(cycles for _, cycles in results)
    total_events = sum(len(events) for events, _ in results)
    print(f"{total_cycles} connect/disconnect cycles, {total_events} events, {ANSWERS} answers, 2 API processes")
    assert total_cycles >= 300, "hundreds of disconnect/reconnect cycles"
    for (conversation_id, _), (events, _) in zip(answers, results, strict=True):
        answer = (await get_conversation(first, conversation_id))["messages"][-1]
        assert answer["status"] == "completed"
        assert assemble(events) == answer["content"]
        assert assemble(events, "reasoning") == answer["reasoning"]
        # Tokens that reach the worker in one network read share an event, so at most one event per token.
        assert 0 < sum("content" in e.data for e in events) <= 150


async def test_resume_after_the_events_expired_continues_from_the_database(
    api: httpx.AsyncClient, redis_url: str
) -> None:
    conversation_id = await create_conversation(api)
    accepted = await send_message(api, conversation_id, "[sim tokens=30 tps=100 reasoning_tokens=2]")
    first_part = await read_first(api, accepted["task_id"], 5)
    await read_stream(api, accepted["task_id"])  # until the answer is finished
    redis = Redis.from_url(redis_url)
    try:
        assert await redis.delete(redis_keys.stream_events_key(accepted["task_id"])) == 1
    finally:
        await redis.aclose()

    rest = await read_stream(api, accepted["task_id"], last_event_id=first_part[-1].id)
    answer = (await get_conversation(api, conversation_id))["messages"][-1]
    assert [e.id for e in rest] == [answer["stream_seq"] - 1, answer["stream_seq"]]
    assert "snapshot" in rest[0].data
    assert assemble(first_part + rest) == answer["content"]
    assert assemble(first_part + rest, "reasoning") == answer["reasoning"]


async def test_a_client_that_has_everything_is_told_204(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    accepted = await send_message(api, conversation_id, "[sim tokens=3 tps=0]")
    events = await read_stream(api, accepted["task_id"])
    response = await api.get(f"/stream/{accepted['task_id']}", headers={"Last-Event-ID": str(events[-1].id)})
    assert response.status_code == 204


async def test_a_finished_answer_is_checkpointed_while_it_streams(api: httpx.AsyncClient) -> None:
    """The test worker checkpoints every second (CHECKPOINT_SECONDS=1)."""
    conversation_id = await create_conversation(api)
    accepted = await send_message(api, conversation_id, "[sim tokens=100 tps=25 reasoning_tokens=0]")
    checkpoints = []
    while True:
        answer = (await get_conversation(api, conversation_id))["messages"][-1]
        if answer["status"] != "streaming" and answer["status"] != "pending":
            break
        if answer["content"]:
            checkpoints.append(answer)
        await asyncio.sleep(0.2)
    assert checkpoints, "no checkpoint seen while streaming"
    events = await read_stream(api, accepted["task_id"])
    for checkpoint in checkpoints:
        # A checkpoint is exactly the answer as of its recorded event.
        assert checkpoint["content"] == assemble([e for e in events if e.id <= checkpoint["stream_seq"]])
