"""Per-process worker resources, living on one background asyncio loop.

Celery's thread pool gives each running task a thread; the thread hands its coroutine to this loop
and waits. So a worker process runs many generations at once over one Redis pool, one database pool
and one HTTP client, and nothing opens a connection per chunk.
"""

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import uvloop
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core import redis_keys
from app.core.config import Settings, get_settings
from app.core.db import create_engine, create_session_factory
from app.core.gc_tuning import tune_for_serving
from app.core.redis_client import create_redis
from app.llm.client import create_client
from app.llm.model import ChatModel
from app.services.cancellation import CancellationRegistry
from app.services.checkpoints import Checkpointer
from app.services.generation import GenerationService
from app.services.titles import TitleService
from app.streaming.store import EventStore
from app.worker.cancel_listener import CancelListener
from app.worker.celery_app import celery_app
from app.worker.dispatch import TaskQueue

T = TypeVar("T")


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
        self._cancel_listener: CancelListener | None = None
        self._store: EventStore | None = None
        self._checkpoints: Checkpointer | None = None
        self._model: ChatModel | None = None
        self.generation, self.titles = self.run(self._open())
        tune_for_serving()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the runtime's loop from any thread and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def close(self) -> None:
        self.run(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    async def _open(self) -> tuple[GenerationService, TitleService]:
        # Created on the loop they will be used from: asyncpg and redis connections are loop-bound.
        self._redis = create_redis(self._settings, redis_keys.WORKER_CONNECTION_NAME)
        self._broker = create_redis(
            self._settings, redis_keys.TASK_PUBLISHER_CONNECTION_NAME, self._settings.broker_url
        )
        self._engine = create_engine(self._settings)
        model = self._model = ChatModel(create_client(self._settings), self._settings)
        store = self._store = EventStore(self._redis, self._settings.stream_ttl_seconds)
        cancellations = CancellationRegistry()
        self._cancel_listener = CancelListener(self._redis, cancellations)
        await self._cancel_listener.start()
        # Each of the worker's database steps is one statement (or two that need no common snapshot).
        sessions = create_session_factory(self._engine, autocommit=True)
        checkpoints = self._checkpoints = Checkpointer(sessions, self._settings.checkpoint_seconds)
        checkpoints.start()
        generation = GenerationService(
            sessions,
            store,
            model,
            cancellations,
            checkpoints,
            self._settings,
            TaskQueue(self._broker, celery_app).enqueue_title,
        )
        return generation, TitleService(sessions, model)

    async def _close(self) -> None:
        if self._checkpoints is not None:
            await self._checkpoints.stop()
        if self._cancel_listener is not None:
            await self._cancel_listener.stop()
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


def close_runtime() -> None:
    global _runtime
    with _runtime_lock:
        if _runtime is not None:
            _runtime.close()
            _runtime = None
