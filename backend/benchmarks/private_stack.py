"""The private data stack a request benchmark runs against: Redis and PostgreSQL in a scratch directory,
migrated, and a supervisor for the processes the benchmark starts on them (simulator, worker, API)."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from devstack.components import run_migrations
from devstack.ports import free_port
from devstack.postgres_server import PrivatePostgres
from devstack.processes import Supervisor
from devstack.redis_server import PrivateRedis
from devstack.relaxed_limits import RELAXED_LIMITS
from devstack.scratch import scratch_dir


@dataclass(frozen=True, slots=True)
class PrivateStack:
    supervisor: Supervisor
    # What the processes started on this stack read: its Redis and PostgreSQL, the relaxed per-user limits
    # (a benchmark is one user sending far more than a person would) and never a real model's key.
    env: dict[str, str]
    postgres_url: str


@contextmanager
def private_stack(prefix: str) -> Iterator[PrivateStack]:
    """Everything is stopped and the scratch directory removed on leaving, whatever happened inside."""
    with (
        scratch_dir(prefix) as root,
        PrivateRedis(root / "redis", free_port()) as redis,
        PrivatePostgres(root / "postgres", free_port()) as postgres,
        Supervisor(root / "logs") as supervisor,
    ):
        env = {**os.environ, "REDIS_URL": redis.url, "DATABASE_URL": postgres.url, "PYTHONUNBUFFERED": "1"}
        env |= RELAXED_LIMITS
        env.pop("OPENAI_API_KEY", None)
        run_migrations(supervisor, env)
        yield PrivateStack(supervisor, env, postgres.url)
