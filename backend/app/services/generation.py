"""One assistant answer under its lease: start it (a queued task) or take it over (its worker was lost), stream
the model into Redis, then conclude it (app/services/answers.py: saved, announced, let go).

A taken-over answer continues where it was when the model allows it (Responses API background mode: the same
upstream response, read on after the last event appended), and otherwise restarts after a ``snapshot`` event
that tells viewers so. While the answer streams, the process's Checkpointer saves it every few seconds.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass, field

import httpx2
import openai
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core import logs, metrics
from app.core.config import Settings
from app.core.db import with_retries
from app.lease.keeper import HeldLease, Interruption, LeaseKeeper
from app.lease.store import LeaseStore, TakenLease
from app.llm.deltas import ChatTurn, ModelBatch, ModelUsage, UpstreamCursor
from app.llm.faults import ModelStreamError
from app.llm.model import ChatModel
from app.models import MessageStatus
from app.services import answers, history, usage
from app.services.answers import Claim, Outcome
from app.services.checkpoints import Checkpointer
from app.services.usage import NO_USAGE, AnswerUsage
from app.streaming.answer_stream import REDIS_UNAVAILABLE, AnswerStream, LeaseLostError
from app.streaming.store import EventStore

logger = logging.getLogger(__name__)


# Bound once, and so exported at zero from the start: a rate over a series that appears late misses its first rise.
_ANSWERS_ENDED = {status: metrics.ANSWERS.labels(status.value) for status in MessageStatus if status.is_terminal}

# Asks for a title for the conversation, in the background.
RequestTitle = Callable[[uuid.UUID], Awaitable[None]]


@dataclass(frozen=True)
class _Left:
    """The answer left this worker unfinished: the lease was lost, or handed over to another worker."""

    handed_over: bool


@dataclass
class _Run:
    """What this worker's run of an answer cost, as far as it knows (app/services/usage.py)."""

    # The prompt sent to the model, once read.
    turns: list[ChatTurn] | None = None
    # The model was asked (a request sent, or a background response reattached to).
    asked: bool = False
    # The model's usage report, if one came.
    reported: ModelUsage | None = None
    # The estimated cost of the earlier run this one restarted (its worker was lost, and its usage with it).
    discarded: AnswerUsage = field(default=NO_USAGE)
    # When this worker took the answer (time.monotonic), for its time to first token; None once that is measured,
    # or when it is not to be (a takeover).
    started: float | None = None


