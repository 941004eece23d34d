"""API CPU per request, by endpoint: what a user's requests cost the API besides streaming.

Starts a private Redis and PostgreSQL and one API process (no worker: these routes need none), then sends
each kind of request many times from 50 keep-alive connections and divides the API process's CPU time
(/proc) by the requests. Run: `make bench-api-requests`.
"""

import argparse
import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

from app.devstack.components import run_migrations, start_api
from app.devstack.ports import free_port
from app.devstack.postgres_server import PrivatePostgres
from app.devstack.processes import Supervisor
from app.devstack.redis_server import PrivateRedis
from app.devstack.scratch import scratch_dir

CONCURRENCY = 50


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(url: str, pid: int, requests: int) -> dict[str, float]:
    """µs of API CPU per request, by endpoint."""
    results: dict[str, float] = {}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY)) as http:
        ids: list[str] = []

        async def create(_: int) -> None:
            async with http.post(f"{url}/conversations", json={"title": "bench"}) as response:
                ids.append((await response.json())["id"])

        async def read(index: int) -> None:
            async with http.get(f"{url}/conversations/{ids[index % len(ids)]}") as response:
                await response.read()

        async def send(index: int) -> None:
            # One message per conversation: each holds one answer at a time, and no worker runs here.
            async with http.post(f"{url}/conversations/{ids[index]}/messages", json={"content": "hi"}) as response:
                assert response.status == 202, await response.text()

        async def health(_: int) -> None:
            async with http.get(f"{url}/healthz") as response:
                await response.read()

        endpoints: dict[str, Callable[[int], Awaitable[None]]] = {
            "GET /healthz": health,
            "POST /conversations": create,
            "GET /conversations/{id}": read,
            "POST /conversations/{id}/messages": send,
        }
        await _run(create, 200)  # warm-up: pools, caches, connections
        for name, call in endpoints.items():
            before = cpu_seconds(pid)
            await _run(call, requests)
            results[name] = (cpu_seconds(pid) - before) / requests * 1e6
    return results


async def _run(call: Callable[[int], Awaitable[None]], count: int) -> None:
    slots = asyncio.Semaphore(CONCURRENCY)

    async def one(index: int) -> None:
        async with slots:
            await call(index)

    await asyncio.gather(*(one(index) for index in range(count)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000, help="per endpoint (default: %(default)s)")
    args = parser.parse_args()
    with (
        scratch_dir("bench-api-requests-") as root,
        PrivateRedis(root / "redis", free_port()) as redis,
        PrivatePostgres(root / "postgres", free_port()) as postgres,
        Supervisor(root / "logs") as supervisor,
    ):
        env = {"REDIS_URL": redis.url, "DATABASE_URL": postgres.url}
        run_migrations(supervisor, env)
        url = start_api(supervisor, env, free_port(), access_log=False)
        pid = supervisor.child("api").pid
        started = time.monotonic()
        results = asyncio.run(measure(url, pid, args.requests))
    print(f"one API process, {args.requests} requests per endpoint from {CONCURRENCY} connections "
          f"({time.monotonic() - started:.0f} s); API CPU per request:")  # fmt: skip
    for name, micros in results.items():
        print(f"  {name:26} {micros:7.0f} µs")


if __name__ == "__main__":
    main()
