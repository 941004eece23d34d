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
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.db import with_retries
from app.lease.store import LeaseStore, TakenLease
from app.models import Conversation, Message, MessageStatus, utcnow
from app.services import usage
from app.services.usage import AnswerUsage
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
# Whose the answer is, read in the same statement: its cost is theirs.
_OWNER = (
    select(col(Conversation.user_id))
    .where(col(Conversation.id) == col(Message.conversation_id))
    .scalar_subquery()
    .label("owner")
)
_MESSAGE_TABLE: sa.Table = Message.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Claim:
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    # The conversation's owner, whose usage the answer is.
    user_id: uuid.UUID
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
                _OWNER,
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
    message_id, conversation_id, user_id, seq, untitled, content, reasoning, stream_seq = row
    return Claim(message_id, conversation_id, user_id, seq, bool(untitled), content, reasoning, stream_seq)


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


class _Saved(Enum):
    SAVED = "saved"
    # A newer holder has the answer, or it has ended: this worker lost it and changes nothing.
    FENCED = "fenced"
    # Its conversation was deleted while it was being generated.
    DELETED = "deleted"


async def conclude(
    sessions: async_sessionmaker[AsyncSession],
    leases: LeaseStore,
    answer: AnswerStream,
    claimed: Claim,
    outcome: Outcome,
    cost: AnswerUsage,
    db_outage_seconds: float,
) -> bool:
    """Save the answer, with its ``cost`` added to its owner's usage in the same statement, then append its
    terminal event, then let the lease go. False when it could not be concluded here: the lease was lost, or a
    backing service stayed away past its bound (then the lease is handed back or left to expire, and whoever takes
    it next concludes the answer), or its conversation is gone (its cost is recorded all the same)."""
    lease = answer.lease
    terminal_seq = answer.seq + 1
    try:
        saved = await with_retries(
            lambda: _save_final(sessions, answer, claimed, outcome, cost, terminal_seq),
            db_outage_seconds,
            f"final save of answer {answer.task_id}",
        )
    except Exception as error:
        logger.error("answer %s: final save failed (%r); handing it back", answer.task_id, error)
        await _hand_back(leases, answer)
        return False
    if saved is _Saved.FENCED:
        logger.warning("answer %s: a newer holder has it; not concluding here", answer.task_id)
        return False
    try:
        await _announce(answer, outcome)
    except LeaseLostError:
        return False
    except REDIS_UNAVAILABLE as error:
        # Saved, not announced: the lease runs out, and its taker finds the answer ended and announces it.
        logger.error(
            "answer %s: saved, but Redis stayed unavailable for its terminal event (%r)", answer.task_id, error
        )
        return False
    if saved is _Saved.DELETED:
        # Nothing to save, but the tokens were spent, and deleting a conversation must not make its answers free:
        # recorded now that the fenced append proved this worker the holder, so once.
        try:
            await with_retries(
                lambda: usage.record(sessions, claimed.user_id, cost),
                db_outage_seconds,
                f"usage of deleted answer {answer.task_id}",
            )
        except Exception as error:
            logger.error("answer %s: conversation deleted; its usage could not be recorded (%r)", answer.task_id, error)
    elif answer.seq != terminal_seq:
        # The terminal event moved (Redis had lost the stream, so a snapshot went first): keep the row exact.
        await _record_terminal_seq(sessions, claimed.message_id, answer.seq)
    try:
        await leases.finish(lease)
    except REDIS_UNAVAILABLE as error:
        logger.warning("answer %s: ended, lease not released (%r); its taker will find it ended", answer.task_id, error)
    return saved is _Saved.SAVED


async def _announce(answer: AnswerStream, outcome: Outcome) -> None:
    if outcome.status is MessageStatus.FAILED:
        await answer.fail(outcome.error or "the answer failed")
    else:
        await answer.finish(outcome.status.value)


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
    claimed: Claim,
    outcome: Outcome,
    cost: AnswerUsage,
    terminal_seq: int,
) -> _Saved:
    """One statement: the row saved under the lease's epoch and, only if it was, the cost added to today's usage."""
    message = _MESSAGE_TABLE.c
    saved = (
        sa.update(_MESSAGE_TABLE)
        .where(
            message.id == claimed.message_id,
            message.lease_epoch == answer.lease.epoch,
            message.status.in_([status.value for status in _IN_PROGRESS]),
        )
        .values(
            status=outcome.status.value,
            content=answer.content,
            reasoning=answer.reasoning,
            error=outcome.error,
            stream_seq=terminal_seq,
            input_tokens=cost.input_tokens,
            output_tokens=cost.output_tokens,
            usage_estimated=cost.estimated,
            updated_at=utcnow(),
        )
        .returning(message.id)
        .cte("saved")
    )
    async with sessions() as session:
        recorded = (await session.exec(usage.record_statement(claimed.user_id, cost, saved))).first()
        # The rare path: why nothing was saved.
        exists = (
            recorded is not None
            or (await session.exec(select(col(Message.id)).where(col(Message.id) == claimed.message_id))).first()
            is not None
        )
        await session.commit()
    if recorded is not None:
        return _Saved.SAVED
    return _Saved.FENCED if exists else _Saved.DELETED


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
