"""Rows made straight in PostgreSQL, for tests of services that run in the test process."""

import uuid

import sqlalchemy as sa
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


# Set-based, so that a thousand rows cost one statement: `per_instant` conversations at a time share an updated_at
# (newest first by n), so that ties are broken by id as they are in real use.
_MANY_CONVERSATIONS = sa.text(
    """
    INSERT INTO conversation (id, user_id, title, created_at, updated_at)
    SELECT gen_random_uuid(), :user_id, :title_prefix || n, now(), now() - (n / :per_instant) * interval '1 ms'
    FROM generate_series(1, :count) AS n
    """
)


async def add_many_conversations(
    sessions: async_sessionmaker[AsyncSession], user_id: uuid.UUID, count: int, title_prefix: str, per_instant: int = 3
) -> None:
    """``count`` conversations of ``user_id`` titled ``title_prefix`` and their number; committed."""
    async with sessions() as session:
        parameters = {"user_id": user_id, "count": count, "title_prefix": title_prefix, "per_instant": per_instant}
        await session.execute(_MANY_CONVERSATIONS, parameters)
        await session.commit()


async def add_message(
    session: AsyncSession,
    conversation_id: uuid.UUID,
    content: str,
    role: MessageRole = MessageRole.USER,
    status: MessageStatus = MessageStatus.COMPLETED,
    parent_id: uuid.UUID | None = None,
) -> Message:
    """A message of ``conversation_id``, flushed but not committed."""
    message = Message(conversation_id=conversation_id, role=role, status=status, content=content, parent_id=parent_id)
    session.add(message)
    await session.flush()
    return message
