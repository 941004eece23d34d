"""Usage is recorded once per answer, by the holder of its lease, in the statement of its final save; an answer
restarted after a takeover is also charged for the run the restart discarded. In this process, on the stack's real
PostgreSQL and simulator, with leases on a Redis database of their own (the stack's worker never takes them)."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pydantic import AnyUrl
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import Settings
from app.core.db import create_engine, create_session_factory
from app.lease.keeper import LeaseKeeper
from app.lease.store import LeaseStore
from app.llm.client import create_client
from app.llm.deltas import ChatTurn
from app.llm.model import ChatModel
from app.llm.tokens import count_tokens
from app.models import Message, MessageStatus, UsageDay
from app.services import answers, usage
from app.services.answers import Outcome
from app.services.checkpoints import Checkpointer
from app.services.generation import GenerationService
from app.services.usage import AnswerUsage
from app.streaming.answer_stream import AnswerStream
from app.streaming.events import EventKind
from app.streaming.store import EventStore
from tests.conftest import Stack
from tests.rows import add_pending_answer

# The model an answer is claimed for (any name: these answers are not generated).
_MODEL = Settings().openai_model


@dataclass
class _World:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    store: EventStore
    leases: LeaseStore
    generation: GenerationService


@pytest.fixture
async def world(stack: Stack, lease_test_redis_url: str) -> AsyncIterator[_World]:
    settings = Settings(
        database_url=stack.database_url,
        redis_url=lease_test_redis_url,
        simulator_url=AnyUrl(f"{stack.simulator_url}/v1"),
        lease_seconds=120,
    )
    engine = create_engine(settings)
    sessions = create_session_factory(engine, autocommit=True)
    redis = Redis.from_url(lease_test_redis_url)
    store = EventStore(redis, ttl_seconds=600)
    leases = LeaseStore(redis, settings.lease_seconds, settings.stream_ttl_seconds)

    async def no_takeovers(task_id: str) -> None:
        raise AssertionError(f"this keeper never looks for expired leases ({task_id})")

    async def no_titles(conversation_id: uuid.UUID) -> None:
        del conversation_id

    keeper = LeaseKeeper(redis, leases, settings.lease_seconds, no_takeovers, owner="usage-test")
    model = ChatModel(create_client(settings), settings)
    generation = GenerationService(
        sessions, store, leases, keeper, model, Checkpointer(sessions, 60), settings, no_titles
    )
    yield _World(settings, sessions, store, leases, generation)
    await model.close()
    await store.close()
    await redis.aclose()
    await engine.dispose()


async def _usage_rows(world: _World, user_id: uuid.UUID) -> list[tuple[int, int, int]]:
    async with world.sessions() as session:
        rows = await session.exec(select(UsageDay).where(col(UsageDay.user_id) == user_id))
        return [(row.input_tokens, row.output_tokens, row.answers) for row in rows]


async def _row(world: _World, task_id: str) -> Message:
    async with world.sessions() as session:
        return (await session.exec(select(Message).where(Message.task_id == task_id))).one()


async def test_a_worker_that_lost_the_lease_records_nothing_and_the_holder_records_once(world: _World) -> None:
    user_id, task_id = await add_pending_answer(world.sessions, "hello")
    lost = await world.leases.take(task_id, "worker-a")
    assert lost is not None
    lost_claim = await answers.claim(world.sessions, lost, _MODEL)
    assert lost_claim is not None
    assert lost_claim.user_id == user_id
    # Worker A is gone (as far as the others can tell): B takes the answer over.
    await world.leases.hand_over(lost.lease)
    holder = await world.leases.take(task_id, "worker-b")
    assert holder is not None
    holder_claim = await answers.claim(world.sessions, holder, _MODEL)
    assert holder_claim is not None

    completed = Outcome(MessageStatus.COMPLETED)
    lost_answer = AnswerStream(world.store, lost.lease, outage_seconds=0)
    assert not await answers.conclude(
        world.sessions, world.leases, lost_answer, lost_claim, completed, AnswerUsage(1000, 1000), 0
    )
    assert await _usage_rows(world, user_id) == []

    answer = AnswerStream(world.store, holder.lease, outage_seconds=0)
    assert await answers.conclude(world.sessions, world.leases, answer, holder_claim, completed, AnswerUsage(7, 3), 0)
    # Concluding again (a duplicate, or the lost worker waking up once more) adds nothing.
    assert not await answers.conclude(
        world.sessions, world.leases, answer, holder_claim, completed, AnswerUsage(7, 3), 0
    )
    assert await _usage_rows(world, user_id) == [(7, 3, 1)]
    row = await _row(world, task_id)
    assert (row.input_tokens, row.output_tokens, row.usage_estimated) == (7, 3, False)


async def _reported(stack: Stack, marker: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=stack.simulator_url, timeout=30) as simulator:
        requests: list[dict[str, Any]] = (await simulator.get("/_sim/requests")).json()["requests"]
        entry = next(r for r in reversed(requests) if marker in str(r["body"]))
        reported: dict[str, Any] = (await simulator.post(entry["path"], json=entry["body"] | {"stream": False})).json()
    return reported["usage"]  # type: ignore[no-any-return]


async def test_an_answer_restarted_after_a_takeover_is_charged_for_the_run_it_discarded(
    stack: Stack, world: _World
) -> None:
    marker = uuid.uuid4().hex
    question = f"[sim tokens=10 tps=0 reasoning_tokens=0] {marker}"
    user_id, task_id = await add_pending_answer(world.sessions, question)
    # A first worker streamed part of the answer, then died: its text is in Redis, its usage report never came.
    first = await world.leases.take(task_id, "worker-that-dies")
    assert first is not None
    assert await answers.claim(world.sessions, first, _MODEL) is not None
    discarded = AnswerStream(world.store, first.lease, outage_seconds=0)
    for text in ("Half", " an", " answer"):
        await discarded.add(EventKind.CONTENT, text)
    await world.leases.hand_over(first.lease)

    await world.generation.take(task_id)

    row = await _row(world, task_id)
    assert row.status is MessageStatus.COMPLETED
    reported = await _reported(stack, marker)
    prompt = [ChatTurn("system", world.settings.system_prompt), ChatTurn("user", question)]
    assert row.output_tokens == reported["output_tokens"] + count_tokens("Half an answer")
    assert row.input_tokens == reported["input_tokens"] + usage.prompt_tokens(prompt)
    assert row.usage_estimated is True
    assert await _usage_rows(world, user_id) == [(row.input_tokens, row.output_tokens, 1)]


def test_estimates_count_the_text_with_the_history_tokenizer() -> None:
    prompt = [ChatTurn("system", "Be brief."), ChatTurn("user", "What is a stream?")]
    estimate = usage.estimate("A stream is", "thinking", prompt)
    assert estimate == AnswerUsage(
        usage.prompt_tokens(prompt), count_tokens("A stream is") + count_tokens("thinking"), estimated=True
    )
    assert usage.estimate("", "", []) == AnswerUsage(0, 0, estimated=True)
    assert usage.prompt_was_used("", "", stopped_after_asking=True)
    assert usage.prompt_was_used("text", "", stopped_after_asking=False)
    assert not usage.prompt_was_used("", "", stopped_after_asking=False)
