"""The local development stack, and the private Redis/PostgreSQL servers that tests use too."""

from app.devstack.ports import free_port, is_port_free
from app.devstack.postgres_server import PrivatePostgres, postgres_answers, postgres_bin_dir
from app.devstack.processes import ChildProcess, ProcessFailedError, Readiness, Supervisor, http_ok
from app.devstack.redis_server import PrivateRedis, redis_answers
from app.devstack.scratch import scratch_dir

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
