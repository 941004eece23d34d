"""Checkpoints are best effort: they never fail an answer and never overwrite its final save."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import Settings
from app.core.db import create_engine, create_session_factory
from app.models import Conversation, Message, MessageRole, MessageStatus
from app.services.cancellation import CancellationRegistry
from app.services.generation import GenerationService
from app.streaming.answer_stream import AnswerStream
from tests.conftest import Stack


@pytest.fixture
async def sessions(stack: Stack) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(Settings(database_url=stack.database_url))
    yield create_session_factory(engine)
    await engine.dispose()


def _service(sessions: Any) -> GenerationService:
    async def no_title(_: uuid.UUID) -> None:
        return None

    # The store and the model are not used by checkpoints.
    return GenerationService(sessions, None, None, CancellationRegistry(), Settings(), no_title)  # type: ignore[arg-type]


async def _answer_row(sessions: async_sessionmaker[AsyncSession], status: MessageStatus, content: str) -> uuid.UUID:
    async with sessions() as session:
        conversation = Conversation()
        message = Message(
            conversation_id=conversation.id, role=MessageRole.ASSISTANT, status=status, content=content, stream_seq=9
        )
        session.add_all([conversation, message])
        await session.commit()
        return message.id


def _partial_answer() -> AnswerStream:
    answer = AnswerStream(None, "task")  # type: ignore[arg-type]
    answer.seq = 4
    answer._content.append("partial")
    return answer


async def test_a_checkpoint_saves_the_answer_so_far(sessions: async_sessionmaker[AsyncSession]) -> None:
    message_id = await _answer_row(sessions, MessageStatus.STREAMING, "")
    await _service(sessions)._checkpoint(message_id, _partial_answer())
    async with sessions() as session:
        message = await session.get(Message, message_id)
        assert message is not None
        assert (message.content, message.stream_seq) == ("partial", 4)


async def test_a_late_checkpoint_never_overwrites_the_final_save(sessions: async_sessionmaker[AsyncSession]) -> None:
    message_id = await _answer_row(sessions, MessageStatus.COMPLETED, "final")
    await _service(sessions)._checkpoint(message_id, _partial_answer())
    async with sessions() as session:
        message = await session.get(Message, message_id)
        assert message is not None
        assert (message.status, message.content, message.stream_seq) == (MessageStatus.COMPLETED, "final", 9)


async def test_a_failing_checkpoint_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    def no_database() -> Any:
        raise ConnectionRefusedError("database down")

    await _service(no_database)._checkpoint(uuid.uuid4(), _partial_answer())
    assert "checkpoint skipped" in caplog.text
