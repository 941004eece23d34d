"""The writer process of the transport benchmark: every answer's chunks, on schedule, to one transport.

It plays the Celery workers: one asyncio task per answer appends chunk 1, 2, 3, … every `chunk_interval`
seconds. Answers start staggered across one interval, as independent generations would, instead of all
writing in the same instant.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from multiprocessing.connection import Connection
from typing import Protocol

from app.core.config import Settings
from app.core.redis_client import create_redis
from app.lease.store import Lease
from app.streaming.events import EventKind
from app.streaming.store import AppendResult, EventStore
from benchmarks.transport_postgres import INSERT_CHUNK, INSERT_CHUNK_AND_NOTIFY, ChunkPool, create_pool
from benchmarks.transport_protocol import (
    ERRORS_KEPT,
    SETUP_TIMEOUT_SECONDS,
    WRITER_CONNECTION_NAME,
    RunPlan,
    Transport,
    WriterResult,
    chunk,
    now_us,
    take_part,
)


class ChunkSink(Protocol):
    async def write(self, answer_id: str, seq: int, kind: EventKind, data: bytes) -> None: ...


class _RedisSink:
    """The worker's real append: one Lua script doing XADD, EXPIRE and PUBLISH per chunk, the scripts of
    concurrent appends sent together in one pipeline."""

    def __init__(self, store: EventStore) -> None:
        self._store = store

    async def write(self, answer_id: str, seq: int, kind: EventKind, data: bytes) -> None:
        result = await self._store.append(Lease(answer_id, 1), seq, kind, data)
        if result is not AppendResult.APPENDED:
            raise RuntimeError(f"append of {answer_id}/{seq} answered {result.name}")


class _PostgresSink:
    def __init__(self, pool: ChunkPool, statement: str) -> None:
        self._pool = pool
        self._statement = statement

    async def write(self, answer_id: str, seq: int, kind: EventKind, data: bytes) -> None:
        await self._pool.execute(self._statement, answer_id, seq, data, now_us())


@asynccontextmanager
async def _open_sink(plan: RunPlan) -> AsyncIterator[ChunkSink]:
    if plan.transport is Transport.REDIS:
        settings = Settings(redis_url=plan.redis_url, redis_pool_size=plan.pool_size)
        redis = create_redis(settings, WRITER_CONNECTION_NAME)
        store = EventStore(redis, settings.stream_ttl_seconds)
        try:
            yield _RedisSink(store)
        finally:
            await store.close()
            await redis.aclose()
        return
    statement = INSERT_CHUNK_AND_NOTIFY if plan.transport is Transport.POSTGRES_NOTIFY else INSERT_CHUNK
    pool = await create_pool(plan.postgres_url, WRITER_CONNECTION_NAME, plan.pool_size)
    try:
        yield _PostgresSink(pool, statement)
    finally:
        await pool.close()


class _Schedule:
    """Writes every answer on its own fixed-rate clock, and notes how late each write began."""

    def __init__(self, plan: RunPlan, sink: ChunkSink) -> None:
        self._plan = plan
        self._sink = sink
        self.written = dict.fromkeys(plan.answer_ids, 0)
        self.lateness_ms: list[float] = []
        self.errors: list[str] = []

    async def run(self) -> WriterResult:
        loop = asyncio.get_running_loop()
        began = loop.time()
        hard_stop = began + self._plan.writer_hard_stop_seconds
        stagger = self._plan.chunk_interval / self._plan.answers
        await asyncio.gather(
            *(
                self._write_answer(answer_id, began + index * stagger, hard_stop)
                for index, answer_id in enumerate(self._plan.answer_ids)
            )
        )
        return WriterResult(self.written, self.lateness_ms, self.errors)

    async def _write_answer(self, answer_id: str, first_due: float, hard_stop: float) -> None:
        loop = asyncio.get_running_loop()
        last_seq = self._plan.chunks_per_answer
        for seq in range(1, last_seq + 1):
            due = first_due + (seq - 1) * self._plan.chunk_interval
            if (delay := due - loop.time()) > 0:
                await asyncio.sleep(delay)
            started = loop.time()
            if started > hard_stop:
                return
            self.lateness_ms.append((started - due) * 1000)
            kind, data = chunk(seq, last_seq)
            try:
                await self._sink.write(answer_id, seq, kind, data)
            except Exception as error:  # reported with the results; this answer stops here
                if len(self.errors) < ERRORS_KEPT:
                    self.errors.append(f"{answer_id}/{seq}: {error!r}")
                return
            self.written[answer_id] = seq


async def _write(plan: RunPlan, connection: Connection) -> None:
    async with _open_sink(plan) as sink:
        await take_part(connection, _Schedule(plan, sink).run, plan.reader_timeout_seconds + SETUP_TIMEOUT_SECONDS)


def run_writer(plan: RunPlan, connection: Connection) -> None:
    """Entry point of the writer process."""
    asyncio.run(_write(plan, connection))
