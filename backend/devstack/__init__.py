"""The local development stack, and the private Redis/PostgreSQL servers that tests use too."""

from devstack.ports import free_port, is_port_free
from devstack.postgres_server import PrivatePostgres, postgres_answers, postgres_bin_dir
from devstack.processes import ChildProcess, ProcessFailedError, Readiness, Supervisor, http_ok
from devstack.redis_server import PrivateRedis, redis_answers
from devstack.scratch import scratch_dir

__all__ = [
    "ChildProcess",
    "PrivatePostgres",
    "PrivateRedis",
    "ProcessFailedError",
    "Readiness",
    "Supervisor",
    "free_port",
    "http_ok",
    "is_port_free",
    "postgres_answers",
    "postgres_bin_dir",
    "redis_answers",
    "scratch_dir",
]
