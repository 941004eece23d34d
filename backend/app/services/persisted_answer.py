"""A finished answer read back from PostgreSQL as stream events, for when Redis no longer has them
(expired after STREAM_TTL_SECONDS, or lost).

Individual deltas are not kept, so the text comes back as one snapshot event (the whole answer, replacing
whatever the viewer had) just before the terminal event, under the ids the live stream would have used.
"""

import uuid

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import MessageStatus
from app.services import messages
from app.streaming.events import EventKind, StreamEvent, done_data, error_data, snapshot_data


async def persisted_answer(
    sessions: async_sessionmaker[AsyncSession], user_id: uuid.UUID, task_id: str
) -> list[StreamEvent] | None:
    """The answer's closing events, or None while it is still being generated."""
    async with sessions() as session:
        message = await messages.find_by_task(session, user_id, task_id)
    if not message.status.is_terminal:
        return None
    terminal_seq = message.terminal_seq
    if message.status is MessageStatus.FAILED:
        terminal = StreamEvent(terminal_seq, EventKind.ERROR, error_data(message.error or "the answer failed"))
    else:
        terminal = StreamEvent(terminal_seq, EventKind.DONE, done_data(message.status.value))
    if terminal_seq == 1 or not (message.content or message.reasoning):
        return [terminal]
    snapshot = StreamEvent(terminal_seq - 1, EventKind.SNAPSHOT, snapshot_data(message.content, message.reasoning))
    return [snapshot, terminal]
