from pathlib import Path

import pytest
import redis

from app.devstack import PrivateRedis, ProcessFailedError, free_port, is_port_free, redis_answers
from tests.devstack.liveness import is_alive


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


def test_private_redis_that_is_not_ready_in_time_is_stopped_again(tmp_path: Path) -> None:
    server = PrivateRedis(tmp_path, free_port(), start_timeout=0)
    with pytest.raises(ProcessFailedError, match="not ready after"):
        server.start()
    assert server.pid is None
    assert is_port_free(server.port)
