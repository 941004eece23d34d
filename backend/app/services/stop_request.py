"""Stopping an answer, from the API. Idempotent: asking again, or after the end, changes nothing.

The lease (app/lease) says who acts. A worker holding the answer stops it at once (broadcast) or at its next
event (the flag). An answer nobody holds — not started yet, or its worker is gone — is ended here, at once:
this process takes its lease, saves the text Redis holds as `cancelled`, and appends the terminal event.
"""

import logging
import uuid

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import Settings
from app.lease.keeper import process_owner
from app.lease.store import LeaseStore, StopTarget
from app.llm.deltas import ChatTurn
from app.models import MessageStatus
from app.services import answers, history, messages, usage
from app.services.answers import Claim, Outcome
from app.streaming.store import EventStore

logger = logging.getLogger(__name__)

# A worker may take the lease between our look and our take; then the stop is the worker's to honour.
_ATTEMPTS = 3
# A stop request waits this long at most for PostgreSQL; past it, the answer goes back to the workers, stop
# flag set, and the first to take it ends it.
_DB_OUTAGE_SECONDS = 5.0


async def request_stop(
    sessions: async_sessionmaker[AsyncSession],
    store: EventStore,
    leases: LeaseStore,
    settings: Settings,
    user_id: uuid.UUID,
    task_id: str,
) -> MessageStatus:
    """Stop the answer; returns its status now (``streaming`` means the worker holding it is stopping it)."""
    async with sessions() as session:
        message = await messages.find_by_task(session, user_id, task_id)
    if message.status.is_terminal:
        return message.status
    for _ in range(_ATTEMPTS):
        target = await leases.request_stop(task_id)
        if target is StopTarget.HOLDER:
            return MessageStatus.STREAMING
        if target is StopTarget.ALREADY_ENDED:
            break
        taken = await leases.take(task_id, f"api:{process_owner()}")
        if taken is None:
            continue  # a worker took it meanwhile: ask again, and it will be the holder's to stop
        # Flagged on the lease we now hold, so that if this request cannot finish, whoever takes it next stops it.
        await leases.request_stop(task_id)
        claimed = await answers.claim(sessions, taken, settings.openai_model)
        if claimed is None:
            status = await answers.announce_ended(sessions, store, leases, taken)
            return status or MessageStatus.CANCELLED
        answer = await answers.rebuild(store, taken, claimed, settings.redis_outage_seconds)
        logger.info("answer %s: stopped with no worker holding it (at event %d)", task_id, answer.seq)
        # Nobody reported what it cost: estimated from the text Redis holds (and the prompt, if that text exists).
        prompt = await _prompt(sessions, settings, claimed) if answer.content or answer.reasoning else []
        cost = usage.estimate(answer.content, answer.reasoning, prompt)
        await answers.conclude(
            sessions, leases, answer, claimed, Outcome(MessageStatus.CANCELLED), cost, _DB_OUTAGE_SECONDS
        )
        return MessageStatus.CANCELLED
    async with sessions() as session:
        return (await messages.find_by_task(session, user_id, task_id)).status


async def _prompt(sessions: async_sessionmaker[AsyncSession], settings: Settings, claimed: Claim) -> list[ChatTurn]:
    """The prompt the answer was generated from, for its usage estimate; none if it cannot be read now."""
    try:
        async with sessions() as session:
            return await history.turns_for(session, claimed, settings)
    except Exception as error:
        logger.warning("answer of message %s: usage estimated without its prompt (%r)", claimed.message_id, error)
        return []
