"""A finished answer read back from PostgreSQL as the events it was streamed as, for when Redis no
longer has them (expired after STREAM_TTL_SECONDS)."""

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import MessageStatus
from app.services import messages
from app.streaming.events import (
    EventKind,
    StreamEvent,
    content_data,
    done_data,
    error_data,
    reasoning_data,
)


async def persisted_answer(sessions: async_sessionmaker[AsyncSession], task_id: str) -> list[StreamEvent] | None:
    async with sessions() as session:
        message = await messages.find_by_task(session, task_id)
    if not message.status.is_terminal:
        return None
    events: list[tuple[EventKind, bytes]] = []
    if message.reasoning:
        events.append((EventKind.REASONING, reasoning_data(message.reasoning)))
    if message.content:
        events.append((EventKind.CONTENT, content_data(message.content)))
    if message.status is MessageStatus.FAILED:
        events.append((EventKind.ERROR, error_data(message.error or "the answer failed")))
    else:
        events.append((EventKind.DONE, done_data(message.status.value)))
    return [StreamEvent(seq, kind, data) for seq, (kind, data) in enumerate(events, start=1)]
