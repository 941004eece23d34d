"""Sending a message: the user's turn and the assistant's placeholder, then the generation is queued."""

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.dml import ReturningInsert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    ONE_ANSWER_IN_PROGRESS,
    Conversation,
    Message,
    MessageRole,
    MessageStatus,
    SendMessageAccepted,
    utcnow,
)
from app.services.errors import ConflictError, NotFoundError

logger = logging.getLogger(__name__)

# Queues the generation of an assistant message under the given task id.
Enqueue = Callable[[uuid.UUID, str], Awaitable[None]]

_IN_PROGRESS = (MessageStatus.PENDING, MessageStatus.STREAMING)
# The assistant's placeholder is stamped just after the user's turn, so the two never tie.
_TURN_GAP = timedelta(microseconds=1)
# Core tables, not the ORM entities: with the ORM's, execute() would read the parameters as rows to bulk insert.
_MESSAGE_TABLE: sa.Table = Message.__table__  # type: ignore[attr-defined]
_CONVERSATION_TABLE: sa.Table = Conversation.__table__  # type: ignore[attr-defined]


async def send(
    session: AsyncSession, conversation_id: uuid.UUID, content: str, enqueue: Enqueue
) -> SendMessageAccepted:
    """Store the user's message and a pending assistant message, then queue the answer.

    One statement, so one round trip (every answer pays it): it touches the conversation and inserts both
    turns, or nothing if the conversation does not exist. One answer at a time per conversation is the
    database's to enforce: a unique index over each conversation's pending or streaming message makes the
    losers of concurrent sends fail, whichever way their statements interleave.
    """
    accepted = SendMessageAccepted(
        task_id=str(uuid.uuid4()), message_id=uuid.uuid4(), assistant_message_id=uuid.uuid4()
    )
    try:
        inserted = (await session.execute(_SEND, _send_parameters(conversation_id, content, accepted, utcnow()))).all()
        await session.commit()
    except IntegrityError as error:
        if ONE_ANSWER_IN_PROGRESS not in str(error.orig):
            raise
        await session.rollback()
        raise ConflictError(await _busy_detail(session, conversation_id)) from error
    if not inserted:
        raise NotFoundError(f"conversation {conversation_id} not found")

    try:
        await enqueue(accepted.assistant_message_id, accepted.task_id)
    except Exception as error:
        # Accepted all the same: the message and its pending answer are saved, and that is the record a worker's
        # sweep (app/lease/sweeper.py) queues again once the broker is back. Failing here would leave the user a
        # saved question with no answer, or a failed one to retry by hand.
        logger.warning("answer %s saved but not queued (%r); the sweep will queue it", accepted.task_id, error)
    return accepted


def _send_statement() -> ReturningInsert[tuple[uuid.UUID]]:
    """Built once: its parameters are bound per call, so SQLAlchemy compiles it once and caches it."""
    touched = (
        sa.update(_CONVERSATION_TABLE)
        .where(_CONVERSATION_TABLE.c.id == sa.bindparam("conversation_id", type_=sa.Uuid()))
        .values(updated_at=sa.bindparam("now", type_=sa.DateTime(timezone=True)))
        .returning(_CONVERSATION_TABLE.c.id)
        .cte("touched")
    )
    columns: dict[str, sa.types.TypeEngine[Any]] = {
        "id": sa.Uuid(),
        "role": sa.String(),
        "content": sa.Text(),
        "status": sa.String(),
        "task_id": sa.String(),
        "created_at": sa.DateTime(timezone=True),
    }

    def turn(name: str) -> sa.Select[Any]:
        values: list[sa.BindParameter[Any]] = [
            sa.bindparam(f"{name}_{column}", type_=type_) for column, type_ in columns.items()
        ]
        return sa.select(*values, touched.c.id, sa.literal(""), sa.literal(0), values[-1]).select_from(touched)

    # In this order: the identity column numbers the user's turn before the assistant's.
    rows = sa.union_all(turn("user"), turn("assistant"))
    return (
        sa.insert(_MESSAGE_TABLE)
        # Columns left out (the lease epoch) take their server defaults.
        .from_select(
            [*columns, "conversation_id", "reasoning", "stream_seq", "updated_at"], rows, include_defaults=False
        )
        .returning(_MESSAGE_TABLE.c.id)
    )


_SEND = _send_statement()


def _send_parameters(
    conversation_id: uuid.UUID, content: str, accepted: SendMessageAccepted, now: datetime
) -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "now": now,
        "user_id": accepted.message_id,
        "user_role": MessageRole.USER.value,
        "user_content": content,
        "user_status": MessageStatus.COMPLETED.value,
        "user_task_id": None,
        "user_created_at": now,
        "assistant_id": accepted.assistant_message_id,
        "assistant_role": MessageRole.ASSISTANT.value,
        "assistant_content": "",
        "assistant_status": MessageStatus.PENDING.value,
        "assistant_task_id": accepted.task_id,
        "assistant_created_at": now + _TURN_GAP,
    }


async def _busy_detail(session: AsyncSession, conversation_id: uuid.UUID) -> str:
    busy = await session.exec(
        select(Message.task_id).where(Message.conversation_id == conversation_id, col(Message.status).in_(_IN_PROGRESS))
    )
    running = busy.first()
    # It may have finished since the insert failed; then the client can simply send again.
    task = f" (task {running})" if running is not None else ""
    return f"an answer is still being generated in this conversation{task}"


async def find_by_task(session: AsyncSession, task_id: str) -> Message:
    message = (await session.exec(select(Message).where(Message.task_id == task_id))).first()
    if message is None:
        raise NotFoundError(f"task {task_id} not found")
    return message
