"""The generation service in this process, on the test stack's real Redis, PostgreSQL and simulator, with no
background loop of its own (no lease renewal, no stop listener): so each test sees exactly one path at work.

The answers here are never queued, so the stack's own worker never sees them, and their leases are long (the
stack's worker takes over expired leases it finds).
"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import AnyUrl
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core import redis_keys
from app.core.config import Settings
from app.core.db import create_engine, create_session_factory
from app.lease.keeper import Interruption, LeaseKeeper
from app.lease.store import Lease, LeaseStore
from app.llm.client import create_client
from app.llm.model import ChatModel
from app.models import Message, MessageStatus
from app.services.checkpoints import Checkpointer
from app.services.generation import GenerationService
from app.streaming.events import EventKind
from app.streaming.store import AppendResult, EventStore, UpstreamPosition
from tests.conftest import Stack
from tests.rows import add_pending_answer

_LEASE_SECONDS = 120.0


class _WatchedStore(EventStore):
    """The real store, plus a hook that runs before each append reaches Redis."""

    def __init__(self, redis: Redis) -> None:
        super().__init__(redis, ttl_seconds=600)
        self.before_append: list[Any] = []

    async def append(
        self,
        lease: Lease,
        seq: int,
        kind: EventKind,
        data: bytes,
        *,
        may_start_stream: bool = False,
        upstream: UpstreamPosition | None = None,
    ) -> AppendResult:
        for hook in self.before_append:
            await hook(lease, seq, kind)
        return await super().append(lease, seq, kind, data, may_start_stream=may_start_stream, upstream=upstream)


@dataclass
class _Service:
    generation: GenerationService
    store: _WatchedStore
    keeper: LeaseKeeper
    sessions: async_sessionmaker[AsyncSession]
    redis: Redis


@pytest.fixture
async def service(stack: Stack) -> AsyncIterator[_Service]:
    settings = Settings(
        database_url=stack.database_url,
        redis_url=stack.redis_url,
        simulator_url=AnyUrl(f"{stack.simulator_url}/v1"),
        lease_seconds=_LEASE_SECONDS,
    )
    engine = create_engine(settings)
    sessions = create_session_factory(engine, autocommit=True)
    redis = Redis.from_url(stack.redis_url)
    store = _WatchedStore(redis)
    leases = LeaseStore(redis, settings.lease_seconds, settings.stream_ttl_seconds)

    async def no_takeovers(task_id: str) -> None:
        raise AssertionError(f"this keeper never looks for expired leases ({task_id})")

    keeper = LeaseKeeper(redis, leases, settings.lease_seconds, no_takeovers, owner="test-process")
    model = ChatModel(create_client(settings), settings)

    async def no_titles(conversation_id: uuid.UUID) -> None:
        del conversation_id

    generation = GenerationService(
        sessions, store, leases, keeper, model, Checkpointer(sessions, 60), settings, no_titles
    )
    yield _Service(generation, store, keeper, sessions, redis)
    await model.close()
    await store.close()
    await redis.aclose()
    await engine.dispose()


async def _pending_answer_task(service: _Service, question: str) -> str:
    return (await add_pending_answer(service.sessions, question))[1]


async def _row(service: _Service, task_id: str) -> Message:
    async with service.sessions() as session:
        return (await session.exec(select(Message).where(Message.task_id == task_id))).one()


async def test_the_final_message_is_saved_before_the_terminal_event(service: _Service) -> None:
    task_id = await _pending_answer_task(service, "[sim tokens=10 tps=0 reasoning_tokens=0] hi")
    seen: list[MessageStatus] = []

    async def row_status_at_the_terminal_event(lease: Lease, seq: int, kind: EventKind) -> None:
        del seq
        if kind.is_terminal and lease.task_id == task_id:
            seen.append((await _row(service, task_id)).status)

    service.store.before_append.append(row_status_at_the_terminal_event)
    await service.generation.take(task_id)
    # Whoever sees the end of the stream and reloads finds the answer final.
    assert seen == [MessageStatus.COMPLETED]


async def test_a_stop_that_only_comes_back_with_an_append_stops_the_answer(service: _Service) -> None:
    # No stop broadcast and no renewal here: the flag on the lease reaches the worker only through its appends.
    task_id = await _pending_answer_task(service, "[sim tokens=400 tps=100 reasoning_tokens=0] long")
    flagged_at: list[int] = []

    async def flag_after_three_events(lease: Lease, seq: int, kind: EventKind) -> None:
        del kind
        if lease.task_id == task_id and seq == 3:
            await service.redis.hset(redis_keys.lease_key(task_id), "stop", 1)
            flagged_at.append(seq)

    service.store.before_append.append(flag_after_three_events)
    await asyncio.wait_for(service.generation.take(task_id), timeout=60)
    events = await service.store.read_after(task_id, 0)
    # The append that carried the flag back was the last content event; then the stop's terminal event.
    assert [e.kind for e in events] == [EventKind.CONTENT] * 3 + [EventKind.DONE]
    assert events[-1].data == b'{"done":true,"status":"cancelled"}'
    row = await _row(service, task_id)
    assert (row.status, row.stream_seq) == (MessageStatus.CANCELLED, 4)


async def test_a_stop_that_arrives_while_an_event_is_written_takes_effect_right_after_it(service: _Service) -> None:
    task_id = await _pending_answer_task(service, "[sim tokens=400 tps=100 reasoning_tokens=0] long")

    async def stop_while_writing_the_fifth(lease: Lease, seq: int, kind: EventKind) -> None:
        del kind
        if lease.task_id == task_id and seq == 5:
            # As the broadcast would, while the answer is not waiting for the model: noted, not cancelled.
            held = service.keeper._held[task_id]
            assert not held.interruptible
            held.interrupt(Interruption.STOP)

    service.store.before_append.append(stop_while_writing_the_fifth)
    await asyncio.wait_for(service.generation.take(task_id), timeout=60)
    events = await service.store.read_after(task_id, 0)
    # The fifth event was written whole, and nothing came after it but the terminal event.
    assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6]
    assert events[-1].data == b'{"done":true,"status":"cancelled"}'
    assert (await _row(service, task_id)).status is MessageStatus.CANCELLED
