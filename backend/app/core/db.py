"""Async SQLAlchemy engine and session factory (asyncpg), one per process."""

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import Settings


def create_engine(settings: Settings) -> AsyncEngine:
    # Sized for bursts: requests wait for a pooled connection instead of failing, and nothing
    # here ever runs a blocking driver call on the event loop (the spec's deadlock). No overflow:
    # SQLAlchemy closes an overflow connection as soon as it is returned, so bursts paid a new
    # PostgreSQL backend (a fork and a login) per query; connections open on demand and stay.
    return create_async_engine(
        settings.async_database_url,
        pool_size=settings.db_pool_size,
        max_overflow=0,
        pool_timeout=30,
        pool_pre_ping=True,
    )


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
