"""Rows made straight in PostgreSQL, for tests of services that run in the test process."""

import uuid

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Conversation, Message, MessageRole, MessageStatus, User


async def add_conversation(session: AsyncSession, title: str | None = None) -> Conversation:
    """A conversation of a new guest, flushed (so that messages can refer to it) but not committed."""
    owner = User()
    session.add(owner)
    await session.flush()
    conversation = Conversation(user_id=owner.id, title=title)
    session.add(conversation)
    await session.flush()
    return conversation


async def add_pending_answer(sessions: async_sessionmaker[AsyncSession], question: str) -> tuple[uuid.UUID, str]:
    """A question and its pending answer, which no worker is told of, in a new guest's conversation; committed.
    Returns the guest's id and the answer's task id."""
    task_id = str(uuid.uuid4())
    async with sessions() as session:
        conversation = await add_conversation(session)
        asked = Message(
            conversation_id=conversation.id, role=MessageRole.USER, status=MessageStatus.COMPLETED, content=question
        )
        session.add(asked)
        await session.flush()  # numbered before its answer
        answer = Message(
            conversation_id=conversation.id,
            parent_id=asked.id,
            role=MessageRole.ASSISTANT,
            status=MessageStatus.PENDING,
            task_id=task_id,
        )
        session.add(answer)
        conversation.current_message_id = answer.id
        await session.commit()
    return conversation.user_id, task_id
