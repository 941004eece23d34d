"""Each Celery worker process serves its own metrics on WORKER_METRICS_PORT: a real worker, real answers through the
real API and simulator, read as Prometheus reads them; and Celery's remote control (`celery inspect`) reaches it."""

import asyncio
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest

from app.core.metrics import UNAUTHORIZED_DETAIL
from devstack.components import BACKEND_DIR
from tests.api.own_api import client_from, fresh_address
from tests.api_client import create_conversation, send_message, start_guest
from tests.conftest import Stack
from tests.metrics_scrape import Samples, moved, scrape, value
from tests.metrics_stack import METRICS_TOKEN, MetricsStack, metrics_stack
from tests.sse_client import SseEvent, iter_events, read_stream


@pytest.fixture(scope="module")
def own(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MetricsStack]:
    with metrics_stack(stack, tmp_path_factory.mktemp("worker-metrics-logs"), database=3) as running:
        yield running


@pytest.fixture
async def guest(own: MetricsStack) -> AsyncIterator[httpx.AsyncClient]:
    async with client_from(own.api_url, fresh_address()) as client:
        await start_guest(client)
        yield client


async def _scrape(own: MetricsStack) -> Samples:
    return await scrape(own.workers[0].metrics_url, METRICS_TOKEN)


async def _until(own: MetricsStack, condition: Callable[[Samples], bool], what: str) -> Samples:
    """The worker's metrics once ``condition`` holds: an answer is counted just after its terminal event."""
    for _ in range(200):
        samples = await _scrape(own)
        if condition(samples):
            return samples
        await asyncio.sleep(0.05)
    raise AssertionError(f"the worker's metrics never showed {what}")


async def _answer(guest: httpx.AsyncClient, directive: str) -> tuple[str, list[SseEvent]]:
    # A titled conversation: no title request, which would quote the directive and move the counters too.
    conversation_id = await create_conversation(guest, "metrics")
    # A prompt of its own: the simulator counts a `fail_times` failure per prompt.
    accepted = await send_message(guest, conversation_id, f"{directive} {uuid.uuid4()}")
    return accepted["task_id"], await read_stream(guest, accepted["task_id"])


def _ended(before: Samples, status: str) -> Callable[[Samples], bool]:
    return lambda samples: moved(before, samples, "chat_answers_total", status=status) == 1


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token"])
async def test_the_worker_endpoint_refuses_a_request_without_the_token(
    own: MetricsStack, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.get(own.workers[0].metrics_url, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": UNAUTHORIZED_DETAIL}
    assert "chat_answers_total" not in response.text


async def test_a_completed_answer_is_counted_with_its_events_and_first_token(
    own: MetricsStack, guest: httpx.AsyncClient
) -> None:
    before = await _scrape(own)
    _, events = await _answer(guest, "[sim tokens=5 reasoning_tokens=2]")
    assert events[-1].data == {"done": True, "status": "completed"}
    after = await _until(own, _ended(before, "completed"), "the answer completed")
    # Every event of the answer, the terminal one included, was appended by this worker, once.
    assert moved(before, after, "chat_events_appended_total") == len(events) == events[-1].id
    assert moved(before, after, "chat_time_to_first_token_seconds_count") == 1
    assert moved(before, after, "chat_answers_total", status="failed") == 0
    assert value(after, "chat_answers_streaming") == 0
    assert moved(before, after, "chat_takeovers_total") == 0


async def test_a_retried_server_error_counts_as_an_error_and_a_retry(
    own: MetricsStack, guest: httpx.AsyncClient
) -> None:
    before = await _scrape(own)
    _, events = await _answer(guest, "[sim tokens=3 fail=503 fail_times=1]")
    assert events[-1].data == {"done": True, "status": "completed"}
    after = await _until(own, _ended(before, "completed"), "the answer completed")
    assert moved(before, after, "chat_upstream_errors_total", kind="server_error") == 1
    assert moved(before, after, "chat_upstream_retries_total", kind="server_error") == 1


async def test_an_error_that_is_not_retried_fails_the_answer_and_counts_once(
    own: MetricsStack, guest: httpx.AsyncClient
) -> None:
    before = await _scrape(own)
    _, events = await _answer(guest, "[sim fail=401]")
    assert events[-1].data["status"] == "failed"
    after = await _until(own, _ended(before, "failed"), "the answer failed")
    assert moved(before, after, "chat_upstream_errors_total", kind="client_error") == 1
    assert moved(before, after, "chat_upstream_retries_total", kind="client_error") == 0
    # No first token, so no time to it.
    assert moved(before, after, "chat_time_to_first_token_seconds_count") == 0


async def test_an_answer_streaming_is_in_the_gauge_and_celery_inspect_sees_it(
    own: MetricsStack, guest: httpx.AsyncClient
) -> None:
    before = await _scrape(own)
    conversation_id = await create_conversation(guest, "metrics")
    accepted = await send_message(guest, conversation_id, f"[sim tokens=100000 tps=50] {uuid.uuid4()}")
    task_id = accepted["task_id"]
    async with guest.stream("GET", f"/stream/{task_id}") as response:
        async for _ in iter_events(response):
            break  # generating now
    streaming = await _scrape(own)
    active = await _inspect(own, "active")
    assert (await guest.post(f"/stream/{task_id}/cancel")).status_code == 202
    after = await _until(own, _ended(before, "cancelled"), "the answer cancelled")
    assert value(streaming, "chat_answers_streaming") == 1
    assert task_id in active
    assert value(after, "chat_answers_streaming") == 0


async def test_celery_inspect_ping_gets_the_workers_reply(own: MetricsStack) -> None:
    reply = await _inspect(own, "ping")
    assert f"{own.workers[0].process.name}@{socket.gethostname()}: OK" in reply
    assert "pong" in reply


async def _inspect(own: MetricsStack, command: str) -> str:
    """`celery -A app.worker.celery_app inspect <command>`, as an operator runs it, against the stack's worker."""
    node = f"{own.workers[0].process.name}@{socket.gethostname()}"
    argv = [sys.executable, "-m", "celery", "-A", "app.worker.celery_app", "inspect", command, "-d", node]
    done = await asyncio.to_thread(
        subprocess.run, [*argv, "--timeout", "10"], cwd=BACKEND_DIR, env=own.env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout
