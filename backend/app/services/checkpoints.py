"""Answers in progress, saved to PostgreSQL every CHECKPOINT_SECONDS: all of a worker process's answers at once.

A checkpoint bounds what losing Redis can cost. Saving each answer on its own cost a transaction per answer
per interval, which at a thousand concurrent answers was the worker's largest CPU cost and most of
PostgreSQL's (`make bench --profile worker`); one UPDATE over an unnest of every answer that moved costs a
round trip per interval, whatever the number of answers.

Checkpoints are best effort: a failure is logged and the answers stream on. They apply only while the
message is still `streaming` and under the lease that wrote it, so a checkpoint that lands late can never
overwrite an answer's final save, nor one written by the worker that took the answer over.
"""

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import MessageStatus, utcnow
from app.streaming.answer_stream import AnswerStream

logger = logging.getLogger(__name__)

# Rows per statement: bounds one statement's size when many long answers move at once.
_ROWS_PER_STATEMENT = 200

_SAVE = sa.text(
    """
    UPDATE message
    SET content = saved.content, reasoning = saved.reasoning, stream_seq = saved.stream_seq, updated_at = :now
    FROM unnest(CAST(:ids AS uuid[]), CAST(:contents AS text[]), CAST(:reasonings AS text[]),
                CAST(:seqs AS integer[]), CAST(:epochs AS bigint[])) AS saved(id, content, reasoning, stream_seq, epoch)
    WHERE message.id = saved.id AND message.status = :streaming AND message.lease_epoch = saved.epoch
    """
)


@dataclass
class _Tracked:
    answer: AnswerStream
    # The event id the last successful checkpoint reflected; an answer that has not moved is skipped.
    saved_seq: int


class Checkpointer:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], interval_seconds: float) -> None:
        self._sessions = sessions
        self._interval = interval_seconds
        self._tracked: dict[uuid.UUID, _Tracked] = {}
        self._task: asyncio.Task[None] | None = None

    @contextlib.contextmanager
    def tracking(self, message_id: uuid.UUID, answer: AnswerStream) -> Iterator[None]:
        """Checkpoint ``answer`` while the block runs; the caller saves the final state after it."""
        self._tracked[message_id] = _Tracked(answer, answer.seq)
        try:
            yield
        finally:
            del self._tracked[message_id]

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="checkpointer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def save(self) -> int:
        """Save every tracked answer that moved since its last checkpoint; returns how many were saved."""
        moved = [(message_id, t) for message_id, t in self._tracked.items() if t.answer.seq != t.saved_seq]
        if not moved:
            return 0
        # Taken now, in one go on the loop: each row's text and event id agree.
        rows = [
            (message_id, t.answer.content, t.answer.reasoning, t.answer.seq, t.answer.lease.epoch)
            for message_id, t in moved
        ]
        try:
            async with self._sessions() as session:
                connection = await session.connection()
                for start in range(0, len(rows), _ROWS_PER_STATEMENT):
                    await connection.execute(_SAVE, _parameters(rows[start : start + _ROWS_PER_STATEMENT]))
                await session.commit()
        except Exception as error:
            logger.warning("checkpoint of %d answers skipped: %r", len(rows), error)
            return 0
        for (_, tracked), (_, _, _, seq, _) in zip(moved, rows, strict=True):
            tracked.saved_seq = seq
        return len(rows)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await self.save()


def _parameters(rows: list[tuple[uuid.UUID, str, str, int, int]]) -> dict[str, Any]:
    ids, contents, reasonings, seqs, epochs = zip(*rows, strict=True)
    return {
        "ids": list(ids),
        "contents": list(contents),
        "reasonings": list(reasonings),
        "seqs": list(seqs),
        "epochs": list(epochs),
        "now": utcnow(),
        "streaming": MessageStatus.STREAMING.value,
    }
