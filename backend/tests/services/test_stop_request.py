import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import Settings
from app.core.db import create_engine, create_session_factory
from app.lease.store import LeaseStore
from app.models import Message, MessageRole, MessageStatus
from app.services.errors import NotFoundError
from app.services.stop_request import request_stop
from app.streaming.events import EventKind, content_data, done_data
from app.streaming.store import AppendResult, EventStore
from tests.conftest import Stack
from tests.rows import add_conversation


@pytest.fixture
async def sessions(stack: Stack) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(Settings(database_url=stack.database_url))
    yield create_session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def redis(lease_test_redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(lease_test_redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def store(redis: Redis) -> AsyncIterator[EventStore]:
    store = EventStore(redis, ttl_seconds=60)
    yield store
    await store.close()


@pytest.fixture
def leases(redis: Redis) -> LeaseStore:
    return LeaseStore(redis, lease_seconds=5, ttl_seconds=60)


@pytest.fixture
def settings(stack: Stack) -> Settings:
    return Settings(database_url=stack.database_url, redis_url=stack.redis_url)


async def _pending_answer(sessions: async_sessionmaker[AsyncSession]) -> tuple[uuid.UUID, str]:
    """An answer queued but not yet taken by a worker (none is ever told about it), and its owner."""
    task_id = str(uuid.uuid4())
    async with sessions() as session:
        conversation = await add_conversation(session)
        session.add(
            Message(
                conversation_id=conversation.id,
                role=MessageRole.ASSISTANT,
                status=MessageStatus.PENDING,
                task_id=task_id,
            )
        )
        await session.commit()
    return conversation.user_id, task_id


async def test_an_answer_stopped_before_it_started_ends_at_once(
    sessions: async_sessionmaker[AsyncSession], store: EventStore, leases: LeaseStore, settings: Settings
) -> None:
    owner, task_id = await _pending_answer(sessions)
    assert await request_stop(sessions, store, leases, settings, owner, task_id) is MessageStatus.CANCELLED
    assert await request_stop(sessions, store, leases, settings, owner, task_id) is MessageStatus.CANCELLED

    events = await store.read_after(task_id, 0)
    assert [(e.seq, e.kind, e.data) for e in events] == [(1, EventKind.DONE, done_data("cancelled"))]
    async with sessions() as session:
        message = (await session.exec(select(Message).where(Message.task_id == task_id))).one()
        assert (message.status, message.stream_seq) == (MessageStatus.CANCELLED, 1)
    # Nobody is to take it over: it has ended.
    assert await leases.take(task_id, "a worker") is None


async def test_an_orphan_is_stopped_at_once_with_the_text_redis_holds(
    sessions: async_sessionmaker[AsyncSession], store: EventStore, leases: LeaseStore, settings: Settings
) -> None:
    # A worker took the answer, streamed two events, and died: its lease has run out.
    owner, task_id = await _pending_answer(sessions)
    dead = LeaseStore(store._redis, lease_seconds=0.001, ttl_seconds=60)
    taken = await dead.take(task_id, "dead worker")
    assert taken is not None
    await store.append(taken.lease, 1, EventKind.CONTENT, content_data("Hello"))
    await store.append(taken.lease, 2, EventKind.CONTENT, content_data(" there"))

    assert await request_stop(sessions, store, leases, settings, owner, task_id) is MessageStatus.CANCELLED

    events = await store.read_after(task_id, 0)
    assert [(e.seq, e.kind) for e in events][-1] == (3, EventKind.DONE)
    assert events[-1].data == done_data("cancelled")
    async with sessions() as session:
        message = (await session.exec(select(Message).where(Message.task_id == task_id))).one()
        assert (message.status, message.content, message.stream_seq) == (MessageStatus.CANCELLED, "Hello there", 3)
    # The dead worker, were it to wake, could write nothing more.
    assert await store.append(taken.lease, 3, EventKind.CONTENT, content_data("!")) is AppendResult.LEASE_LOST


async def test_an_answer_a_live_worker_holds_is_left_to_it(
    sessions: async_sessionmaker[AsyncSession], store: EventStore, leases: LeaseStore, settings: Settings
) -> None:
    owner, task_id = await _pending_answer(sessions)
    taken = await leases.take(task_id, "live worker")
    assert taken is not None
    assert await request_stop(sessions, store, leases, settings, owner, task_id) is MessageStatus.STREAMING
    # The flag comes back to the holder with its next append (and renewal).
    assert await store.append(taken.lease, 1, EventKind.CONTENT, content_data("x")) is AppendResult.STOP_REQUESTED


async def test_stopping_an_unknown_task_raises_not_found(
    sessions: async_sessionmaker[AsyncSession], store: EventStore, leases: LeaseStore, settings: Settings
) -> None:
    with pytest.raises(NotFoundError):
        await request_stop(sessions, store, leases, settings, uuid.uuid4(), "unknown")


async def test_stopping_another_users_answer_raises_not_found_and_stops_nothing(
    sessions: async_sessionmaker[AsyncSession], store: EventStore, leases: LeaseStore, settings: Settings
) -> None:
    _, task_id = await _pending_answer(sessions)
    with pytest.raises(NotFoundError):
        await request_stop(sessions, store, leases, settings, uuid.uuid4(), task_id)
    assert await store.read_after(task_id, 0) == []
    assert await leases.take(task_id, "a worker") is not None, "no lease was taken, no stop flagged"
    async with sessions() as session:
        message = (await session.exec(select(Message).where(Message.task_id == task_id))).one()
    assert message.status is MessageStatus.PENDING
