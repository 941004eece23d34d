"""An answer's row in PostgreSQL under its lease, and how an answer ends: saved, then announced, then let go.

Every write here is fenced by the lease's epoch (``message.lease_epoch``): taking an answer raises the row's
epoch to the taker's, and a save applies only under that epoch. So a worker that lost the answer (frozen past
its lease, then woken after a takeover) changes nothing, and a late save can never overwrite a newer one.

The order at the end matters: the final message is committed to PostgreSQL before the terminal event is
appended, so a client that sees the end of the stream and reloads the conversation finds the answer.
"""

import logging
import uuid
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.db import with_retries
from app.lease.store import LeaseStore, TakenLease
from app.models import Conversation, Message, MessageStatus, utcnow
from app.streaming.answer_stream import REDIS_UNAVAILABLE, AnswerStream, LeaseLostError
from app.streaming.store import EventStore

logger = logging.getLogger(__name__)

_IN_PROGRESS = (MessageStatus.PENDING, MessageStatus.STREAMING)

# Whether the answer's conversation still needs a title, read in the claim's own statement.
_UNTITLED = (
    select(col(Conversation.title).is_(None))
    .where(col(Conversation.id) == col(Message.conversation_id))
    .scalar_subquery()
    .label("untitled")
)


@dataclass(frozen=True)
class Claim:
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    # The message's place in its conversation: the history it answers comes before it.
    seq: int
    untitled: bool
    # The last checkpoint: what PostgreSQL has of the answer so far, as of event ``stream_seq``.
    content: str
    reasoning: str
    stream_seq: int


@dataclass(frozen=True)
class Outcome:
    status: MessageStatus
    error: str | None = None


async def claim(sessions: async_sessionmaker[AsyncSession], taken: TakenLease, **values: Any) -> Claim | None:
    """Make the row the taker's: streaming, under its epoch (with ``values`` set too). None when the answer is not
    in progress any more (ended, or deleted), or a newer epoch already has it."""
    async with sessions() as session:
        claimed = await session.exec(
            update(Message)
            .where(
                col(Message.task_id) == taken.task_id,
                col(Message.status).in_(_IN_PROGRESS),
                col(Message.lease_epoch) < taken.lease.epoch,
            )
            .values(status=MessageStatus.STREAMING, lease_epoch=taken.lease.epoch, updated_at=utcnow(), **values)
            .returning(
                col(Message.id),
                col(Message.conversation_id),
                col(Message.seq),
                _UNTITLED,
                col(Message.content),
                col(Message.reasoning),
                col(Message.stream_seq),
            )
            .execution_options(synchronize_session=False)
        )
        row = claimed.one_or_none()
        await session.commit()
    if row is None:
        return None
    message_id, conversation_id, seq, untitled, content, reasoning, stream_seq = row
    return Claim(message_id, conversation_id, seq, bool(untitled), content, reasoning, stream_seq)


async def rebuild(store: EventStore, taken: TakenLease, claimed: Claim, outage_seconds: float) -> AnswerStream:
    """The answer as far as it got before this take: from its events in Redis, or, when Redis lost them, from the
    last checkpoint (the next append then rebuilds the stream with a snapshot)."""
    answer = AnswerStream(store, taken.lease, outage_seconds)
    if taken.last_seq > 0:
        content, reasoning = await store.assemble(taken.task_id)
        answer.resume_from(taken.last_seq, content, reasoning)
    elif claimed.stream_seq > 0:
        answer.resume_from(claimed.stream_seq, claimed.content, claimed.reasoning)
    return answer


