"""Checkpoints save every moving answer of a process in one go, are best effort, and never overwrite a final save."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import Settings
from app.core.db import create_engine, create_session_factory
from app.lease.store import Lease
from app.models import Message, MessageRole, MessageStatus
from app.services.checkpoints import Checkpointer
from app.streaming.answer_stream import AnswerStream
from tests.conftest import Stack
from tests.rows import add_conversation


@pytest.fixture
async def sessions(stack: Stack) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(Settings(database_url=stack.database_url))
    yield create_session_factory(engine)
    await engine.dispose()


async def _answer_row(sessions: async_sessionmaker[AsyncSession], status: MessageStatus, content: str) -> uuid.UUID:
    async with sessions() as session:
        conversation = await add_conversation(session)
        message = Message(
            conversation_id=conversation.id, role=MessageRole.ASSISTANT, status=status, content=content, stream_seq=9
        )
        session.add(message)
        await session.commit()
        return message.id


def _answer(content: str, reasoning: str = "", seq: int = 4, epoch: int = 0) -> AnswerStream:
    # The store is not used: checkpoints read the answer's text, event id and lease epoch only. Epoch 0 is that of
    # a row no lease has touched yet.
    answer = AnswerStream(None, Lease("task", epoch), outage_seconds=0)  # type: ignore[arg-type]
    answer.resume_from(seq, content, reasoning)
    return answer


async def _row(sessions: async_sessionmaker[AsyncSession], message_id: uuid.UUID) -> Message:
    async with sessions() as session:
        message = await session.get(Message, message_id)
        assert message is not None
        return message


async def test_one_save_covers_every_answer_that_moved(sessions: async_sessionmaker[AsyncSession]) -> None:
    checkpoints = Checkpointer(sessions, interval_seconds=60)
    first, second, idle = [await _answer_row(sessions, MessageStatus.STREAMING, "") for _ in range(3)]
    with (
        checkpoints.tracking(first, one := _answer("one", "thinking", seq=0)),
        checkpoints.tracking(second, answer := _answer("two", seq=0)),
        checkpoints.tracking(idle, _answer("", seq=0)),
    ):
        one.seq, answer.seq = 4, 7  # both moved since they were tracked
        assert await checkpoints.save() == 2
        assert await checkpoints.save() == 0  # nothing moved since
        answer._content.append(" more")
        answer.seq = 8
        assert await checkpoints.save() == 1
    saved = [await _row(sessions, message_id) for message_id in (first, second, idle)]
    assert [(m.content, m.reasoning, m.stream_seq) for m in saved] == [
        ("one", "thinking", 4),
        ("two more", "", 8),
        ("", "", 9),  # never moved, so never written
    ]


async def test_an_answer_no_longer_tracked_is_not_saved(sessions: async_sessionmaker[AsyncSession]) -> None:
    checkpoints = Checkpointer(sessions, interval_seconds=60)
    message_id = await _answer_row(sessions, MessageStatus.STREAMING, "")
    with checkpoints.tracking(message_id, answer := _answer("", seq=0)):
        pass
    answer.seq = 3
    assert await checkpoints.save() == 0


async def test_a_late_checkpoint_never_overwrites_the_final_save(sessions: async_sessionmaker[AsyncSession]) -> None:
    checkpoints = Checkpointer(sessions, interval_seconds=60)
    message_id = await _answer_row(sessions, MessageStatus.COMPLETED, "final")
    with checkpoints.tracking(message_id, answer := _answer("partial", seq=0)):
        answer.seq = 4
        await checkpoints.save()
    message = await _row(sessions, message_id)
    assert (message.status, message.content, message.stream_seq) == (MessageStatus.COMPLETED, "final", 9)


async def test_the_background_loop_saves_every_interval(sessions: async_sessionmaker[AsyncSession]) -> None:
    checkpoints = Checkpointer(sessions, interval_seconds=0.05)
    message_id = await _answer_row(sessions, MessageStatus.STREAMING, "")
    checkpoints.start()
    try:
        with checkpoints.tracking(message_id, answer := _answer("so far", seq=0)):
            answer.seq = 2
            for _ in range(200):
                if (await _row(sessions, message_id)).stream_seq == 2:
                    break
                await asyncio.sleep(0.05)
    finally:
        await checkpoints.stop()
    assert (await _row(sessions, message_id)).content == "so far"


async def test_a_failing_checkpoint_is_logged_not_raised_and_retried(caplog: pytest.LogCaptureFixture) -> None:
    def no_database() -> Any:
        raise ConnectionRefusedError("database down")

    checkpoints = Checkpointer(no_database, interval_seconds=60)  # type: ignore[arg-type]
    with checkpoints.tracking(uuid.uuid4(), answer := _answer("partial", seq=0)):
        answer.seq = 4
        assert await checkpoints.save() == 0
        assert "checkpoint of 1 answers skipped" in caplog.text
        caplog.clear()
        assert await checkpoints.save() == 0
        assert "checkpoint of 1 answers skipped" in caplog.text  # still due: it was never saved


async def test_a_checkpoint_from_a_lost_lease_changes_nothing(sessions: async_sessionmaker[AsyncSession]) -> None:
    # The row belongs to a newer lease (another worker took the answer over): the old holder's save is refused.
    message_id = await _answer_row(sessions, MessageStatus.STREAMING, "newer")
    async with sessions() as session:
        row = await session.get(Message, message_id)
        assert row is not None
        row.lease_epoch = 2
        await session.commit()
    checkpoints = Checkpointer(sessions, interval_seconds=60)
    with checkpoints.tracking(message_id, stale := _answer("stale", seq=0, epoch=1)):
        stale.seq = 12
        assert await checkpoints.save() == 1  # sent, and refused by the row
    row = await _row(sessions, message_id)
    assert (row.content, row.stream_seq) == ("newer", 9)
    with checkpoints.tracking(message_id, current := _answer("current", seq=0, epoch=2)):
        current.seq = 12
        assert await checkpoints.save() == 1
    row = await _row(sessions, message_id)
    assert (row.content, row.stream_seq) == ("current", 12)
