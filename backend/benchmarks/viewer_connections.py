"""How many Redis connections one API process holds as its live viewers grow from 10 to 1,000.

Run: `make bench-connections` (or, from backend/, `python -m benchmarks.viewer_connections`).
Starts a private stack (Redis, PostgreSQL, simulator, one worker, one API; the abuse limits relaxed), signs in
as one guest, keeps ANSWERS answers of that guest streaming slowly, attaches N viewers to them (by the guest's
Bearer token) through the one API process, waits until every viewer has
received an event (so it is subscribed and live), then counts Redis connections by client name and
reads the API process's resident memory. Results go to docs/benchmarks/viewer-connections.md.
"""

import asyncio
import json
import os
import platform
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
from redis.asyncio import Redis

from app.core.config import Settings
from devstack.components import BACKEND_DIR, run_migrations, start_api, start_simulator, start_worker
from devstack.ports import free_port
from devstack.postgres_server import PrivatePostgres
from devstack.processes import Supervisor
from devstack.redis_server import PrivateRedis
from devstack.relaxed_limits import RELAXED_LIMITS
from devstack.scratch import scratch_dir

VIEWER_COUNTS = (10, 100, 1000)
ANSWERS = 20
RESULTS = BACKEND_DIR.parent / "docs" / "benchmarks" / "viewer-connections.md"


@dataclass(frozen=True)
class Measurement:
    viewers: int
    api_redis_connections: int
    api_pubsub_connections: int
    api_rss_mib: float
    redis_clients_total: int


async def _attach(client: httpx.AsyncClient, task_id: str, live: asyncio.Event, counter: list[int]) -> None:
    async with client.stream("GET", f"/stream/{task_id}") as response:
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                counter[0] += 1
                live.set()


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def _measure(
    api_url: str, headers: dict[str, str], redis_url: str, api_pid: int, task_ids: list[str], viewers: int
) -> Measurement:
    limits = httpx.Limits(max_connections=viewers + 10, max_keepalive_connections=viewers + 10)
    async with httpx.AsyncClient(base_url=api_url, headers=headers, limits=limits, timeout=None) as client:
        flags = [asyncio.Event() for _ in range(viewers)]
        counter = [0]
        tasks = [
            asyncio.create_task(_attach(client, task_ids[n % len(task_ids)], flags[n], counter)) for n in range(viewers)
        ]
        await asyncio.wait_for(asyncio.gather(*(flag.wait() for flag in flags)), timeout=120)
        redis = Redis.from_url(redis_url)
        clients = await redis.client_list()
        await redis.aclose()
        names = Counter(str(c.get("name", "")) for c in clients)
        measurement = Measurement(
            viewers=viewers,
            api_redis_connections=names["chat-api"],
            api_pubsub_connections=names["chat-api-hub"],
            api_rss_mib=round(_rss_mib(api_pid), 1),
            redis_clients_total=len(clients),
        )
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return measurement


async def _run(api_url: str, redis_url: str, api_pid: int) -> list[Measurement]:
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as client:
        # One guest owns every answer, by Bearer token: no cookie goes back (a cookie without an Origin is refused).
        signed_in = await client.post("/auth/guest")
        signed_in.raise_for_status()
        client.cookies.clear()
        headers = {"Authorization": f"Bearer {signed_in.json()['token']}"}
        client.headers.update(headers)
        task_ids = []
        for n in range(ANSWERS):
            conversation = (await client.post("/conversations", json={"title": f"bench {n}"})).json()
            sent = await client.post(
                f"/conversations/{conversation['id']}/messages",
                json={"content": f"[sim tokens=100000 tps=5 ttft_ms=0 reasoning_tokens=0] viewer benchmark {n}"},
            )
            sent.raise_for_status()
            task_ids.append(sent.json()["task_id"])
        results = []
        for viewers in VIEWER_COUNTS:
            results.append(await _measure(api_url, headers, redis_url, api_pid, task_ids, viewers))
            print(json.dumps(asdict(results[-1])), flush=True)
            await asyncio.sleep(1)  # let the API drop the closed viewers before the next round
        for task_id in task_ids:
            await client.post(f"/stream/{task_id}/cancel")
    return results


def _write_report(results: list[Measurement], seconds: float) -> None:
    pool_size = Settings().redis_pool_size
    columns = ("viewers", "api_redis_connections", "api_pubsub_connections", "api_rss_mib", "redis_clients_total")
    rows = "\n".join("| " + " | ".join(f"{getattr(m, c):,}" for c in columns) + " |" for m in results)
    growth = (results[-1].api_rss_mib - results[0].api_rss_mib) * 1024 / (results[-1].viewers - results[0].viewers)
    RESULTS.write_text(
        f"""# Redis connections of one API process, by number of live viewers

Produced by `make bench-connections` ({time.strftime("%Y-%m-%d")}, {os.cpu_count()} cores,
Python {platform.python_version()}, {seconds:.0f} s). Every component ran on this one machine: a private
Redis and PostgreSQL, the simulator, one Celery worker and one API process. {ANSWERS} answers of one guest
streamed at 5 tokens/s while N viewers (that guest, by Bearer token) were attached to them through the API; each
count was taken once every viewer had received at least one event.

| viewers | API pool conns (`chat-api`) | API pub/sub conns (`chat-api-hub`) | API RSS (MiB) | Redis clients |
|---:|---:|---:|---:|---:|
{rows}

The pub/sub connection stays one, whatever the number of viewers: every viewer is a bounded queue in
the process, fed by that one connection. Command connections (backlog reads when viewers attach) come
from a blocking pool of `REDIS_POOL_SIZE` ({pool_size}) connections: a burst of attaching viewers waits a
moment for a free one instead of opening more, so the count reaches the pool size and stays there. Resident
memory grew by about {growth:.0f} KiB per additional viewer between {results[0].viewers} and
{results[-1].viewers} viewers (HTTP connection, SSE response and feed; a rough figure, resident memory
includes allocator slack). "Redis clients" also counts the worker, Celery and this script.
"""
    )


def main() -> None:
    started = time.monotonic()
    with scratch_dir("bench-connections-") as root:
        redis = PrivateRedis(root / "redis", free_port())
        postgres = PrivatePostgres(root / "postgres", free_port(), durable=False)
        with redis, postgres, Supervisor(root / "logs") as supervisor:
            env = {**os.environ, "REDIS_URL": redis.url, "DATABASE_URL": postgres.url, "PYTHONUNBUFFERED": "1"}
            env |= RELAXED_LIMITS
            env.pop("OPENAI_API_KEY", None)
            run_migrations(supervisor, env)
            env["SIMULATOR_URL"] = start_simulator(supervisor, env, free_port())
            start_worker(supervisor, env, concurrency=ANSWERS + 4)
            api_url = start_api(supervisor, env, free_port(), access_log=False)
            api_pid = supervisor.child("api").pid
            results = asyncio.run(_run(api_url, redis.url, api_pid))
    _write_report(results, time.monotonic() - started)
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