class GenerationService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        store: EventStore,
        leases: LeaseStore,
        keeper: LeaseKeeper,
        model: ChatModel,
        checkpoints: Checkpointer,
        settings: Settings,
        request_title: RequestTitle,
    ) -> None:
        self._sessions = sessions
        self._store = store
        self._leases = leases
        self._keeper = keeper
        self._model = model
        self._checkpoints = checkpoints
        self._settings = settings
        self._request_title = request_title

    async def take(self, task_id: str) -> None:
        """Take the answer's lease if nobody holds it, and carry the answer to its end (or to the next worker):
        for a queued task, and for an answer whose lease expired. A duplicate delivery, or a task whose answer
        another worker holds or has ended, does nothing."""
        # Every line about the answer carries its task id, those of the tasks it starts included.
        with logs.bound(task_id=task_id):
            await self._take(task_id)

    async def _take(self, task_id: str) -> None:
        started = time.monotonic()
        taken = await self._leases.take(task_id, self._keeper.owner)
        if taken is None:
            logger.info("answer %s skipped: another worker holds it, or it has ended", task_id)
            return
        if taken.takeovers:
            logger.warning("answer %s: taking it over (takeover %d)", task_id, taken.takeovers)
        with self._keeper.holding(taken.lease) as held:
            await self._carry(taken, held, _Run(started=None if taken.takeovers else started))

    async def _carry(self, taken: TakenLease, held: HeldLease, run: _Run) -> None:
        claimed = await self._claim(taken)
        if claimed is None:
            return
        logger.info("answer %s started (model %s)", taken.task_id, self._model.label)
        answer = await answers.rebuild(self._store, taken, claimed, self._settings.redis_outage_seconds)
        if taken.stop_requested:
            outcome: Outcome | _Left = Outcome(MessageStatus.CANCELLED)
        elif taken.takeovers > self._settings.max_takeovers:
            outcome = Outcome(
                MessageStatus.FAILED,
                f"the answer was interrupted {taken.takeovers} times by server faults; please retry",
            )
        else:
            with self._checkpoints.tracking(claimed.message_id, answer), metrics.ANSWERS_STREAMING.track_inprogress():
                outcome = await self._stream(answer, claimed, taken, held, run)
        if isinstance(outcome, _Left):
            if outcome.handed_over:
                await self._leases.hand_over(taken.lease)
            return
        if outcome.status is not MessageStatus.COMPLETED and taken.response_id is not None and answer.upstream is None:
            # Ended before reading on: a background response a lost worker started goes on upstream until told.
            await self._model.cancel_upstream(taken.response_id)
        cost = await self._cost(claimed, answer, outcome, run)
        concluded = await answers.conclude(
            self._sessions, self._leases, answer, claimed, outcome, cost, self._settings.db_outage_seconds
        )
        if concluded:
            _ANSWERS_ENDED[outcome.status].inc()
            logger.info("answer %s ended %s", taken.task_id, outcome.status.value)
        if concluded and claimed.untitled and outcome.status is MessageStatus.COMPLETED:
            await self._request_title(claimed.conversation_id)

    async def _claim(self, taken: TakenLease) -> Claim | None:
        """The answer's row, made this lease's; None when there is nothing left to generate (the lease is then let
        go, after announcing an end the previous holder saved but could not announce)."""
        try:
            claimed = await with_retries(
                lambda: answers.claim(self._sessions, taken, self._model.label, simulated=self._settings.simulated),
                self._settings.db_outage_seconds,
                f"start of answer {taken.task_id}",
            )
        except Exception as error:
            logger.error("answer %s: could not start (%r); handing it back", taken.task_id, error)
            await self._leases.hand_over(taken.lease)
            return None
        if claimed is None:
            await answers.announce_ended(self._sessions, self._store, self._leases, taken)
        return claimed

    async def _stream(
        self, answer: AnswerStream, claimed: Claim, taken: TakenLease, held: HeldLease, run: _Run
    ) -> Outcome | _Left:
        resume = None
        if self._settings.openai_background and taken.response_id is not None and taken.upstream_seq is not None:
            resume = UpstreamCursor(taken.response_id, taken.upstream_seq)
        try:
            # Inside the try: whatever fails here, Redis and PostgreSQL included, ends the answer, never leaves it.
            discarded = None
            if answer.seq > 0 and resume is None:
                discarded = answer.content, answer.reasoning
                await answer.restart()
            if resume is None:
                run.turns = await self._turns(claimed)
            if discarded is not None:
                run.discarded = usage.estimate(*discarded, run.turns or [])
            run.asked = True
            async with (
                asyncio.timeout(self._settings.max_answer_seconds),
                aclosing(self._model.stream(run.turns or [], resume=resume, model=claimed.model)) as batches,
            ):
                while (batch := await _next_batch(batches, held)) is not None:
                    if batch.usage is not None:
                        run.reported = batch.usage
                    await _append_batch(answer, batch)
                    if run.started is not None and batch.deltas:
                        metrics.TIME_TO_FIRST_TOKEN.observe(time.monotonic() - run.started)
                        run.started = None
                    if answer.stop_requested:
                        held.interrupt(Interruption.STOP)
                    if held.interruption is not None:
                        # Leaving the block closes the upstream request.
                        return await self._interrupted(answer, held)
        except asyncio.CancelledError:
            if held.interruption is None:
                raise  # the worker itself is being torn down
            held.task.uncancel()
            return await self._interrupted(answer, held)
        except LeaseLostError:
            logger.warning("answer %s: taken over by another worker; stopping here", answer.task_id)
            return _Left(handed_over=False)
        except Exception as error:
            reason = _describe(error, self._settings)
            logger.warning("answer %s failed: %s", answer.task_id, reason, exc_info=not _is_expected(error))
            return Outcome(MessageStatus.FAILED, reason)
        return Outcome(MessageStatus.COMPLETED)

    async def _interrupted(self, answer: AnswerStream, held: HeldLease) -> Outcome | _Left:
        if held.interruption is Interruption.STOP:
            if answer.upstream is not None:
                # A background response goes on upstream until told otherwise (best effort).
                await self._model.cancel_upstream(answer.upstream[0])
            return Outcome(MessageStatus.CANCELLED)
        return _Left(handed_over=held.interruption is Interruption.HANDOVER)

    async def _cost(self, claimed: Claim, answer: AnswerStream, outcome: Outcome, run: _Run) -> AnswerUsage:
        """What the answer cost: the model's report, else an estimate (and any run a restart discarded)."""
        if run.reported is not None:
            return usage.reported(run.reported) + run.discarded

        stopped_after_asking = run.asked and outcome.status is MessageStatus.CANCELLED
        prompt: list[ChatTurn] = []
        if usage.prompt_was_used(answer.content, answer.reasoning, stopped_after_asking=stopped_after_asking):
            prompt = run.turns if run.turns is not None else await self._prompt_for_estimate(claimed)
        return usage.estimate(answer.content, answer.reasoning, prompt) + run.discarded

    async def _prompt_for_estimate(self, claimed: Claim) -> list[ChatTurn]:
        """The prompt, read again for an estimate (this run did not send it: it reattached, or never streamed)."""
        try:
            return await self._turns(claimed)
        except Exception as error:
            # The output is still charged; the answer must end whatever becomes of this read.
            logger.warning("answer of message %s: usage estimated without its prompt (%r)", claimed.message_id, error)
            return []

    async def _turns(self, claimed: Claim) -> list[ChatTurn]:
        async def read() -> list[ChatTurn]:
            async with self._sessions() as session:
                return await history.turns_for(session, claimed, self._settings)

        return await with_retries(read, self._settings.db_outage_seconds, "history read")


async def _append_batch(answer: AnswerStream, batch: ModelBatch) -> None:
    # The upstream position goes with the batch's last delta only: a taker continuing from it must not skip
    # deltas of this batch that were not appended yet.
    last = len(batch.deltas) - 1
    for index, delta in enumerate(batch.deltas):
        upstream = (batch.cursor.response_id, batch.cursor.sequence_number) if index == last and batch.cursor else None
        await answer.add(delta.kind, delta.text, upstream)


async def _next_batch(batches: AsyncGenerator[ModelBatch], held: HeldLease) -> ModelBatch | None:
    with held.interruptible_wait():
        return await anext(batches, None)


def _is_expected(error: Exception) -> bool:
    return isinstance(error, (openai.APIError, ModelStreamError, httpx2.HTTPError, TimeoutError, *REDIS_UNAVAILABLE))


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
    if isinstance(error, REDIS_UNAVAILABLE):
        return f"the event store was unreachable for over {settings.redis_outage_seconds:g} s"
    return "the answer failed because of an internal error"