async def conclude(
    sessions: async_sessionmaker[AsyncSession],
    leases: LeaseStore,
    answer: AnswerStream,
    message_id: uuid.UUID,
    outcome: Outcome,
    db_outage_seconds: float,
) -> bool:
    """Save the answer, then append its terminal event, then let the lease go. False when it could not be
    concluded here: the lease was lost, or a backing service stayed away past its bound (then the lease is
    handed back or left to expire, and whoever takes it next concludes the answer)."""
    lease = answer.lease
    terminal_seq = answer.seq + 1
    try:
        saved = await with_retries(
            lambda: _save_final(sessions, answer, message_id, outcome, terminal_seq),
            db_outage_seconds,
            f"final save of answer {answer.task_id}",
        )
    except Exception as error:
        logger.error("answer %s: final save failed (%r); handing it back", answer.task_id, error)
        await _hand_back(leases, answer)
        return False
    if not saved:
        logger.warning("answer %s: a newer holder has it; not concluding here", answer.task_id)
        return False
    try:
        if outcome.status is MessageStatus.FAILED:
            await answer.fail(outcome.error or "the answer failed")
        else:
            await answer.finish(outcome.status.value)
    except LeaseLostError:
        return False
    except REDIS_UNAVAILABLE as error:
        # Saved, not announced: the lease runs out, and its taker finds the answer ended and announces it.
        logger.error(
            "answer %s: saved, but Redis stayed unavailable for its terminal event (%r)", answer.task_id, error
        )
        return False
    if answer.seq != terminal_seq:
        # The terminal event moved (Redis had lost the stream, so a snapshot went first): keep the row exact.
        await _record_terminal_seq(sessions, message_id, answer.seq)
    try:
        await leases.finish(lease)
    except REDIS_UNAVAILABLE as error:
        logger.warning("answer %s: ended, lease not released (%r); its taker will find it ended", answer.task_id, error)
    return True


async def announce_ended(
    sessions: async_sessionmaker[AsyncSession], store: EventStore, leases: LeaseStore, taken: TakenLease
) -> MessageStatus | None:
    """For a taken answer that PostgreSQL has as ended (its holder died between saving and announcing, or could
    not reach Redis): append the terminal event if the stream lacks it, and let the lease go. None if the answer
    no longer exists."""
    async with sessions() as session:
        message = (await session.exec(select(Message).where(Message.task_id == taken.task_id))).first()
    if message is not None and message.status.is_terminal and taken.last_seq > 0:
        # (With no stream left in Redis, viewers are served the ended answer from PostgreSQL.)
        last = await store.last_event(taken.task_id)
        if last is not None and not last.is_terminal:
            answer = AnswerStream(store, taken.lease, outage_seconds=0)
            answer.resume_from(taken.last_seq, message.content, message.reasoning)
            try:
                if message.status is MessageStatus.FAILED:
                    await answer.fail(message.error or "the answer failed")
                else:
                    await answer.finish(message.status.value)
            except LeaseLostError:
                return message.status
    await leases.finish(taken.lease)
    return None if message is None else message.status


async def _save_final(
    sessions: async_sessionmaker[AsyncSession],
    answer: AnswerStream,
    message_id: uuid.UUID,
    outcome: Outcome,
    terminal_seq: int,
) -> bool:
    async with sessions() as session:
        saved = await session.exec(
            update(Message)
            .where(
                col(Message.id) == message_id,
                col(Message.lease_epoch) == answer.lease.epoch,
                col(Message.status).in_(_IN_PROGRESS),
            )
            .values(
                status=outcome.status,
                content=answer.content,
                reasoning=answer.reasoning,
                error=outcome.error,
                stream_seq=terminal_seq,
                updated_at=utcnow(),
            )
            .returning(col(Message.id))
            .execution_options(synchronize_session=False)
        )
        found = saved.one_or_none() is not None
        await session.commit()
    return found


async def _record_terminal_seq(sessions: async_sessionmaker[AsyncSession], message_id: uuid.UUID, seq: int) -> None:
    async with sessions() as session:
        await session.exec(
            update(Message)
            .where(col(Message.id) == message_id)
            .values(stream_seq=seq)
            .execution_options(synchronize_session=False)
        )
        await session.commit()


async def _hand_back(leases: LeaseStore, answer: AnswerStream) -> None:
    with suppress(*REDIS_UNAVAILABLE):  # then it expires by itself
        await leases.hand_over(answer.lease)
