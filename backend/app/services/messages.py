"""Sending a message: the user's turn and the assistant's placeholder, then the generation is queued."""

import functools
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, NoReturn

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.dml import ReturningInsert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core import logs
from app.models import (
    ONE_ANSWER_IN_PROGRESS,
    Conversation,
    Message,
    MessageRole,
    MessageStatus,
    SendMessageAccepted,
    terminal_seq,
    utcnow,
)
from app.services import usage
from app.services.errors import (
    NO_SUCH_ANSWER,
    NO_SUCH_CONVERSATION,
    NO_SUCH_PARENT,
    NO_SUCH_TASK,
    ConflictError,
    NotFoundError,
    RateLimitedError,
)

logger = logging.getLogger(__name__)

# How long a client told it has too many answers in progress is asked to wait before sending again.
ANSWERS_AT_ONCE_RETRY_SECONDS = 5


@dataclass(frozen=True)
class Owner:
    """Who sends, how many answers they may have in progress at once, and how many model tokens (input plus output)
    their answers may cost per UTC day (None: no quota)."""

    user_id: uuid.UUID
    max_answers: int
    daily_token_quota: int | None = None


# Queues the generation of an assistant message under the given task id.
Enqueue = Callable[[uuid.UUID, str], Awaitable[None]]

_IN_PROGRESS = (MessageStatus.PENDING, MessageStatus.STREAMING)
# The assistant's placeholder is stamped just after the user's turn, so the two never tie.
_TURN_GAP = timedelta(microseconds=1)
# Core tables, not the ORM entities: with the ORM's, execute() would read the parameters as rows to bulk insert.
_MESSAGE_TABLE: sa.Table = Message.__table__  # type: ignore[attr-defined]
_CONVERSATION_TABLE: sa.Table = Conversation.__table__  # type: ignore[attr-defined]


class _Follow(Enum):
    CURRENT = "current"


# A sent message with no parent named follows the end of the conversation's current branch.
FOLLOW_CURRENT = _Follow.CURRENT
Parent = uuid.UUID | None | _Follow


async def send(
    session: AsyncSession,
    owner: Owner,
    conversation_id: uuid.UUID,
    content: str,
    enqueue: Enqueue,
    *,
    parent_id: Parent = FOLLOW_CURRENT,
) -> SendMessageAccepted:
    """Store the user's message and a pending assistant message after ``parent_id`` (an answer in the conversation,
    None for a new first turn, or the end of the current branch), make them the end of the branch shown, then queue
    the answer.

    One statement, so one round trip (every answer pays it): it touches the conversation and inserts both
    turns, or nothing if the conversation is not the owner's, the parent is no answer of it, or the owner already
    has ``owner.max_answers`` answers in progress. One answer at a time per conversation is the database's to
    enforce: a unique index over each conversation's pending or streaming message makes the losers of concurrent
    sends fail, whichever way their statements interleave. The per-owner count is read in the statement's snapshot,
    so sends racing each other in different conversations can overshoot it by the number of racers.

    With a daily token quota the same statement also reads the owner's usage for today (one primary-key read) and
    inserts nothing once it is spent; without one, the statement is the one without that read. Usage is recorded as
    answers end, so the answers in progress when the quota is reached may overshoot it by what they cost.
    """
    accepted = _accepted(uuid.uuid4())
    parameters = _parameters(owner, conversation_id, accepted, utcnow())
    parameters.update(_question_parameters(content, accepted, parameters["now"]))
    if parent_id is FOLLOW_CURRENT:
        kind = _Turns.AFTER_CURRENT
    else:
        kind, parameters["question_parent_id"] = _Turns.AFTER_GIVEN, parent_id
    return await _insert_and_queue(session, owner, kind, parameters, accepted, enqueue)


async def start(
    session: AsyncSession, owner: Owner, conversation: Conversation, content: str, enqueue: Enqueue
) -> SendMessageAccepted:
    """Store ``conversation`` (new, not yet in the database) with ``content`` as its first message and the pending
    answer, then queue the answer. One statement, as a send: it inserts the conversation and both turns, or nothing
    when a limit (answers in progress, the daily token quota) refuses the message, so a refused first message leaves
    no empty conversation behind. ``conversation`` comes back pointing at its answer, as stored."""
    accepted = _accepted(uuid.uuid4())
    conversation.current_message_id = accepted.assistant_message_id
    parameters = _parameters(owner, conversation.id, accepted, conversation.updated_at)
    parameters.update(_question_parameters(content, accepted, conversation.updated_at))
    parameters.update(
        title=conversation.title,
        model=conversation.model,
        instructions=conversation.instructions,
        conversation_created_at=conversation.created_at,
    )
    return await _insert_and_queue(session, owner, _Turns.FIRST, parameters, accepted, enqueue)


