import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import Settings
from app.core.db import create_engine, create_session_factory
from app.models import Conversation, Message, MessageRole, MessageStatus
from app.services.errors import NotFoundError
from app.services.stop_request import request_stop
from app.streaming.events import EventKind, done_data
from app.streaming.store import EventStore
from tests.conftest import Stack


@pytest.fixture
async def sessions(stack: Stack) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(Settings(database_url=stack.database_url))
    yield create_session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def store(stack: Stack) -> AsyncIterator[EventStore]:
    redis = Redis.from_url(stack.redis_url)
    store = EventStore(redis, ttl_seconds=60)
    yield store
    await store.close()
    await redis.aclose()


async def _pending_answer(sessions: async_sessionmaker[AsyncSession]) -> str:
    """An answer queued but not yet taken by a worker (none is ever told about it)."""
    task_id = str(uuid.uuid4())
    async with sessions() as session:
        conversation = Conversation()
        session.add(conversation)
        session.add(
            Message(
                conversation_id=conversation.id,
                role=MessageRole.ASSISTANT,
                status=MessageStatus.PENDING,
                task_id=task_id,
            )
        )
        await session.commit()
    return task_id


async def test_an_answer_stopped_before_it_started_ends_at_once(
    sessions: async_sessionmaker[AsyncSession], store: EventStore
) -> None:
    task_id = await _pending_answer(sessions)
    async with sessions() as session:
        assert await request_stop(session, store, task_id) is MessageStatus.CANCELLED
    async with sessions() as session:
        assert await request_stop(session, store, task_id) is MessageStatus.CANCELLED

    events = await store.read_after(task_id, 0)
    assert [(e.seq, e.kind, e.data) for e in events] == [(1, EventKind.DONE, done_data("cancelled"))]
    async with sessions() as session:
        message = (await session.exec(select(Message).where(Message.task_id == task_id))).one()
        assert (message.status, message.stream_seq) == (MessageStatus.CANCELLED, 1)


async def test_stopping_an_unknown_task_raises_not_found(
    sessions: async_sessionmaker[AsyncSession], store: EventStore
) -> None:
    async with sessions() as session:
        with pytest.raises(NotFoundError):
            await request_stop(session, store, "unknown")
