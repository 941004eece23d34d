"""Asking a generation to stop, from the API. Idempotent: asking again, or after the end, changes nothing."""

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Message, MessageStatus, utcnow
from app.services import messages
from app.streaming.events import EventKind, done_data
from app.streaming.store import EventStore

# The terminal event of an answer stopped before it began is its first and only event.
_FIRST_EVENT = 1


async def request_stop(session: AsyncSession, store: EventStore, task_id: str) -> MessageStatus:
    """Stop the answer; returns its status now (``streaming`` means the worker is stopping it)."""
    message = await messages.find_by_task(session, task_id)
    if message.status.is_terminal:
        return message.status

    # Not started yet: stop it here. The conditional update loses cleanly to a worker claiming it meanwhile.
    stopped = await session.exec(
        update(Message)
        .where(col(Message.task_id) == task_id, col(Message.status) == MessageStatus.PENDING)
        .values(status=MessageStatus.CANCELLED, stream_seq=_FIRST_EVENT, updated_at=utcnow())
        .returning(col(Message.id))
    )
    if stopped.scalar_one_or_none() is not None:
        await session.commit()
        await store.append(task_id, _FIRST_EVENT, EventKind.DONE, done_data(MessageStatus.CANCELLED.value))
        return MessageStatus.CANCELLED
    await session.rollback()

    # Streaming: the worker running it stops at once (broadcast), or at its next event (flag).
    await store.request_cancel(task_id)
    return MessageStatus.STREAMING