async def regenerate(
    session: AsyncSession, owner: Owner, answer_id: uuid.UUID, enqueue: Enqueue
) -> SendMessageAccepted:
    """A new answer to the question ``answer_id`` answered, beside it as another version, and made the end of the
    branch shown: the question is not repeated. The same limits as a send apply, in the same one statement."""
    answered = (
        await session.exec(
            select(col(Message.conversation_id), col(Message.parent_id))
            .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
            .where(
                col(Message.id) == answer_id,
                col(Message.role) == MessageRole.ASSISTANT,
                col(Conversation.user_id) == owner.user_id,
            )
        )
    ).first()
    conversation_id, question_id = answered or (None, None)
    if conversation_id is None or question_id is None:
        raise NotFoundError(NO_SUCH_ANSWER)
    accepted = _accepted(question_id)
    parameters = _parameters(owner, conversation_id, accepted, utcnow())
    return await _insert_and_queue(session, owner, _Turns.ANSWER_ONLY, parameters, accepted, enqueue)


def _accepted(question_id: uuid.UUID) -> SendMessageAccepted:
    return SendMessageAccepted(task_id=str(uuid.uuid4()), message_id=question_id, assistant_message_id=uuid.uuid4())


async def _insert_and_queue(
    session: AsyncSession,
    owner: Owner,
    kind: "_Turns",
    parameters: dict[str, Any],
    accepted: SendMessageAccepted,
    enqueue: Enqueue,
) -> SendMessageAccepted:
    conversation_id = parameters["conversation_id"]
    within_quota = owner.daily_token_quota is not None
    if within_quota:
        parameters["daily_token_quota"] = owner.daily_token_quota
    try:
        inserted = (await session.execute(_statement(kind, within_quota=within_quota), parameters)).all()
    except IntegrityError as error:
        if ONE_ANSWER_IN_PROGRESS not in str(error.orig):
            raise
        await session.rollback()
        # It may have finished since the insert failed; then the client can simply send again.
        detail = await _busy_detail(session, conversation_id)
        raise ConflictError(detail or "an answer was being generated in this conversation; send again") from error
    if not inserted:
        if kind is _Turns.FIRST:
            await _over_limit(session, owner)
        await _refusal(session, owner, conversation_id, parameters.get("question_parent_id"))
    await session.commit()

    # The rest of the request concerns this answer.
    logs.bind(task_id=accepted.task_id)
    try:
        await enqueue(accepted.assistant_message_id, accepted.task_id)
    except Exception as error:
        # Accepted all the same: the message and its pending answer are saved, and that is the record a worker's
        # sweep (app/lease/sweeper.py) queues again once the broker is back. Failing here would leave the user a
        # saved question with no answer, or a failed one to retry by hand.
        logger.warning("answer %s saved but not queued (%r); the sweep will queue it", accepted.task_id, error)
    else:
        logger.info("answer %s queued", accepted.task_id)
    return accepted


class _Turns(Enum):
    """What one insert writes: a question after the end of the current branch, or after a given answer (or as a
    first turn), each with its pending answer; or an answer alone, to a question already there (a regenerate); or a
    new conversation with its first question and answer."""

    AFTER_CURRENT = "after current"
    AFTER_GIVEN = "after given"
    ANSWER_ONLY = "answer only"
    FIRST = "first"


