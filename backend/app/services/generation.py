"""One assistant answer, start to finish: stream the model into Redis, then persist, then announce the end.

The order at the end matters: the final message is committed to PostgreSQL before the terminal event is
published, so a client that sees the end of the stream and reloads the conversation finds the answer.
While the answer streams, the process's Checkpointer saves it to PostgreSQL every few seconds.
"""

import asyncio
import logging
import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass

import httpx2
import openai
from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import Settings
from app.llm.deltas import ChatTurn, ModelBatch
from app.llm.model import ChatModel, ModelStreamError
from app.models import Conversation, Message, MessageStatus, utcnow
from app.services import history
from app.services.cancellation import CancellationRegistry, RunningGeneration
from app.services.checkpoints import Checkpointer
from app.streaming.answer_stream import AnswerStream
from app.streaming.store import EventStore

logger = logging.getLogger(__name__)


# Asks for a title for the conversation, in the background.
RequestTitle = Callable[[uuid.UUID], Awaitable[None]]


@dataclass(frozen=True)
class _Claim:
    task_id: str
    conversation_id: uuid.UUID
    untitled: bool
    turns: list[ChatTurn]


@dataclass(frozen=True)
class _Outcome:
    status: MessageStatus
    error: str | None = None


# Whether the answer's conversation still needs a title, read in the claim's own statement.
_UNTITLED = (
    select(col(Conversation.title).is_(None))
    .where(col(Conversation.id) == col(Message.conversation_id))
    .scalar_subquery()
    .label("untitled")
)


class GenerationService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        store: EventStore,
        model: ChatModel,
        cancellations: CancellationRegistry,
        checkpoints: Checkpointer,
        settings: Settings,
        request_title: RequestTitle,
    ) -> None:
        self._sessions = sessions
        self._store = store
        self._model = model
        self._cancellations = cancellations
        self._checkpoints = checkpoints
        self._settings = settings
        self._request_title = request_title

    async def generate(self, message_id: uuid.UUID) -> None:
        claim = await self._claim(message_id)
        if claim is None:
            # Deleted, cancelled before it started, or a duplicate delivery of a task already taken.
            logger.info("generation of message %s skipped: no longer pending", message_id)
            return
        answer = AnswerStream(self._store, claim.task_id)
        with self._cancellations.watch(claim.task_id) as running, self._checkpoints.tracking(message_id, answer):
            outcome = await self._stream(answer, claim.turns, running)
        recorded_terminal_seq = await self._persist_final(message_id, answer, outcome)
        if outcome.status is MessageStatus.FAILED:
            await answer.fail(outcome.error or "the answer failed")
        else:
            await answer.finish(outcome.status.value)
        if answer.seq != recorded_terminal_seq:
            await self._record_terminal_seq(message_id, answer.seq)
        if claim.untitled and outcome.status is MessageStatus.COMPLETED:
            await self._request_title(claim.conversation_id)

    async def _claim(self, message_id: uuid.UUID) -> _Claim | None:
        """Move the message from pending to streaming, atomically, and read the history it answers.

        Two statements, each atomic on its own (the history before this message does not change under it):
        every answer pays this once, so its round trips count at scale.
        """
        async with self._sessions() as session:
            claimed = await session.exec(
                update(Message)
                .where(col(Message.id) == message_id, col(Message.status) == MessageStatus.PENDING)
                .values(
                    status=MessageStatus.STREAMING,
                    model=self._model.label,
                    simulated=self._settings.simulated,
                    updated_at=utcnow(),
                )
                .returning(col(Message.task_id), col(Message.conversation_id), col(Message.seq), _UNTITLED)
                .execution_options(synchronize_session=False)
            )
            row = claimed.one_or_none()
            if row is None:
                return None
            task_id, conversation_id, seq, untitled = row
            turns = await history.turns_before(
                session, conversation_id, seq, self._settings.system_prompt, self._settings.history_token_budget
            )
            await session.commit()
            return _Claim(task_id, conversation_id, untitled, turns)

    async def _stream(self, answer: AnswerStream, turns: list[ChatTurn], running: RunningGeneration) -> _Outcome:
        try:
            # Inside the try: whatever fails here, Redis included, ends the answer as failed, never left streaming.
            if await self._store.cancel_requested(answer.task_id):
                return _Outcome(MessageStatus.CANCELLED)
            async with (
                asyncio.timeout(self._settings.max_answer_seconds),
                aclosing(self._model.stream(turns)) as batches,
            ):
                while (batch := await _next_batch(batches, running)) is not None:
                    for delta in batch.deltas:
                        await answer.add(delta.kind, delta.text)
                    if answer.cancel_requested or running.requested:
                        # Leaving the block closes the upstream request.
                        return _Outcome(MessageStatus.CANCELLED)
        except asyncio.CancelledError:
            if not running.requested:
                raise  # the worker is shutting down, not a user's stop
            running.task.uncancel()
            return _Outcome(MessageStatus.CANCELLED)
        except Exception as error:
            reason = _describe(error, self._settings)
            logger.warning("generation %s failed: %s", answer.task_id, reason, exc_info=not _is_expected(error))
            return _Outcome(MessageStatus.FAILED, reason)
        return _Outcome(MessageStatus.COMPLETED)

    async def _persist_final(self, message_id: uuid.UUID, answer: AnswerStream, outcome: _Outcome) -> int:
        """Save the finished answer; returns the id its terminal event is about to get, recorded with it."""
        stream_seq = answer.seq + 1
        async with self._sessions() as session:
            await session.exec(
                update(Message)
                .where(col(Message.id) == message_id)
                .values(
                    status=outcome.status,
                    content=answer.content,
                    reasoning=answer.reasoning,
                    error=outcome.error,
                    stream_seq=stream_seq,
                    updated_at=utcnow(),
                )
                .execution_options(synchronize_session=False)
            )
            await session.commit()
        return stream_seq

    async def _record_terminal_seq(self, message_id: uuid.UUID, seq: int) -> None:
        """The terminal event moved (Redis had lost the stream, so a snapshot went first): keep the row exact."""
        async with self._sessions() as session:
            await session.exec(
                update(Message)
                .where(col(Message.id) == message_id)
                .values(stream_seq=seq)
                .execution_options(synchronize_session=False)
            )
            await session.commit()


async def _next_batch(batches: AsyncGenerator[ModelBatch], running: RunningGeneration) -> ModelBatch | None:
    running.interruptible = True
    try:
        return await anext(batches, None)
    finally:
        running.interruptible = False


def _is_expected(error: Exception) -> bool:
    return isinstance(error, openai.APIError | ModelStreamError | httpx2.HTTPError | TimeoutError)


def _describe(error: Exception, settings: Settings) -> str:
    """A message fit for the user: the model's own words when it gave any, never a stack trace."""
    if isinstance(error, openai.APIStatusError):
        return f"the model service answered {error.status_code}: {error.message}"
    if isinstance(error, openai.APITimeoutError | httpx2.TimeoutException):
        return f"the model service stopped responding (nothing for {settings.upstream_stall_seconds:g} s)"
    if isinstance(error, openai.APIConnectionError | httpx2.ConnectError):
        return "could not reach the model service"
    if isinstance(error, httpx2.HTTPError):
        return "the connection to the model service broke off mid-answer"
    if isinstance(error, TimeoutError):
        return f"the answer took longer than the {settings.max_answer_seconds:g} s allowed"
    if isinstance(error, openai.APIError | ModelStreamError):
        return f"the model failed: {error}"
    return "the answer failed because of an internal error"
