"""The per-process resources the API's routes share, built once in the app's lifespan."""

from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import Settings
from app.services.messages import Enqueue
from app.streaming.hub import StreamHub
from app.streaming.relay import StreamRelay


@dataclass(frozen=True)
class ApiState:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: Redis
    hub: StreamHub
    relay: StreamRelay
    enqueue: Enqueue
