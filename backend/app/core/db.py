"""Async SQLAlchemy engine and session factory (asyncpg), one per process."""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import Settings

logger = logging.getLogger(__name__)
T = TypeVar("T")


def create_engine(settings: Settings) -> AsyncEngine:
    # Sized for bursts: requests wait for a pooled connection instead of failing, and nothing
    # here ever runs a blocking driver call on the event loop (the spec's deadlock). No overflow:
    # SQLAlchemy closes an overflow connection as soon as it is returned, so bursts paid a new
    # PostgreSQL backend (a fork and a login) per query; connections open on demand and stay.
    engine = create_async_engine(
        settings.async_database_url,
        pool_size=settings.db_pool_size,
        max_overflow=0,
        pool_timeout=30,
    )
    event.listen(engine.sync_engine, "checkout", _discard_if_closed)
    return engine


def _discard_if_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Hands out no connection the server has closed (a restart, an idle timeout, a terminated backend).

    Instead of SQLAlchemy's pool_pre_ping, which costs three round trips per checkout on asyncpg (BEGIN,
    an empty query, ROLLBACK): asyncpg learns of the closed socket from the event loop, so asking it is free.
    Raising DisconnectionError makes the pool drop this connection and check out another.
    """
    if dbapi_connection.driver_connection.is_closed():
        raise exc.DisconnectionError("the database closed this connection")


def create_session_factory(engine: AsyncEngine, *, autocommit: bool = False) -> async_sessionmaker[AsyncSession]:
    """Sessions on the engine's pool. With ``autocommit`` every statement commits on its own: right for work
    that is one statement, or statements that need not share a snapshot, and it saves the round trips of
    BEGIN and COMMIT (or ROLLBACK) around them; commit() is then a no-op."""
    bind = engine.execution_options(isolation_level="AUTOCOMMIT") if autocommit else engine
    return async_sessionmaker(bind, class_=AsyncSession, expire_on_commit=False)


def is_transient(error: BaseException) -> bool:
    """Whether a database error is the server being unreachable (down, restarting, a dropped connection), which
    passes, rather than a statement it refuses, which would fail the same way again."""
    if isinstance(error, OSError | TimeoutError | exc.TimeoutError | exc.OperationalError | exc.InterfaceError):
        return True
    return isinstance(error, exc.DBAPIError) and not isinstance(
        error, exc.IntegrityError | exc.ProgrammingError | exc.DataError
    )


async def with_retries(operation: Callable[[], Awaitable[T]], outage_seconds: float, what: str) -> T:
    """Run ``operation``, retrying with backoff while the database is unreachable, for up to ``outage_seconds``."""
    deadline = time.monotonic() + outage_seconds
    delay = 0.1
    while True:
        try:
            return await operation()
        except Exception as error:
            if not is_transient(error) or time.monotonic() + delay > deadline:
                raise
            logger.warning("%s: database unavailable (%s); retrying in %.1f s", what, type(error).__name__, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
