"""The per-process resources the API's routes share, built once in the app's lifespan."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.sessions import CallerCache
from app.core.config import Settings
from app.lease.store import LeaseStore
from app.llm.catalog import ModelCatalog
from app.services.messages import Enqueue
from app.streaming.hub import StreamHub
from app.streaming.relay import StreamRelay
from app.streaming.store import EventStore

if TYPE_CHECKING:
    # Only for the annotation: app.api.rate_limits imports the dependencies, which import this module.
    from app.api.rate_limits import RateLimits


@dataclass(frozen=True)
class ApiState:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    # For reads that need no common snapshot, and writes that are one statement: no BEGIN and COMMIT around them.
    autocommit_sessions: async_sessionmaker[AsyncSession]
    redis: Redis
    hub: StreamHub
    # Who holds which session token, for a few seconds (app/auth/sessions.py); the hub tells it of ended sessions.
    callers: CallerCache
    store: EventStore
    leases: LeaseStore
    relay: StreamRelay
    enqueue: Enqueue
    # Tasks waiting in Celery's queue (app/worker/dispatch.py), for /metrics.
    queue_length: Callable[[], Awaitable[int]]
    # The models a conversation may pick.
    catalog: ModelCatalog
    # The abuse limits (app/api/rate_limits.py), counted in Redis.
    rate_limits: "RateLimits"
    # Set when the server starts shutting down (see server_exit); open streams then end, resumably.
    shutdown: anyio.Event
