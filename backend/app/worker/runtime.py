"""Per-process worker resources, living on one background asyncio loop.

Celery's thread pool gives each running task a thread; the thread hands its coroutine to this loop
and waits. So a worker process runs many generations at once over one Redis pool, one database pool
and one HTTP client, and nothing opens a connection per chunk. Takeovers of other workers' answers run
on the same loop, started by the process's LeaseKeeper rather than by a task.
"""

import asyncio
import contextvars
import threading
from collections.abc import Coroutine
from concurrent.futures import CancelledError, Future
from contextlib import suppress
from typing import Any, TypeVar

import uvloop
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core import redis_keys
from app.core.config import Settings, get_settings
from app.core.db import create_engine, create_session_factory
from app.core.gc_tuning import tune_for_serving
from app.core.redis_client import create_redis
from app.lease.keeper import LeaseKeeper
from app.lease.store import LeaseStore
from app.lease.sweeper import Sweeper
from app.llm.client import create_client
from app.llm.model import ChatModel
from app.services.checkpoints import Checkpointer
from app.services.generation import GenerationService
from app.services.titles import TitleService
from app.streaming.store import EventStore
from app.worker.celery_app import celery_app
from app.worker.dispatch import TaskQueue
from app.worker.metrics_server import MetricsServer

T = TypeVar("T")

# After the grace period, how long handing the unfinished answers over may take.
_HANDOVER_SECONDS = 10.0


class WorkerRuntime:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        # uvloop, as the API runs on: the worker's loop does a socket read per token and a write per batch.
        self._loop = uvloop.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="worker-event-loop", daemon=True)
        self._thread.start()
        self._redis: Redis | None = None
        self._broker: Redis | None = None
        self._engine: AsyncEngine | None = None
        self._keeper: LeaseKeeper | None = None
        self._sweeper: Sweeper | None = None
        self._store: EventStore | None = None
        self._checkpoints: Checkpointer | None = None
        self._model: ChatModel | None = None
        self._shutting_down: Future[None] | None = None
        self._chores: set[asyncio.Future[object]] = set()
        # In an empty context: the process's background tasks started here (the lease keeper and its takeovers, the
        # sweeper, the checkpointer) must not inherit the log context of the Celery task that may have created this.
        self.generation, self.titles = contextvars.Context().run(self.run, self._open())
        self._metrics = MetricsServer(settings)
        tune_for_serving()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the runtime's loop from any thread and wait for its result. The coroutine runs in a copy
        of the calling thread's context variables (call_soon_threadsafe copies them), so the log context bound around
        a Celery task (app/worker/celery_app.py) goes with it."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def run_chore(self, coroutine: Coroutine[Any, Any, object]) -> None:
        """Like run, for work that may be dropped at shutdown (a title): still running at the end of the grace
        period, it is cancelled, so that it cannot hold the worker's exit back."""
        with suppress(CancelledError):
            self.run(self._as_chore(coroutine))

    def begin_shutdown(self) -> None:
        """From any thread, without waiting: take nothing new, finish what ends within the grace period, hand the
        rest to other workers, drop the chores. The tasks return as their work ends, is handed over or dropped."""
        if self._shutting_down is None:
            self._shutting_down = asyncio.run_coroutine_threadsafe(self._shut_down(), self._loop)

    async def _as_chore(self, coroutine: Coroutine[Any, Any, object]) -> None:
        chore = asyncio.ensure_future(coroutine)
        self._chores.add(chore)
        try:
            await chore
        finally:
            self._chores.discard(chore)

    async def _shut_down(self) -> None:
        grace = self._settings.worker_shutdown_grace_seconds
        deadline = self._loop.time() + grace
        if self._keeper is not None:
            await self._keeper.shut_down(grace)
        chores = list(self._chores)
        if chores:
            _, unfinished = await asyncio.wait(chores, timeout=max(deadline - self._loop.time(), 0))
            for chore in unfinished:
                chore.cancel()

    def close(self) -> None:
        if self._shutting_down is not None:
            # Celery waited only for its own tasks; takeovers running on this loop are handed over here too.
            grace = self._settings.worker_shutdown_grace_seconds
            with suppress(TimeoutError, CancelledError):
                self._shutting_down.result(timeout=grace + _HANDOVER_SECONDS)
        self._metrics.stop()
        self.run(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    async def _open(self) -> tuple[GenerationService, TitleService]:
        # Created on the loop they will be used from: asyncpg and redis connections are loop-bound.
        settings = self._settings
        self._redis = create_redis(settings, redis_keys.WORKER_CONNECTION_NAME)
        self._broker = create_redis(settings, redis_keys.TASK_PUBLISHER_CONNECTION_NAME, settings.broker_url)
        self._engine = create_engine(settings)
        model = self._model = ChatModel(create_client(settings), settings)
        store = self._store = EventStore(self._redis, settings.stream_ttl_seconds)
        leases = LeaseStore(self._redis, settings.lease_seconds, settings.stream_ttl_seconds)
        # Each of the worker's database steps is one statement (or two that need no common snapshot).
        sessions = create_session_factory(self._engine, autocommit=True)
        checkpoints = self._checkpoints = Checkpointer(sessions, settings.checkpoint_seconds)
        tasks = TaskQueue(self._broker, celery_app)

        async def take_over(task_id: str) -> None:
            await generation.take(task_id)

        keeper = self._keeper = LeaseKeeper(self._redis, leases, settings.lease_seconds, take_over)
        generation = GenerationService(
            sessions, store, leases, keeper, model, checkpoints, settings, tasks.enqueue_title
        )
        await keeper.start()
        checkpoints.start()
        self._sweeper = Sweeper(
            self._redis,
            sessions,
            leases,
            tasks.enqueue_generation,
            interval_seconds=settings.sweep_seconds,
            stale_seconds=settings.sweep_stale_seconds,
        )
        self._sweeper.start()
        return generation, TitleService(sessions, model)

    async def _close(self) -> None:
        if self._sweeper is not None:
            await self._sweeper.stop()
        if self._keeper is not None:
            await self._keeper.stop()
        if self._checkpoints is not None:
            await self._checkpoints.stop()
        if self._store is not None:
            await self._store.close()
        if self._redis is not None:
            await self._redis.aclose()
        if self._broker is not None:
            await self._broker.aclose()
        if self._engine is not None:
            await self._engine.dispose()
        if self._model is not None:
            await self._model.close()


_runtime: WorkerRuntime | None = None
_runtime_lock = threading.Lock()


def get_runtime() -> WorkerRuntime:
    """The process's runtime, created on first use so it works under any Celery pool."""
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            _runtime = WorkerRuntime(get_settings())
        return _runtime


def shutdown_runtime() -> None:
    """Begin the bounded shutdown of the process's runtime, if it has one."""
    with _runtime_lock:
        if _runtime is not None:
            _runtime.begin_shutdown()


def close_runtime() -> None:
    global _runtime
    with _runtime_lock:
        if _runtime is not None:
            _runtime.close()
            _runtime = None
