"""Usage accounting: the model tokens each answer cost, summed per user and UTC day, and the daily quota.

An answer's tokens are the model's own usage report (the Responses API's ``response.completed``, the last chunk of a
Chat Completions stream asked for ``include_usage``). With no report (the answer was stopped, failed, or its
worker was lost) they are estimated with the history budget's tokenizer (app/llm/tokens.py, tiktoken's
cl100k_base), so that stopping an answer early is not free: the text produced so far is output, and the prompt is
input once the model produced anything or was asked and then stopped (a request the model refused costs nothing).
An answer restarted after a takeover is also charged, by estimate, for the run the restart discarded. Estimated
answers are marked (``message.usage_estimated``).

Recorded once per answer, in the statement that saves it as ended (app/services/answers.py), so a worker that lost
the answer's lease records nothing. The sums are per user and day, not per conversation: deleting a conversation
takes its messages (and their per-message numbers) but not what they cost.
"""

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.llm.deltas import ChatTurn, ModelUsage
from app.llm.tokens import count_tokens, message_tokens
from app.models import UsageDay

USAGE_TABLE: sa.Table = UsageDay.__table__  # type: ignore[attr-defined]
# The day usage is filed under and quotas count: today in UTC, by the database's clock.
TODAY = sa.cast(sa.func.timezone("UTC", sa.func.now()), sa.Date)


@dataclass(frozen=True, slots=True)
class AnswerUsage:
    input_tokens: int
    output_tokens: int
    # Counted here rather than reported by the model, for all or part of it.
    estimated: bool = False

    def __add__(self, other: "AnswerUsage") -> "AnswerUsage":
        return AnswerUsage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.estimated or other.estimated,
        )


NO_USAGE = AnswerUsage(0, 0)


def reported(usage: ModelUsage) -> AnswerUsage:
    return AnswerUsage(usage.input_tokens, usage.output_tokens)


def prompt_tokens(turns: Sequence[ChatTurn]) -> int:
    return sum(message_tokens(turn.content) for turn in turns)


def estimate(content: str, reasoning: str, prompt: Sequence[ChatTurn]) -> AnswerUsage:
    """The cost of an answer the model gave no usage report for: ``content`` and ``reasoning`` as output, ``prompt``
    as input (pass none when the model never had it)."""
    output = (count_tokens(content) if content else 0) + (count_tokens(reasoning) if reasoning else 0)
    return AnswerUsage(prompt_tokens(prompt), output, estimated=True)


def prompt_was_used(content: str, reasoning: str, *, stopped_after_asking: bool) -> bool:
    """Whether an answer without a usage report is charged its prompt: the model produced something, or was asked
    and then stopped (a request the model refused, or never received, costs nothing)."""
    return bool(content or reasoning) or stopped_after_asking


def record_statement(user_id: uuid.UUID, usage: AnswerUsage, saved: sa.CTE | None = None) -> sa.Insert:
    """Adds one answer's tokens to the user's row for today; with ``saved`` (a CTE of the answer's final save), only
    if that saved a row, in the same statement, so that the two commit together or not at all. Returns the user id
    when it recorded."""
    values = sa.select(
        sa.literal(user_id, sa.Uuid()),
        TODAY,
        sa.literal(usage.input_tokens, sa.BigInteger()),
        sa.literal(usage.output_tokens, sa.BigInteger()),
        sa.literal(1, sa.Integer()),
    )
    if saved is not None:
        values = values.select_from(saved)
    insert = pg_insert(USAGE_TABLE).from_select(["user_id", "day", "input_tokens", "output_tokens", "answers"], values)
    row = USAGE_TABLE.c
    return insert.on_conflict_do_update(
        index_elements=[row.user_id, row.day],
        set_={
            "input_tokens": row.input_tokens + insert.excluded.input_tokens,
            "output_tokens": row.output_tokens + insert.excluded.output_tokens,
            "answers": row.answers + insert.excluded.answers,
        },
    ).returning(row.user_id)


async def record(sessions: async_sessionmaker[AsyncSession], user_id: uuid.UUID, usage: AnswerUsage) -> None:
    async with sessions() as session:
        await session.exec(record_statement(user_id, usage))
        await session.commit()


def spent_today(owner_id: Any) -> sa.ScalarSelect[Any]:
    """Input plus output tokens the user spent today (UTC), 0 when none: one primary-key read."""
    row = USAGE_TABLE.c
    return (
        sa.select(sa.func.coalesce(sa.func.sum(row.input_tokens + row.output_tokens), 0))
        .where(row.user_id == owner_id, row.day == TODAY)
        .scalar_subquery()
    )


async def tokens_today(session: AsyncSession, user_id: uuid.UUID) -> int:
    spent: int = await session.scalar(sa.select(spent_today(user_id))) or 0
    return spent


async def recent_days(session: AsyncSession, user_id: uuid.UUID, days: int) -> list[UsageDay]:
    """The user's days with answers among the last ``days`` (today included), newest first."""
    rows = await session.exec(
        select(UsageDay)
        .where(col(UsageDay.user_id) == user_id, col(UsageDay.day) > TODAY - days)
        .order_by(col(UsageDay.day).desc())
    )
    return list(rows.all())


def seconds_until_utc_midnight(now: datetime | None = None) -> int:
    """When today's quota starts afresh, in whole seconds, at least 1."""
    now = now or datetime.now(UTC)
    midnight = datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), time(), UTC)
    return max(1, math.ceil((midnight - now).total_seconds()))


def wait_text(seconds: int) -> str:
    """A wait as people say it: "12 s", "4 min", "5 h 12 min"."""
    if seconds < 120:
        return f"{seconds} s"
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"
