"""The database engine on the real PostgreSQL of the test stack."""

import asyncio

import asyncpg
import sqlalchemy as sa

from app.core.config import Settings
from app.core.db import create_engine
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
