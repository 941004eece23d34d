"""An API and Celery workers of their own, with metrics served and protected by a token, for the metrics tests.

They share the session's PostgreSQL and simulator but use a Redis database of their own (also the broker), so that
no other test's answers, queued tasks or leases move their counters: the tests assert exact amounts. Sweeps are
off, since this stack's workers would otherwise find the session stack's answers in PostgreSQL without a lease
in their own Redis database and adopt them.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx

from devstack.components import start_worker
from devstack.ports import LOOPBACK, free_port
from devstack.processes import ChildProcess, Supervisor
from tests.conftest import Stack, start_test_api
from tests.devstack.waiting import wait_until

METRICS_TOKEN = "metrics-token-for-the-tests-0123456789abcdef"
# Database 0 is the session stack's, 1 the lease tests'.
_FIRST_DATABASE = 2


@dataclass(frozen=True)
class Worker:
    process: ChildProcess
    metrics_url: str


@dataclass(frozen=True)
class MetricsStack:
    api_url: str
    workers: tuple[Worker, ...]
    redis_url: str
    env: dict[str, str]

    @property
    def metrics_url(self) -> str:
        return f"{self.api_url}/metrics"


def _serves_metrics(url: str) -> bool:
    try:
        return httpx.get(url, headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def metrics_stack(stack: Stack, logs: Path, database: int, workers: int = 1, **settings: str) -> Iterator[MetricsStack]:
    """The stack on Redis database ``database`` (2 or above: one per module), with ``settings`` over the session's."""
    assert database >= _FIRST_DATABASE
    redis_url = f"{stack.redis_url.rpartition('/')[0]}/{database}"
    env = {
        **stack.env,
        "REDIS_URL": redis_url,
        "METRICS_TOKEN": METRICS_TOKEN,
        "SWEEP_SECONDS": "86400",
        "WORKER_METRICS_HOST": LOOPBACK,
        **settings,
    }
    with Supervisor(logs) as supervisor:
        started: list[Worker] = []
        for number in range(1, workers + 1):
            port = free_port()
            name = f"metrics-worker-{database}-{number}"
            process = start_worker(supervisor, {**env, "WORKER_METRICS_PORT": str(port)}, 8, name, node_name=name)
            url = f"http://{LOOPBACK}:{port}/metrics"
            # The endpoint opens with the worker's runtime, as the worker announces itself ready.
            wait_until(partial(_serves_metrics, url), f"{name}'s metrics endpoint")
            started.append(Worker(process, url))
        api_url = start_test_api(supervisor, f"metrics-api-{database}", env)
        yield MetricsStack(api_url, tuple(started), redis_url, env)
