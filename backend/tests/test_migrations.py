"""The migrations on a database of their own in the tests' PostgreSQL: data from before accounts is adopted by one
user, whom an operator can then give a password; and the tables the migrations make are the models' tables."""

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from app.auth.passwords import verify_password
from devstack.components import BACKEND_DIR

MIGRATION_TIMEOUT_SECONDS = 120


@pytest.fixture
def empty_database(services: tuple[str, str]) -> Iterator[str]:
    yield from _scratch_database(services)


@pytest.fixture
def models_database(services: tuple[str, str]) -> Iterator[str]:
    """A database with the models' tables as SQLAlchemy makes them, with no migration."""
    for url in _scratch_database(services):
        asyncio.run(_create_tables(url))
        yield url


async def _create_tables(url: str) -> None:
    engine = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://", 1))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(SQLModel.metadata.create_all)
    finally:
        await engine.dispose()


def _scratch_database(services: tuple[str, str]) -> Iterator[str]:
    _, server_url = services
    name = f"migrations_{uuid.uuid4().hex[:8]}"
    _psql(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield server_url.rpartition("/")[0] + f"/{name}"
    finally:
        _psql(server_url, f'DROP DATABASE "{name}" WITH (FORCE)')


def _psql(url: str, statement: str) -> None:
    async def run() -> None:
        connection = await asyncpg.connect(url)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


def _run(module: str, *args: str, database_url: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=BACKEND_DIR,
        env={**os.environ, "DATABASE_URL": database_url, **env},
        capture_output=True,
        text=True,
        timeout=MIGRATION_TIMEOUT_SECONDS,
        check=False,
    )


def _alembic(*args: str, database_url: str, **env: str) -> None:
    done = _run("alembic", *args, database_url=database_url, **env)
    assert done.returncode == 0, done.stderr


async def test_conversations_from_before_accounts_are_adopted_by_one_user(empty_database: str) -> None:
    _alembic("upgrade", "0004", database_url=empty_database)
    connection = await asyncpg.connect(empty_database)
    try:
        for n in range(3):
            conversation = uuid.uuid4()
            await connection.execute(
                "INSERT INTO conversation (id, title, created_at, updated_at) VALUES ($1, $2, now(), now())",
                conversation,
                f"old {n}",
            )
            await connection.execute(
                "INSERT INTO message (id, conversation_id, role, content, reasoning, status, created_at, updated_at)"
                " VALUES ($1, $2, 'user', 'hello', '', 'completed', now(), now())",
                uuid.uuid4(),
                conversation,
            )
        _alembic("upgrade", "head", database_url=empty_database, ADOPTED_OWNER_EMAIL="Me@Example.com")
        owners = await connection.fetch("SELECT DISTINCT user_id FROM conversation")
        users = await connection.fetch("SELECT id, email, password_hash FROM app_user")
        assert [dict(user) for user in users] == [
            {"id": owners[0]["user_id"], "email": "me@example.com", "password_hash": None}
        ]
        assert await connection.fetchval("SELECT count(*) FROM message") == 3, "the messages came along"

        refused = _run(
            "app.auth.set_password", "nobody@example.com", database_url=empty_database, NEW_PASSWORD="long enough"
        )
        assert refused.returncode == 1
        assert "no account has the email nobody@example.com" in refused.stderr
        too_short = _run("app.auth.set_password", "me@example.com", database_url=empty_database, NEW_PASSWORD="short")
        assert too_short.returncode == 2
        done = _run("app.auth.set_password", "ME@example.com", database_url=empty_database, NEW_PASSWORD="long enough")
        assert done.returncode == 0, done.stderr
        password_hash = await connection.fetchval("SELECT password_hash FROM app_user")
        assert await verify_password("long enough", password_hash)
    finally:
        await connection.close()


def test_an_empty_database_gets_no_adopted_user_and_the_models_tables(empty_database: str) -> None:
    _alembic("upgrade", "head", database_url=empty_database)
    # Alembic compares the models with what the migrations made: a difference is a migration that is missing.
    _alembic("check", database_url=empty_database)

    async def users() -> int:
        connection = await asyncpg.connect(empty_database)
        try:
            count: int = await connection.fetchval("SELECT count(*) FROM app_user")
            return count
        finally:
            await connection.close()

    assert asyncio.run(users()) == 0


# What alembic check does not compare: generated columns' expressions, and indexes' methods and expressions.
_GENERATED_COLUMNS = """
    SELECT c.relname, a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE n.nspname = 'public' AND a.attgenerated = 's'
"""
_INDEXES = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"


def test_generated_columns_and_indexes_are_as_the_models_make_them(empty_database: str, models_database: str) -> None:
    _alembic("upgrade", "head", database_url=empty_database)

    async def definitions(url: str) -> tuple[set[tuple[str, ...]], set[tuple[str, ...]]]:
        connection = await asyncpg.connect(url)
        try:
            generated = {tuple(row) for row in await connection.fetch(_GENERATED_COLUMNS)}
            indexes = {tuple(row) for row in await connection.fetch(_INDEXES)}
            return generated, indexes
        finally:
            await connection.close()

    migrated_columns, migrated_indexes = asyncio.run(definitions(empty_database))
    model_columns, model_indexes = asyncio.run(definitions(models_database))
    assert {column[:2] for column in migrated_columns} >= {
        ("conversation", "search_vector"),
        ("message", "search_vector"),
    }
    assert migrated_columns == model_columns
    assert {index for index in migrated_indexes if index[0] != "alembic_version_pkc"} == model_indexes


def test_the_migrations_go_down_and_up_again(empty_database: str) -> None:
    _alembic("upgrade", "head", database_url=empty_database)
    _alembic("downgrade", "0004", database_url=empty_database)
    _alembic("upgrade", "head", database_url=empty_database)


async def test_conversations_from_before_the_tree_come_along_as_single_branches(empty_database: str) -> None:
    _alembic("upgrade", "0006", database_url=empty_database)
    connection = await asyncpg.connect(empty_database)
    try:
        user = await connection.fetchval(
            "INSERT INTO app_user (id, created_at) VALUES ($1, now()) RETURNING id", uuid.uuid4()
        )
        written: dict[uuid.UUID, list[uuid.UUID]] = {}
        for _ in range(2):
            conversation = uuid.uuid4()
            await connection.execute(
                "INSERT INTO conversation (id, user_id, created_at, updated_at) VALUES ($1, $2, now(), now())",
                conversation,
                user,
            )
            written[conversation] = [uuid.uuid4() for _ in range(4)]
            for n, message in enumerate(written[conversation]):
                await connection.execute(
                    "INSERT INTO message (id, conversation_id, role, content, reasoning, status, created_at,"
                    " updated_at) VALUES ($1, $2, $3, 'text', '', 'completed', now(), now())",
                    message,
                    conversation,
                    "user" if n % 2 == 0 else "assistant",
                )
        empty = uuid.uuid4()
        await connection.execute(
            "INSERT INTO conversation (id, user_id, created_at, updated_at) VALUES ($1, $2, now(), now())", empty, user
        )
        _alembic("upgrade", "head", database_url=empty_database)

        for conversation, messages in written.items():
            rows = await connection.fetch("SELECT id, parent_id FROM message WHERE conversation_id = $1", conversation)
            parents = {row["id"]: row["parent_id"] for row in rows}
            assert parents == dict(zip(messages, [None, *messages[:-1]], strict=True)), "each follows the one before"
            current = await connection.fetchval(
                "SELECT current_message_id FROM conversation WHERE id = $1", conversation
            )
            assert current == messages[-1], "the branch shown ends at the last message"
        assert await connection.fetchval("SELECT current_message_id FROM conversation WHERE id = $1", empty) is None
    finally:
        await connection.close()
