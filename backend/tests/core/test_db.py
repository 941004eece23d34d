"""The database engine on the real PostgreSQL of the test stack."""

import asyncio

import asyncpg
import sqlalchemy as sa
from sqlmodel import select

from app.core.config import Settings
from app.core.db import create_engine, create_session_factory
from tests.conftest import Stack


async def test_a_connection_the_server_closed_is_replaced_not_handed_out(stack: Stack) -> None:
    engine = create_engine(Settings(database_url=stack.database_url))
    try:
        async with engine.connect() as connection:
            pid = (await connection.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one()
        # The pooled connection's backend goes away, as in a server restart.
        admin = await asyncpg.connect(stack.database_url)
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()
        await asyncio.sleep(0.2)  # the event loop hears the socket close
        async with engine.connect() as connection:
            new_pid = (await connection.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one()
        assert new_pid != pid
    finally:
        await engine.dispose()


async def test_autocommit_sessions_commit_each_statement_and_default_ones_share_a_transaction(stack: Stack) -> None:
    engine = create_engine(Settings(database_url=stack.database_url))
    current = select(sa.func.txid_current())
    try:
        async with create_session_factory(engine, autocommit=True)() as session:
            first, second = [(await session.exec(current)).one() for _ in range(2)]
        assert first != second
        async with create_session_factory(engine)() as session:
            first, second = [(await session.exec(current)).one() for _ in range(2)]
        assert first == second
    finally:
        await engine.dispose()
