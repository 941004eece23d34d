"""The real stack for the tests: private Redis and PostgreSQL, the simulator, a Celery worker process
and a uvicorn API process, all on free loopback ports, started once per test session."""

import os
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.devstack.ports import free_port
from app.devstack.postgres_server import PrivatePostgres
from app.devstack.processes import Supervisor, http_ok
from app.devstack.redis_server import PrivateRedis
from app.devstack.scratch import scratch_dir

BACKEND_DIR = Path(__file__).resolve().parents[1]


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
    }
    env.pop("OPENAI_API_KEY", None)
    python = sys.executable
    with Supervisor(logs) as supervisor:
        supervisor.run("migrate", [python, "-m", "alembic", "upgrade", "head"], cwd=BACKEND_DIR, env=env, timeout=120)
        supervisor.start(
            "simulator",
            [python, "-m", "app.simulator", "--host", "127.0.0.1", "--port", str(simulator_port)],
            cwd=BACKEND_DIR,
            env=env,
            ready=http_ok(f"{simulator_url}/healthz"),
        )
        supervisor.start(
            "worker",
            [
                python,
                "-m",
                "celery",
                "-A",
                "app.worker.celery_app",
                "worker",
                "--pool=threads",
                "--concurrency=32",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=BACKEND_DIR,
            env=env,
        )
        api_urls = (start_api(supervisor, "api-1", env), start_api(supervisor, "api-2", env))
        yield Stack(redis_url, database_url, simulator_url, api_urls, logs, env)


def start_api(supervisor: Supervisor, name: str, env: dict[str, str]) -> str:
    """An API process on a free port, ready when it answers /readyz; stopped with the supervisor."""
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "app.main:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
    ]
    supervisor.start(name, argv, cwd=BACKEND_DIR, env=env, ready=http_ok(f"http://127.0.0.1:{port}/readyz"))
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def redis_url(services: tuple[str, str]) -> str:
    return services[0]


@pytest.fixture(scope="session")
def api_url(stack: Stack) -> str:
    return stack.api_url


@pytest.fixture
async def api(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as client:
        yield client


@pytest.fixture
async def simulator(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.simulator_url, timeout=30) as client:
        yield client
