"""A whole stack of real processes that a chaos test may kill, freeze and restart one at a time.

Its own Redis (with an append-only file, so that a restart keeps the data unless the test wipes it), PostgreSQL,
simulator, two Celery workers and an API, each on its own loopback port, under the defaults that matter here:
the lease length and the outage bounds are the product's defaults but for the shutdown grace, cut to keep the run
short.
"""

import os
import shutil
import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

import httpx

from devstack.components import run_migrations, start_api, start_simulator, start_worker
from devstack.ports import free_port
from devstack.postgres_server import PrivatePostgres
from devstack.processes import ChildProcess, Supervisor
from devstack.redis_server import PrivateRedis
from devstack.relaxed_limits import RELAXED_LIMITS
from devstack.scratch import scratch_dir
from tests.api_client import signed_in

WORKER_CONCURRENCY = 16
LEASE_SECONDS = 10.0
SHUTDOWN_GRACE_SECONDS = 3.0
# The stated bound for a takeover: the lease runs out, a look for expired leases finds it within a second, and
# the taker starts it. The tests wait up to twice as long before they call a takeover missing.
TAKEOVER_BOUND_SECONDS = LEASE_SECONDS + 2.0
_WORKER_READY_TEXT = " ready."


@dataclass
class ChaosStack:
    supervisor: Supervisor
    redis: PrivateRedis
    postgres: PrivatePostgres
    api_url: str
    env: dict[str, str]
    workers: dict[str, ChildProcess] = field(default_factory=dict)
    # The session of the guest every answer of the test is asked by; kept in PostgreSQL, so it outlives restarts.
    token: str = ""

    def client(self) -> httpx.AsyncClient:
        return signed_in(self.api_url, self.token, timeout=30)

    def worker_by_pid(self, pid: int) -> str:
        return next(name for name, child in self.workers.items() if child.pid == pid)

    def signal_worker(self, name: str, signum: signal.Signals) -> None:
        os.kill(self.workers[name].pid, signum)

    def kill_worker(self, name: str) -> None:
        self.signal_worker(name, signal.SIGKILL)
        self.workers[name].wait(timeout=30)

    def start_worker_again(self, name: str) -> None:
        """Start a worker that was killed (or exited) again, and wait until it consumes tasks."""
        child = self.workers[name]
        if child.poll() is None:
            return
        assert child.restart(), f"{name} was stopped on purpose"
        child.wait_ready(lambda: _WORKER_READY_TEXT in child.output(), timeout=60)

    def restore_workers(self) -> None:
        for name, child in self.workers.items():
            if child.poll() is None:
                with suppress(ProcessLookupError):
                    os.kill(child.pid, signal.SIGCONT)
            self.start_worker_again(name)

    @contextmanager
    def redis_down(self, *, wipe: bool = False) -> Iterator[None]:
        """Redis stopped (its append-only file flushed) while the block runs, then started on the same port:
        with its data, or empty with ``wipe``."""
        self.redis.stop()
        try:
            yield
        finally:
            if wipe:
                shutil.rmtree(self.redis.data_dir / "appendonlydir", ignore_errors=True)
            self.redis.start()

    @contextmanager
    def postgres_down(self) -> Iterator[None]:
        self.postgres.stop()
        try:
            yield
        finally:
            self.postgres.start()


@contextmanager
def chaos_stack(*, background: bool) -> Iterator[ChaosStack]:
    with scratch_dir("chat-chaos-") as root:
        redis = PrivateRedis(root / "redis", free_port(), appendonly=True)
        postgres = PrivatePostgres(root / "postgres", free_port(), durable=False)
        redis.start()
        postgres.start()
        simulator_port = free_port()
        env = {
            **os.environ,
            "REDIS_URL": redis.url,
            "DATABASE_URL": postgres.url,
            "SIMULATOR_URL": f"http://127.0.0.1:{simulator_port}/v1",
            "SIM_TOKENS": "20",
            "SIM_TOKENS_PER_SECOND": "0",
            "SIM_TTFT_MS": "0",
            "SIM_REASONING_TOKENS": "0",
            "CHECKPOINT_SECONDS": "1",
            "SSE_PING_SECONDS": "0.5",
            "LEASE_SECONDS": str(LEASE_SECONDS),
            "WORKER_SHUTDOWN_GRACE_SECONDS": str(SHUTDOWN_GRACE_SECONDS),
            "SWEEP_SECONDS": "2",
            "SWEEP_STALE_SECONDS": "5",
            "OPENAI_BACKGROUND": "true" if background else "false",
            **RELAXED_LIMITS,
        }
        env.pop("OPENAI_API_KEY", None)
        try:
            with Supervisor(root / "logs") as supervisor:
                run_migrations(supervisor, env)
                start_simulator(supervisor, env, simulator_port)
                stack = ChaosStack(supervisor, redis, postgres, "", env)
                for name in ("worker-a", "worker-b"):
                    stack.workers[name] = start_worker(supervisor, env, WORKER_CONCURRENCY, name, node_name=name)
                stack.api_url = start_api(supervisor, env, free_port(), name="api", access_log=False)
                stack.token = httpx.post(f"{stack.api_url}/auth/guest").raise_for_status().json()["token"]
                yield stack
        finally:
            postgres.stop()
            redis.stop()
