import asyncio
import os
import pwd
import signal
from pathlib import Path

import asyncpg
import pytest

from devstack import PrivatePostgres, free_port, postgres_answers
from devstack.processes import RestartPolicy
from tests.devstack.liveness import is_alive
from tests.devstack.waiting import wait_until


async def _query(url: str, sql: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url)
    try:
        return await connection.fetch(sql)
    finally:
        await connection.close()


def _fetch(url: str, sql: str) -> list[asyncpg.Record]:
    return asyncio.run(_query(url, sql))


async def _run_script(url: str, sql: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def test_private_postgres_answers_keeps_data_and_stops_cleanly(scratch: Path) -> None:
    server = PrivatePostgres(scratch / "pg", free_port(), durable=False)
    assert server.url == f"postgresql://postgres@127.0.0.1:{server.port}/chat"

    with server:
        first_pid = server.pid
        assert first_pid is not None
        assert [tuple(row) for row in _fetch(server.url, "SELECT 1")] == [(1,)]
        asyncio.run(_run_script(server.url, "CREATE TABLE kept (word text); INSERT INTO kept VALUES ('hello')"))
        assert _fetch(server.url, "SHOW fsync")[0][0] == "off"
    assert not is_alive(first_pid)
    assert not (server.data_dir / "postmaster.pid").exists(), "not a clean shutdown"
    assert not postgres_answers(server.url)

    server.port = free_port()
    with server:
        assert server.pid != first_pid
        assert [row["word"] for row in _fetch(server.url, "SELECT word FROM kept")] == ["hello"]
    assert server.pid is None


def test_private_postgres_creates_the_named_database(scratch: Path) -> None:
    with PrivatePostgres(scratch / "pg", free_port(), database="other", durable=False) as server:
        assert server.url.endswith("/other")
        assert postgres_answers(server.url)
        assert postgres_answers(server.url.replace("postgresql://", "postgresql+asyncpg://"))
        assert not postgres_answers(server.url.replace("/other", "/missing"))


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the cluster to the postgres account")
def test_under_root_the_cluster_belongs_to_postgres(scratch: Path) -> None:
    with PrivatePostgres(scratch / "pg", free_port(), durable=False) as server:
        assert server.data_dir.stat().st_uid == pwd.getpwnam("postgres").pw_uid


@pytest.mark.skipif(os.geteuid() != 0, reason="only the postgres account can be locked out")
def test_under_root_an_unreachable_data_dir_is_explained(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o700)
    with pytest.raises(PermissionError, match="not traversable"):
        PrivatePostgres(locked / "pg", free_port()).start()


def test_bad_database_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="plain SQL identifier"):
        PrivatePostgres(tmp_path, 5432, database="x; DROP")


def test_private_postgres_with_a_restart_policy_recovers_after_a_crash(scratch: Path) -> None:
    notes: list[str] = []
    server = PrivatePostgres(
        scratch / "pg", free_port(), restart=RestartPolicy(first_delay=0.05, announce=notes.append)
    )
    with server:
        asyncio.run(_run_script(server.url, "CREATE TABLE kept (word text); INSERT INTO kept VALUES ('hello')"))
        first_pid = server.pid
        assert first_pid is not None
        os.kill(first_pid, signal.SIGKILL)
        wait_until(lambda: any("running again" in note for note in notes), "the restarted PostgreSQL", timeout=60)
        assert server.pid != first_pid
        assert [row["word"] for row in _fetch(server.url, "SELECT word FROM kept")] == ["hello"]
    assert notes[0].startswith("postgres was killed by SIGKILL after ")
    assert not (server.data_dir / "postmaster.pid").exists(), "not a clean shutdown"
