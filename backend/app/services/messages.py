"""Sending a message: the user's turn and the assistant's placeholder, then the generation is queued."""

import uuid
from collections.abc import Awaitable, Callable

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Conversation, Message, MessageRole, MessageStatus, utcnow
from app.services.errors import ConflictError, NotFoundError, UnavailableError

# Queues the generation of an assistant message under the given task id.
Enqueue = Callable[[uuid.UUID, str], Awaitable[None]]

_IN_PROGRESS = (MessageStatus.PENDING, MessageStatus.STREAMING)


async def send(
    session: AsyncSession, conversation_id: uuid.UUID, content: str, enqueue: Enqueue
) -> tuple[Message, Message]:
    """Store the user's message and a pending assistant message, then queue the answer.

    One answer at a time per conversation: the conversation row is locked while checking, so two
    concurrent sends cannot both start one, and the history each answer sees is well defined.
    """
    locked = select(Conversation).where(Conversation.id == conversation_id).with_for_update()
    conversation = (await session.exec(locked)).first()
    if conversation is None:
        raise NotFoundError(f"conversation {conversation_id} not found")
    busy = await session.exec(
        select(Message.task_id).where(Message.conversation_id == conversation_id, col(Message.status).in_(_IN_PROGRESS))
    )
    if (running := busy.first()) is not None:
        raise ConflictError(f"an answer is still being generated in this conversation (task {running})")

    task_id = str(uuid.uuid4())
    user_message = Message(
        conversation_id=conversation_id, role=MessageRole.USER, content=content, status=MessageStatus.COMPLETED
    )
    assistant_message = Message(
        conversation_id=conversation_id, role=MessageRole.ASSISTANT, status=MessageStatus.PENDING, task_id=task_id
    )
    conversation.updated_at = utcnow()
    session.add_all([user_message, assistant_message])
    await session.commit()

    try:
        await enqueue(assistant_message.id, task_id)
    except Exception as error:
        # Queued nothing: say so on the message rather than leave it pending forever.
        assistant_message.status = MessageStatus.FAILED
        assistant_message.error = "the answer could not be queued; please retry"
        assistant_message.updated_at = utcnow()
        await session.commit()
        raise UnavailableError("the task queue is unavailable; your message was saved, please retry") from error
    return user_message, assistant_message


async def find_by_task(session: AsyncSession, task_id: str) -> Message:
    message = (await session.exec(select(Message).where(Message.task_id == task_id))).first()
    if message is None:
        raise NotFoundError(f"task {task_id} not found")
    return message
