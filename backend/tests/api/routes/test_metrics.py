"""GET /metrics on a real API process: behind METRICS_TOKEN when set, open otherwise, left out of the OpenAPI document;
and what a real answer, a refused request and a queue of tasks do to the API's metrics, read as Prometheus reads
them."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest
from redis.asyncio import Redis

from app.core.metrics import UNAUTHORIZED_DETAIL
from tests.api.own_api import client_from, fresh_address, own_api
from tests.api_client import create_conversation, send_message, start_guest
from tests.conftest import Stack
from tests.metrics_scrape import Samples, moved, parse, scrape, value
from tests.metrics_stack import METRICS_TOKEN, MetricsStack, metrics_stack
from tests.sse_client import SseEvent, iter_events

# Few enough that the third guest session from one address is refused.
GUESTS_PER_ADDRESS = 2


@pytest.fixture(scope="module")
def own(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MetricsStack]:
    logs = tmp_path_factory.mktemp("metrics-route-logs")
    with metrics_stack(stack, logs, database=2, RATE_LIMIT_GUESTS_PER_IP=f"{GUESTS_PER_ADDRESS}/hour") as running:
        yield running


@pytest.fixture
async def guest(own: MetricsStack) -> AsyncIterator[httpx.AsyncClient]:
    async with client_from(own.api_url, fresh_address()) as client:
        await start_guest(client)
        yield client


async def _scrape(own: MetricsStack) -> Samples:
    return await scrape(own.metrics_url, METRICS_TOKEN)


async def _until(own: MetricsStack, condition: Callable[[Samples], bool], what: str) -> Samples:
    """The API's metrics once ``condition`` holds: a stream's own bookkeeping ends just after its last byte."""
    for _ in range(200):
        samples = await _scrape(own)
        if condition(samples):
            return samples
        await asyncio.sleep(0.05)
    raise AssertionError(f"the API's metrics never showed {what}")


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong-token", f"Basic {METRICS_TOKEN}", f"Bearer {METRICS_TOKEN}x"]
)
async def test_metrics_refuse_a_request_without_the_token(own: MetricsStack, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.get(own.metrics_url, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": UNAUTHORIZED_DETAIL}
    assert response.headers["www-authenticate"] == "Bearer"
    assert "chat_viewers" not in response.text


async def test_metrics_are_served_with_the_token(own: MetricsStack) -> None:
    samples = await _scrape(own)
    assert ("chat_viewers", ()) in samples
    assert ("chat_celery_queue_length", ()) in samples
    # Bound at startup, so exported before the first refusal.
    assert ("chat_rate_limit_refusals_total", (("limit", "guests-ip"),)) in samples


async def test_metrics_are_open_without_a_token_and_left_out_of_the_schema(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as client:
        response = await client.get("/metrics")
        schema = (await client.get("/openapi.json")).json()
    assert response.status_code == 200
    assert ("chat_events_delivered_total", ()) in parse(response.text)
    assert "/metrics" not in schema["paths"]


async def test_an_answer_moves_the_viewer_gauge_and_the_delivery_metrics(
    own: MetricsStack, guest: httpx.AsyncClient
) -> None:
    before = await _scrape(own)
    assert value(before, "chat_viewers") == 0
    conversation_id = await create_conversation(guest, "metrics")
    # Long enough to still be generating when it is stopped.
    accepted = await send_message(guest, conversation_id, f"[sim tokens=100000 tps=50] {uuid.uuid4()}")
    task_id = accepted["task_id"]
    events: list[SseEvent] = []
    async with guest.stream("GET", f"/stream/{task_id}") as response:
        async for event in iter_events(response):
            events.append(event)
            if len(events) == 1:
                attached = await _scrape(own)
                assert value(attached, "chat_viewers") == 1
                assert (await guest.post(f"/stream/{task_id}/cancel")).status_code == 202
            if event.is_terminal:
                break
    assert events[-1].data == {"done": True, "status": "cancelled"}
    after = await _until(own, lambda samples: value(samples, "chat_viewers") == 0, "the viewer gone")
    assert moved(before, after, "chat_events_delivered_total") == len(events)
    # Every event came from Redis, with its append time: each one is in the latency histogram.
    assert moved(before, after, "chat_delivery_latency_seconds_count") == len(events)
    assert moved(before, after, "chat_delivery_latency_seconds_bucket", le="+Inf") == len(events)
    assert moved(before, after, "chat_delivery_latency_seconds_sum") >= 0


async def test_two_viewers_count_each_event_twice(own: MetricsStack, guest: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(guest, "metrics")
    accepted = await send_message(guest, conversation_id, f"[sim tokens=6 reasoning_tokens=2] {uuid.uuid4()}")
    task_id = accepted["task_id"]

    async def read_all() -> int:
        async with guest.stream("GET", f"/stream/{task_id}") as response:
            return len([event async for event in iter_events(response)])

    before = await _scrape(own)
    first = await read_all()
    second = await read_all()
    after = await _until(own, lambda samples: value(samples, "chat_viewers") == 0, "the viewers gone")
    assert first == second
    assert moved(before, after, "chat_events_delivered_total") == first + second


async def test_a_refused_guest_session_counts_as_a_refusal_of_its_limit(own: MetricsStack) -> None:
    before = await _scrape(own)
    async with client_from(own.api_url, fresh_address()) as client:
        statuses = [(await client.post("/auth/guest")).status_code for _ in range(GUESTS_PER_ADDRESS + 1)]
    assert statuses == [201] * GUESTS_PER_ADDRESS + [429]
    after = await _scrape(own)
    assert moved(before, after, "chat_rate_limit_refusals_total", limit="guests-ip") == 1
    assert moved(before, after, "chat_rate_limit_refusals_total", limit="sends-ip") == 0


async def test_the_queue_length_is_read_from_the_broker_at_each_scrape(
    stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # A broker of its own that no worker consumes, so that what is queued there stays.
    broker_url = f"{stack.redis_url.rpartition('/')[0]}/9"
    broker = Redis.from_url(broker_url)
    await broker.delete("celery")
    try:
        settings = {"CELERY_BROKER_URL": broker_url}
        with own_api(stack, tmp_path_factory.mktemp("queue-length-logs"), "queue-length-api", settings) as url:
            empty = await scrape(f"{url}/metrics")
            await broker.lpush("celery", "a", "b", "c")
            queued = await scrape(f"{url}/metrics")
    finally:
        await broker.delete("celery")
        await broker.aclose()
    assert value(empty, "chat_celery_queue_length") == 0
    assert value(queued, "chat_celery_queue_length") == 3
