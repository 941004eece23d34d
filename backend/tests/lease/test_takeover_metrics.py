"""Takeovers and lease expiries as the workers count them: a worker killed mid-answer (its lease runs out) and a worker
shut down mid-answer (it hands the answer over, no lease runs out), each taken over by another real worker process."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import cast

import httpx
import pytest
from redis.asyncio import Redis

from app.core import redis_keys
from tests.api.own_api import client_from, fresh_address
from tests.api_client import create_conversation, send_message, start_guest
from tests.conftest import Stack
from tests.metrics_scrape import scrape, value
from tests.metrics_stack import METRICS_TOKEN, MetricsStack, Worker, metrics_stack
from tests.sse_client import iter_events

# Short, so that a killed worker's answer is taken over within the test.
LEASE_SECONDS = "2"


@pytest.fixture(scope="module")
def own(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MetricsStack]:
    logs = tmp_path_factory.mktemp("takeover-metrics-logs")
    settings = {"LEASE_SECONDS": LEASE_SECONDS, "WORKER_SHUTDOWN_GRACE_SECONDS": "0"}
    # One worker lost per test, and still two left for the second.
    with metrics_stack(stack, logs, database=4, workers=3, **settings) as running:
        yield running


@pytest.fixture
async def guest(own: MetricsStack) -> AsyncIterator[httpx.AsyncClient]:
    async with client_from(own.api_url, fresh_address()) as client:
        await start_guest(client)
        yield client


async def _counts(workers: list[Worker]) -> tuple[float, float]:
    """Takeovers and lease expiries summed over ``workers``, as a PromQL sum() over their scrapes."""
    scrapes = [await scrape(worker.metrics_url, METRICS_TOKEN) for worker in workers]
    return (
        sum(value(samples, "chat_takeovers_total") for samples in scrapes),
        sum(value(samples, "chat_lease_expiries_total") for samples in scrapes),
    )


async def _until(workers: list[Worker], condition: Callable[[float, float], bool], what: str) -> tuple[float, float]:
    for _ in range(400):
        counts = await _counts(workers)
        if condition(*counts):
            return counts
        await asyncio.sleep(0.05)
    raise AssertionError(f"the workers' metrics never showed {what}")


async def _streaming_on(own: MetricsStack, guest: httpx.AsyncClient) -> tuple[str, Worker]:
    """A long answer, once it is streaming, and the worker generating it."""
    conversation_id = await create_conversation(guest, "metrics")
    accepted = await send_message(guest, conversation_id, f"[sim tokens=100000 tps=50] {uuid.uuid4()}")
    task_id: str = accepted["task_id"]
    async with guest.stream("GET", f"/stream/{task_id}") as response:
        async for _ in iter_events(response):
            break
    redis = Redis.from_url(own.redis_url)
    try:
        owner = cast("bytes", await redis.hget(redis_keys.lease_key(task_id), "owner")).decode()
    finally:
        await redis.aclose()
    pid = int(owner.rpartition(":")[2])
    return task_id, next(worker for worker in own.workers if worker.process.pid == pid)


def _alive(own: MetricsStack) -> list[Worker]:
    return [worker for worker in own.workers if worker.process.poll() is None]


async def test_a_killed_workers_answer_is_a_takeover_of_an_expired_lease(
    own: MetricsStack, guest: httpx.AsyncClient
) -> None:
    task_id, holder = await _streaming_on(own, guest)
    others = [worker for worker in _alive(own) if worker is not holder]
    takeovers, expiries = await _counts(others)
    holder.process.kill()
    holder.process.wait(timeout=30)
    after = await _until(others, lambda t, _: t == takeovers + 1, "the takeover")
    assert after == (takeovers + 1, expiries + 1)
    assert (await guest.post(f"/stream/{task_id}/cancel")).status_code == 202


async def test_an_answer_handed_over_at_shutdown_is_a_takeover_but_no_expiry(
    own: MetricsStack, guest: httpx.AsyncClient
) -> None:
    task_id, holder = await _streaming_on(own, guest)
    others = [worker for worker in _alive(own) if worker is not holder]
    takeovers, expiries = await _counts(others)
    # SIGTERM, with no grace: the answer is handed over at once.
    holder.process.stop()
    after = await _until(others, lambda t, _: t == takeovers + 1, "the takeover")
    assert after == (takeovers + 1, expiries)
    assert (await guest.post(f"/stream/{task_id}/cancel")).status_code == 202
