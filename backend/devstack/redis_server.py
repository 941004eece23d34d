"""A private Redis server: a child process on a loopback port, for the dev stack and the tests."""

import shutil
from pathlib import Path

import redis

from devstack.ports import LOOPBACK
from devstack.private_server import PrivateServer
from devstack.processes import ChildProcess, RestartPolicy


def redis_answers(url: str) -> bool:
    """True when a Redis server at `url` answers PING."""
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


class PrivateRedis(PrivateServer):
    """`redis-server` bound to 127.0.0.1:`port`, its log in `data_dir`/redis.log.

    Nothing is persisted unless `appendonly` is set: the streams it carries expire within the hour anyway (and a
    server restarted after a crash, see `restart` in PrivateServer, starts empty).
    """

    def __init__(
        self,
        data_dir: Path,
        port: int,
        *,
        appendonly: bool = False,
        start_timeout: float = 30.0,
        restart: RestartPolicy | None = None,
    ) -> None:
        super().__init__("Redis", data_dir, port, start_timeout, restart)
        self._appendonly = appendonly

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "redis.log"

    def start(self) -> None:
        self._refuse_if_running()
        binary = shutil.which("redis-server")
        if binary is None:
            raise FileNotFoundError("redis-server is not on PATH; run scripts/bootstrap.sh (or `make dev`) first")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        argv = [
            binary,
            "--bind", LOOPBACK,
            "--port", str(self.port),
            "--dir", str(self.data_dir),
            "--save", "",
            "--appendonly", "yes" if self._appendonly else "no",
            "--daemonize", "no",
        ]  # fmt: skip
        self._launch(ChildProcess("redis", argv, log_path=self.log_path), lambda: redis_answers(self.url))
