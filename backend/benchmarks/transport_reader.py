"""The reader process of the transport benchmark: one viewer per answer, served as an API process would.

Every transport gets the same shape: one push connection for the whole process where the transport has
push (Redis pub/sub through the real StreamHub, or one PostgreSQL connection that LISTENs), fanned out
in-process, plus a pool of at most `pool_size` connections for reads.
"""

import asyncio
import random
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from multiprocessing.connection import Connection
from typing import Any

import asyncpg
from redis.asyncio import Redis

from app.core.config import Settings
from app.core.redis_client import create_redis
from app.main import FEED_CAPACITY
from app.streaming.events import StreamEvent
from app.streaming.hub import StreamHub
from app.streaming.relay import StreamRelay
from app.streaming.store import EventStore
from benchmarks.transport_postgres import SELECT_CHUNKS_AFTER, ChunkPool, create_pool, notify_channel
from benchmarks.transport_protocol import (
    ERRORS_KEPT,
    READER_POOL_CONNECTION_NAME,
    READER_PUSH_CONNECTION_NAME,
    SETUP_TIMEOUT_SECONDS,
    ReaderResult,
    RunPlan,
    Transport,
    ViewerLog,
    take_part,
)

# watch(answer_id, log, attached): sets `attached` once the viewer cannot miss a chunk written from then
# on, then records every chunk of the answer up to its last.
Watch = Callable[[str, ViewerLog, asyncio.Event], Coroutine[Any, Any, None]]


@asynccontextmanager
async def _redis_viewers(plan: RunPlan) -> AsyncIterator[Watch]:
    """The API's own path: StreamRelay over EventStore and a StreamHub on one pub/sub connection."""
    settings = Settings(redis_url=plan.redis_url, redis_pool_size=plan.pool_size)
    redis = create_redis(settings, READER_POOL_CONNECTION_NAME)
    hub_redis = Redis.from_url(plan.redis_url, client_name=READER_PUSH_CONNECTION_NAME)
    hub = StreamHub(hub_redis, FEED_CAPACITY)
    await hub.start()
    store = EventStore(redis, settings.stream_ttl_seconds)
    relay = StreamRelay(store, hub)

    async def watch(answer_id: str, log: ViewerLog, attached: asyncio.Event) -> None:
        async def still_generating() -> list[StreamEvent] | None:
            # The relay asks this only once it is subscribed and found nothing stored: it is live.
            attached.set()
            return None

        async for batch in relay.events_after(answer_id, 0, still_generating):
            for event in batch:
                log.record(event.seq, event.appended_us)

    try:
        yield watch
    finally:
        await hub.stop()
        await store.close()
        await hub_redis.aclose()
        await redis.aclose()


async def _fetch_after(pool: ChunkPool, answer_id: str, cursor: int, log: ViewerLog) -> int:
    """Record the answer's stored chunks after `cursor`; returns the new cursor."""
    for row in await pool.fetch(SELECT_CHUNKS_AFTER, answer_id, cursor):
        cursor = row["seq"]
        log.record(cursor, row["created_at_us"])
    return cursor


@asynccontextmanager
async def _polling_viewers(plan: RunPlan) -> AsyncIterator[Watch]:
    pool = await create_pool(plan.postgres_url, READER_POOL_CONNECTION_NAME, plan.pool_size)

    async def watch(answer_id: str, log: ViewerLog, attached: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        attached.set()
        cursor = 0
        # Viewers arrive at unrelated moments, so their polls spread over the interval instead of coming in step.
        next_poll = loop.time() + random.uniform(0, plan.poll_interval)
        while cursor < plan.chunks_per_answer:
            await asyncio.sleep(max(0.0, next_poll - loop.time()))
            # A poll slower than the interval is followed by the next at once, without a burst to catch up.
            next_poll = max(next_poll + plan.poll_interval, loop.time())
            cursor = await _fetch_after(pool, answer_id, cursor, log)

    try:
        yield watch
    finally:
        await pool.close()


class _Announcements:
    """The highest sequence number notified for one answer, and the wake-up of its viewer."""

    def __init__(self) -> None:
        self.seq = 0
        self._changed = asyncio.Event()

    def announce(self, seq: int) -> None:
        if seq > self.seq:
            self.seq = seq
            self._changed.set()

    async def beyond(self, cursor: int) -> None:
        """Return once a chunk after `cursor` has been announced."""
        while self.seq <= cursor:
            self._changed.clear()
            await self._changed.wait()


@asynccontextmanager
async def _notified_viewers(plan: RunPlan) -> AsyncIterator[Watch]:
    pool = await create_pool(plan.postgres_url, READER_POOL_CONNECTION_NAME, plan.pool_size)
    listener = await asyncpg.connect(
        plan.postgres_url, server_settings={"application_name": READER_PUSH_CONNECTION_NAME}
    )
    announcements = {answer_id: _Announcements() for answer_id in plan.answer_ids}
    by_channel = {notify_channel(answer_id): announced for answer_id, announced in announcements.items()}

    def on_notification(_connection: object, _pid: int, channel: str, payload: object) -> None:
        by_channel[channel].announce(int(str(payload)))

    # One LISTEN per answer on the one listening connection, as the hub SUBSCRIBEs once per channel; a
    # connection runs one command at a time, so they go one after another.
    for channel in by_channel:
        await listener.add_listener(channel, on_notification)

    async def watch(answer_id: str, log: ViewerLog, attached: asyncio.Event) -> None:
        announced = announcements[answer_id]
        attached.set()
        # Already listening: what was committed before is read here, anything later will be announced.
        cursor = await _fetch_after(pool, answer_id, 0, log)
        while cursor < plan.chunks_per_answer:
            await announced.beyond(cursor)
            cursor = await _fetch_after(pool, answer_id, cursor, log)

    try:
        yield watch
    finally:
        await listener.close()
        await pool.close()


_VIEWERS = {
    Transport.REDIS: _redis_viewers,
    Transport.POSTGRES_POLLING: _polling_viewers,
    Transport.POSTGRES_NOTIFY: _notified_viewers,
}


async def _until_done(plan: RunPlan, viewers: list[asyncio.Task[None]], logs: list[ViewerLog]) -> ReaderResult:
    """Wait for every viewer to have its whole answer, or give up on the rest after the reader timeout."""
    done, pending = await asyncio.wait(viewers, timeout=plan.reader_timeout_seconds)
    for task in pending:
        task.cancel()
    failures = [task.exception() for task in done if not task.cancelled()]
    errors = [repr(failure) for failure in failures if failure is not None]
    return ReaderResult(logs, errors[:ERRORS_KEPT])


async def _read(plan: RunPlan, connection: Connection) -> None:
    async with _VIEWERS[plan.transport](plan) as watch:
        logs = [ViewerLog(answer_id) for answer_id in plan.answer_ids]
        attached = [asyncio.Event() for _ in logs]
        viewers = [
            asyncio.create_task(watch(log.answer_id, log, flag)) for log, flag in zip(logs, attached, strict=True)
        ]
        try:
            async with asyncio.timeout(SETUP_TIMEOUT_SECONDS):
                await asyncio.gather(*(flag.wait() for flag in attached))

            async def work() -> ReaderResult:
                return await _until_done(plan, viewers, logs)

            await take_part(connection, work, SETUP_TIMEOUT_SECONDS)
        finally:
            for viewer in viewers:
                viewer.cancel()
            await asyncio.gather(*viewers, return_exceptions=True)


def run_reader(plan: RunPlan, connection: Connection) -> None:
    """Entry point of the reader process."""
    asyncio.run(_read(plan, connection))
