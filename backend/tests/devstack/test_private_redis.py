import os
import signal
from pathlib import Path

import pytest
import redis

from devstack import PrivateRedis, ProcessFailedError, free_port, is_port_free, redis_answers
from devstack.processes import RestartPolicy
from tests.devstack.liveness import is_alive
from tests.devstack.waiting import wait_until


def test_private_redis_answers_and_stops_cleanly(tmp_path: Path) -> None:
    server = PrivateRedis(tmp_path / "redis", free_port())
    with server:
        pid = server.pid
        assert pid is not None
        client = redis.Redis.from_url(server.url)
        try:
            assert client.ping()
            client.set("greeting", "hello")
            assert client.get("greeting") == b"hello"
        finally:
            client.close()
    assert server.pid is None
    assert not is_alive(pid)
    assert is_port_free(server.port)
    assert not redis_answers(server.url)
    assert "Ready to accept connections" in server.log_path.read_text()


def test_private_redis_persists_nothing_by_default(tmp_path: Path) -> None:
    with PrivateRedis(tmp_path, free_port()) as server:
        client = redis.Redis.from_url(server.url)
        try:
            config = client.config_get("save") | client.config_get("appendonly")
        finally:
            client.close()
    assert config == {"save": "", "appendonly": "no"}


def test_private_redis_refuses_to_start_twice(tmp_path: Path) -> None:
    with PrivateRedis(tmp_path, free_port()) as server, pytest.raises(RuntimeError, match="already running"):
        server.start()


def test_private_redis_that_is_not_ready_in_time_is_stopped_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A Redis that never answers PING: a real one can answer within any timeout short enough to test.
    monkeypatch.setattr("devstack.redis_server.redis_answers", lambda url: False)
    server = PrivateRedis(tmp_path, free_port(), start_timeout=0.5)
    with pytest.raises(ProcessFailedError, match=r"not ready after 0\.5 s"):
        server.start()
    assert server.pid is None
    assert is_port_free(server.port)


def test_private_redis_with_a_restart_policy_comes_back_after_a_crash(tmp_path: Path) -> None:
    notes: list[str] = []
    server = PrivateRedis(tmp_path, free_port(), restart=RestartPolicy(first_delay=0.05, announce=notes.append))
    with server:
        first_pid = server.pid
        assert first_pid is not None
        os.kill(first_pid, signal.SIGKILL)
        wait_until(lambda: any("running again" in note for note in notes), "the restarted Redis")
        assert server.pid not in (None, first_pid)
        assert redis_answers(server.url)
        restarted_pid = server.pid
    assert notes[0].startswith("redis was killed by SIGKILL after ")
    assert restarted_pid is not None
    assert not is_alive(restarted_pid)
    assert is_port_free(server.port)
