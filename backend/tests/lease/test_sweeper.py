"""The sweep against real PostgreSQL and Redis: answers in progress that nothing covers are sent back to work."""

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import Settings
from app.core.db import create_engine, create_session_factory
from app.lease.store import LeaseStore
from app.lease.sweeper import Sweeper
from app.models import Message, MessageRole, MessageStatus, utcnow
from tests.conftest import Stack
from tests.rows import add_conversation


@pytest.fixture
async def sessions(stack: Stack) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(Settings(database_url=stack.database_url))
    yield create_session_factory(engine)
    await engine.dispose()


async def _answers(
    sessions: async_sessionmaker[AsyncSession], *states: tuple[MessageStatus, timedelta]
) -> list[tuple[uuid.UUID, str]]:
    """Assistant answers in the given states, last touched that long ago."""
    made = []
    async with sessions() as session:
        for status, age in states:
            conversation = await add_conversation(session)
            message = Message(
                conversation_id=conversation.id,
                role=MessageRole.ASSISTANT,
                status=status,
                task_id=str(uuid.uuid4()),
                updated_at=utcnow() - age,
            )
            session.add(message)
            assert message.task_id is not None
            made.append((message.id, message.task_id))
        await session.commit()
    return made


async def test_answers_nothing_covers_are_queued_again_or_offered_for_takeover(
    sessions: async_sessionmaker[AsyncSession], redis: Redis
) -> None:
    leases = LeaseStore(redis, lease_seconds=60, ttl_seconds=60)
    queued: list[tuple[uuid.UUID, str]] = []

    async def enqueue(message_id: uuid.UUID, task_id: str) -> None:
        queued.append((message_id, task_id))

    old, fresh = timedelta(minutes=5), timedelta(seconds=0)
    unqueued, orphan, recent, held, done = await _answers(
        sessions,
        (MessageStatus.PENDING, old),
        (MessageStatus.STREAMING, old),
        (MessageStatus.PENDING, fresh),
        (MessageStatus.STREAMING, old),
        (MessageStatus.COMPLETED, old),
    )
    assert await leases.take(held[1], "a live worker") is not None
    sweeper = Sweeper(redis, sessions, leases, enqueue, interval_seconds=60, stale_seconds=30)

    await sweeper.sweep_once()

    assert unqueued in queued
    assert orphan[1] in await leases.expired(10_000)
    for untouched in (recent, held, done):
        assert untouched not in queued
    assert held[1] not in await leases.expired(10_000)
    # Queued again once, then left alone for another stale period.
    queued.clear()
    await sweeper.sweep_once()
    assert unqueued not in queued