@functools.cache
def _statement(kind: _Turns, *, within_quota: bool) -> ReturningInsert[tuple[uuid.UUID]]:
    """Built once per kind: its parameters are bound per call, so SQLAlchemy compiles it once and caches it."""
    conversation = _CONVERSATION_TABLE.c
    message = _MESSAGE_TABLE.c
    owner_id = sa.bindparam("owner_id", type_=sa.Uuid())
    conversation_id = sa.bindparam("conversation_id", type_=sa.Uuid())
    # Over an alias: the conversation table itself is the UPDATE's target, which the subquery must not correlate to.
    owned = _CONVERSATION_TABLE.alias("owned")
    owners_answers_in_progress = (
        sa.select(sa.func.count())
        .select_from(_MESSAGE_TABLE.join(owned, owned.c.id == message.conversation_id))
        .where(owned.c.user_id == owner_id, message.status.in_([s.value for s in _IN_PROGRESS]))
        .scalar_subquery()
    )
    limits = [owners_answers_in_progress < sa.bindparam("max_answers", type_=sa.Integer())]
    if within_quota:
        limits.append(usage.spent_today(owner_id) < sa.bindparam("daily_token_quota", type_=sa.BigInteger()))
    allowed = [conversation.id == conversation_id, conversation.user_id == owner_id, *limits]
    question_parent: sa.ColumnElement[Any] = sa.bindparam("question_parent_id", type_=sa.Uuid())
    if kind is _Turns.AFTER_GIVEN:
        # A message follows an answer of the same conversation, or nothing (a new first turn).
        allowed.append(
            sa.or_(
                question_parent.is_(None),
                sa.exists().where(
                    message.id == question_parent,
                    message.conversation_id == conversation_id,
                    message.role == MessageRole.ASSISTANT.value,
                ),
            )
        )
    elif kind is _Turns.AFTER_CURRENT:
        # Read in the statement's snapshot: the branch's end before this statement moves it.
        before = _CONVERSATION_TABLE.alias("before")
        question_parent = sa.select(before.c.current_message_id).where(before.c.id == conversation_id).scalar_subquery()
    now = sa.bindparam("now", type_=sa.DateTime(timezone=True))
    answer_id = sa.bindparam("answer_id", type_=sa.Uuid())
    touched: sa.CTE
    if kind is _Turns.FIRST:
        # The conversation is inserted, not updated; only the limits can refuse it. Its first question follows
        # nothing (question_parent_id is None).
        fields: dict[str, sa.ColumnElement[Any]] = {
            "id": conversation_id,
            "user_id": owner_id,
            "title": sa.bindparam("title", type_=sa.Text()),
            "model": sa.bindparam("model", type_=sa.String()),
            "instructions": sa.bindparam("instructions", type_=sa.Text()),
            "current_message_id": answer_id,
            "created_at": sa.bindparam("conversation_created_at", type_=sa.DateTime(timezone=True)),
            "updated_at": now,
        }
        touched = (
            sa.insert(_CONVERSATION_TABLE)
            .from_select(list(fields), sa.select(*fields.values()).where(*limits), include_defaults=False)
            .returning(conversation.id)
            .cte("touched")
        )
    else:
        touched = (
            sa.update(_CONVERSATION_TABLE)
            .where(*allowed)
            .values(updated_at=now, current_message_id=answer_id)
            .returning(conversation.id)
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

    def turn(name: str, parent: sa.ColumnElement[Any]) -> sa.Select[Any]:
        values: list[sa.BindParameter[Any]] = [
            sa.bindparam(f"{name}_{column}", type_=type_) for column, type_ in columns.items()
        ]
        return sa.select(*values, parent, touched.c.id, sa.literal(""), sa.literal(0), values[-1]).select_from(touched)

    answer = turn("answer", sa.bindparam("answer_parent_id", type_=sa.Uuid()))
    # In this order: the identity column numbers the user's turn before the assistant's.
    rows = answer if kind is _Turns.ANSWER_ONLY else sa.union_all(turn("question", question_parent), answer)
    return (
        sa.insert(_MESSAGE_TABLE)
        # Columns left out (the lease epoch) take their server defaults.
        .from_select(
            [*columns, "parent_id", "conversation_id", "reasoning", "stream_seq", "updated_at"],
            rows,
            include_defaults=False,
        )
        .returning(message.id)
    )


def _parameters(
    owner: Owner, conversation_id: uuid.UUID, accepted: SendMessageAccepted, now: datetime
) -> dict[str, Any]:
    """The answer's (and the limits') parameters; its question is ``accepted.message_id``."""
    return {
        "owner_id": owner.user_id,
        "max_answers": owner.max_answers,
        "conversation_id": conversation_id,
        "now": now,
        "answer_id": accepted.assistant_message_id,
        "answer_role": MessageRole.ASSISTANT.value,
        "answer_content": "",
        "answer_status": MessageStatus.PENDING.value,
        "answer_task_id": accepted.task_id,
        "answer_created_at": now + _TURN_GAP,
        "answer_parent_id": accepted.message_id,
    }


def _question_parameters(content: str, accepted: SendMessageAccepted, now: datetime) -> dict[str, Any]:
    return {
        "question_id": accepted.message_id,
        "question_role": MessageRole.USER.value,
        "question_content": content,
        "question_status": MessageStatus.COMPLETED.value,
        "question_task_id": None,
        "question_created_at": now,
        "question_parent_id": None,
    }


async def _refusal(
    session: AsyncSession, owner: Owner, conversation_id: uuid.UUID, parent_id: uuid.UUID | None
) -> NoReturn:
    """Why a send inserted nothing, found out after the fact (the rare path): not the owner's conversation, a parent
    that is no answer of it, its daily token quota spent, or too many answers in progress."""
    mine = await session.exec(
        select(Conversation.id).where(Conversation.id == conversation_id, Conversation.user_id == owner.user_id)
    )
    if mine.first() is None:
        raise NotFoundError(NO_SUCH_CONVERSATION)
    if parent_id is not None:
        parent = await session.exec(
            select(Message.id).where(
                Message.id == parent_id,
                Message.conversation_id == conversation_id,
                Message.role == MessageRole.ASSISTANT,
            )
        )
        if parent.first() is None:
            raise NotFoundError(NO_SUCH_PARENT)
    detail = await _busy_detail(session, conversation_id)
    if detail is not None:
        raise ConflictError(detail)
    await _over_limit(session, owner)


async def _over_limit(session: AsyncSession, owner: Owner) -> NoReturn:
    """Which of the owner's limits refused a send: its daily token quota spent, or too many answers in progress."""
    quota = owner.daily_token_quota
    if quota is not None and (spent := await usage.tokens_today(session, owner.user_id)) >= quota:
        retry_after = usage.seconds_until_utc_midnight()
        raise RateLimitedError(
            f"daily token quota reached: {spent:,} of {quota:,} tokens used today (UTC); "
            f"try again in {usage.wait_text(retry_after)}, after midnight UTC",
            retry_after=retry_after,
        )
    raise RateLimitedError(
        f"you already have {owner.max_answers} answer(s) being generated; wait for one to finish or stop it",
        retry_after=ANSWERS_AT_ONCE_RETRY_SECONDS,
    )


async def _busy_detail(session: AsyncSession, conversation_id: uuid.UUID) -> str | None:
    busy = await session.exec(
        select(Message.task_id).where(Message.conversation_id == conversation_id, col(Message.status).in_(_IN_PROGRESS))
    )
    running = busy.first()
    if running is None:
        return None
    return f"an answer is still being generated in this conversation (task {running})"


@dataclass(frozen=True, slots=True)
class AnswerProgress:
    status: MessageStatus
    # The terminal event's id, once the answer has ended (app.models.terminal_seq).
    terminal_seq: int


# Two columns, not the whole message: read on every stream attach. Built once, its values bound per call.
_PROGRESS = (
    select(Message.status, Message.stream_seq)
    .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
    .where(
        col(Message.task_id) == sa.bindparam("task_id", type_=sa.String()),
        col(Conversation.user_id) == sa.bindparam("user_id", type_=sa.Uuid()),
    )
)


async def answer_progress(session: AsyncSession, user_id: uuid.UUID, task_id: str) -> AnswerProgress:
    """Where the answer of a task stands, if it is in one of the user's conversations (as find_by_task)."""
    row = (await session.exec(_PROGRESS, params={"task_id": task_id, "user_id": user_id})).first()
    if row is None:
        raise NotFoundError(NO_SUCH_TASK)
    status, stream_seq = row
    return AnswerProgress(MessageStatus(status), terminal_seq(stream_seq))


async def find_by_task(session: AsyncSession, user_id: uuid.UUID, task_id: str) -> Message:
    """The answer of a task, if it is in one of the user's conversations: a task id is not a credential."""
    message = (
        await session.exec(
            select(Message)
            .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
            .where(col(Message.task_id) == task_id, col(Conversation.user_id) == user_id)
        )
    ).first()
    if message is None:
        raise NotFoundError(NO_SUCH_TASK)
    return message
