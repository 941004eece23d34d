"""Answers in progress in PostgreSQL that no lease covers, found and sent back to work: the outbox of sends.

PostgreSQL is the record of what was asked; the queue and the leases in Redis are how it gets done, and either
can lose an answer: a send whose task could not be queued (the broker was down: the API still answers 202), a
task a killed worker had taken from the queue but not started, or every lease of a Redis that came back empty
while the workers holding them were gone too. So one worker process at a time (a lock in Redis) looks, every
SWEEP_SECONDS, for answers pending or streaming that have not moved for SWEEP_STALE_SECONDS:
- a pending one with no lease is queued again (a duplicate delivery is harmless: the lease admits one taker);
- a streaming one with no lease is registered as up for takeover, and the next look for expired leases takes it.
"""

import asyncio
import logging
from contextlib import suppress
from datetime import timedelta

from redis.asyncio import Redis
from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core import redis_keys
from app.lease.store import LeaseStore
from app.models import Message, MessageStatus, utcnow
from app.services.messages import Enqueue

logger = logging.getLogger(__name__)

_ROWS_PER_SWEEP = 500


class Sweeper:
    def __init__(
        self,
        redis: Redis,
        sessions: async_sessionmaker[AsyncSession],
        leases: LeaseStore,
        enqueue: Enqueue,
        *,
        interval_seconds: float,
        # Longer than a task normally waits in the queue at a burst, so the sweep rarely queues an answer twice.
        stale_seconds: float,
    ) -> None:
        self._redis = redis
        self._sessions = sessions
        self._leases = leases
        self._enqueue = enqueue
        self._interval = interval_seconds
        self._stale = timedelta(seconds=stale_seconds)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="sweeper")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def sweep_once(self) -> tuple[int, int]:
        """Queue again the stale pending answers, and offer the stale streaming ones for takeover, that no lease
        covers; returns how many of each."""
        async with self._sessions() as session:
            rows = (
                await session.exec(
                    select(Message.id, Message.task_id, Message.status)
                    .where(
                        col(Message.status).in_((MessageStatus.PENDING, MessageStatus.STREAMING)),
                        col(Message.updated_at) < utcnow() - self._stale,
                    )
                    .order_by(col(Message.updated_at))
                    .limit(_ROWS_PER_SWEEP)
                )
            ).all()
        answers = [(message_id, task_id, status) for message_id, task_id, status in rows if task_id is not None]
        if not answers:
            return 0, 0
        registered = await self._leases.is_registered([task_id for _, task_id, _ in answers])
        uncovered = [answer for answer, covered in zip(answers, registered, strict=True) if not covered]
        pending = [
            (message_id, task_id) for message_id, task_id, status in uncovered if status is MessageStatus.PENDING
        ]
        streaming = [task_id for _, task_id, status in uncovered if status is MessageStatus.STREAMING]
        for message_id, task_id in pending:
            await self._enqueue(message_id, task_id)
        if pending:
            # Touched, so that it is queued again only if it stays unstarted as long again.
            async with self._sessions() as session:
                await session.exec(
                    update(Message)
                    .where(col(Message.id).in_([message_id for message_id, _ in pending]))
                    .values(updated_at=utcnow())
                    .execution_options(synchronize_session=False)
                )
                await session.commit()
        adopted = await self._leases.adopt(streaming)
        if pending or adopted:
            logger.warning(
                "sweep: queued %d unstarted answers again, offered %d orphans for takeover", len(pending), adopted
            )
        return len(pending), adopted

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                # One sweeper per interval across all worker processes.
                if await self._redis.set(redis_keys.SWEEP_LOCK, "1", nx=True, ex=max(int(self._interval), 1)):
                    await self.sweep_once()
            except Exception as error:
                logger.warning("sweep skipped: %r", error)
