"""The real stack for the tests: private Redis and PostgreSQL, the simulator, a Celery worker process
and a uvicorn API process, all on free loopback ports, started once per test session."""

import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import Settings
from app.core.db import create_engine, create_session_factory
from devstack.components import run_migrations, start_api, start_simulator, start_worker
from devstack.ports import free_port
from devstack.postgres_server import PrivatePostgres
from devstack.processes import Supervisor
from devstack.redis_server import PrivateRedis
from devstack.relaxed_limits import RELAXED_LIMITS
from devstack.scratch import scratch_dir
from tests.api_client import start_guest


@dataclass(frozen=True)
class Stack:
    redis_url: str
    database_url: str
    simulator_url: str
    # Two API processes, as behind a load balancer: a stream may resume on either.
    api_urls: tuple[str, str]
    logs: Path
    env: dict[str, str]

    @property
    def api_url(self) -> str:
        return self.api_urls[0]


@pytest.fixture(scope="session")
def services() -> Iterator[tuple[str, str]]:
    with scratch_dir("chat-tests-") as root:
        yield from _running_services(root)


def _running_services(root: Path) -> Iterator[tuple[str, str]]:
    redis = PrivateRedis(root / "redis", free_port())
    postgres = PrivatePostgres(root / "postgres", free_port(), durable=False)
    redis.start()
    try:
        postgres.start()
        try:
            yield redis.url, postgres.url
        finally:
            postgres.stop()
    finally:
        redis.stop()


@pytest.fixture(scope="session")
def stack(services: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    redis_url, database_url = services
    logs = tmp_path_factory.mktemp("logs")
    simulator_port = free_port()
    simulator_url = f"http://127.0.0.1:{simulator_port}"
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "DATABASE_URL": database_url,
        "SIMULATOR_URL": f"{simulator_url}/v1",
        # Fast by default; tests that need slow or long answers say so with a [sim ...] directive.
        "SIM_TOKENS": "20",
        "SIM_TOKENS_PER_SECOND": "0",
        "SIM_TTFT_MS": "0",
        "SIM_REASONING_TOKENS": "4",
        "CHECKPOINT_SECONDS": "1",
        "SSE_PING_SECONDS": "0.5",
        # Small, so that a long test conversation really gets trimmed.
        "HISTORY_TOKEN_BUDGET": "600",
        # Short, so that upstream stalls and retries play out within a test.
        "UPSTREAM_STALL_SECONDS": "2",
        "OPENAI_MAX_RETRIES": "2",
        # Every test is a guest of its own, many at once from one address.
        **RELAXED_LIMITS,
        # Off whatever the environment says; the metrics tests start workers that serve them (tests/metrics_stack.py).
        "WORKER_METRICS_PORT": "0",
    }
    env.pop("OPENAI_API_KEY", None)
    with Supervisor(logs) as supervisor:
        run_migrations(supervisor, env)
        start_simulator(supervisor, env, simulator_port)
        start_worker(supervisor, env, concurrency=32)
        api_urls = (start_test_api(supervisor, "api-1", env), start_test_api(supervisor, "api-2", env))
        yield Stack(redis_url, database_url, simulator_url, api_urls, logs, env)


def start_test_api(supervisor: Supervisor, name: str, env: dict[str, str]) -> str:
    return start_api(supervisor, env, free_port(), name=name, access_log=False)


@pytest.fixture(scope="session")
def redis_url(services: tuple[str, str]) -> str:
    return services[0]


@pytest.fixture(scope="session")
def lease_test_redis_url(redis_url: str) -> str:
    """The tests' Redis, on a database of its own for tests that make leases: the stack's workers, which take over
    every expired lease they see on database 0, must not take theirs."""
    return redis_url.rpartition("/")[0] + "/1"


@pytest.fixture(scope="session")
def api_url(stack: Stack) -> str:
    return stack.api_url


@pytest.fixture
async def sessions(stack: Stack) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the stack's PostgreSQL, for rows that tests make or read directly."""
    engine = create_engine(Settings(database_url=stack.database_url))
    yield create_session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def api(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the first API process, signed in as a guest of its own."""
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as client:
        await start_guest(client)
        yield client


@pytest.fixture
async def second_api(stack: Stack, api: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the second API process, signed in as the same guest as ``api``: as a second tab behind a load
    balancer."""
    async with httpx.AsyncClient(base_url=stack.api_urls[1], headers=api.headers, timeout=30) as client:
        yield client


@pytest.fixture
async def stranger(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A client signed in as another guest than ``api``'s: whose requests must never reach ``api``'s data."""
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as client:
        await start_guest(client)
        yield client


@pytest.fixture
async def simulator(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.simulator_url, timeout=30) as client:
        yield client
