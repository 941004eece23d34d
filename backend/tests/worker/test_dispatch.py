import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from celery import Celery
from redis import Redis as SyncRedis
from redis.asyncio import Redis

from app.core import logs
from app.worker.celery_app import GENERATE_ANSWER, REQUEST_ID_HEADER, TITLE_CONVERSATION
from app.worker.dispatch import TaskQueue


@pytest.fixture
def broker_url(redis_url: str) -> str:
    # A database of its own, so that the queue holds only this test's messages.
    return redis_url.rsplit("/", 1)[0] + "/9"


@pytest.fixture
def app(broker_url: str) -> Celery:
    return Celery("dispatch-test", broker=broker_url, task_serializer="json")


@pytest.fixture
async def queue(app: Celery, broker_url: str) -> AsyncIterator[TaskQueue]:
    broker = Redis.from_url(broker_url)
    await broker.flushdb()
    yield TaskQueue(broker, app)
    await broker.flushdb()
    await broker.aclose()


def _pop(broker_url: str, queue_name: str) -> dict[str, Any]:
    with SyncRedis.from_url(broker_url) as redis:
        raw = redis.rpop(queue_name)
        assert isinstance(raw, bytes), f"nothing on queue {queue_name!r}"
        message: dict[str, Any] = json.loads(raw)
        return message


async def test_messages_are_the_ones_kombu_publishes(app: Celery, queue: TaskQueue, broker_url: str) -> None:
    task_id = str(uuid.uuid4())
    message_id = str(uuid.uuid4())
    app.send_task(GENERATE_ANSWER, args=[message_id], task_id=task_id)
    kombus = _pop(broker_url, app.conf.task_default_queue)
    await queue.enqueue_generation(uuid.UUID(message_id), task_id)
    ours = _pop(broker_url, app.conf.task_default_queue)

    # Each publish draws a fresh delivery tag; everything else must match, body included.
    assert ours["properties"].pop("delivery_tag") != kombus["properties"].pop("delivery_tag")
    assert ours == kombus


async def test_a_task_without_an_id_gets_a_fresh_one(app: Celery, queue: TaskQueue, broker_url: str) -> None:
    conversation_id = uuid.uuid4()
    await queue.enqueue_title(conversation_id)
    await queue.enqueue_title(conversation_id)
    first, second = (_pop(broker_url, app.conf.task_default_queue)["headers"] for _ in range(2))
    assert first["task"] == second["task"] == TITLE_CONVERSATION
    assert first["argsrepr"] == repr([str(conversation_id)])
    assert first["id"] != second["id"]


async def test_a_task_queued_within_a_request_carries_its_id_as_kombu_would(
    app: Celery, queue: TaskQueue, broker_url: str
) -> None:
    task_id = str(uuid.uuid4())
    message_id = str(uuid.uuid4())
    app.send_task(GENERATE_ANSWER, args=[message_id], task_id=task_id, headers={REQUEST_ID_HEADER: "req-1"})
    kombus = _pop(broker_url, app.conf.task_default_queue)
    with logs.bound(request_id="req-1"):
        await queue.enqueue_generation(uuid.UUID(message_id), task_id)
    ours = _pop(broker_url, app.conf.task_default_queue)

    assert ours["headers"][REQUEST_ID_HEADER] == "req-1"
    assert ours["properties"].pop("delivery_tag") != kombus["properties"].pop("delivery_tag")
    assert ours == kombus


async def test_a_task_queued_outside_any_request_carries_no_request_id(
    app: Celery, queue: TaskQueue, broker_url: str
) -> None:
    await queue.enqueue_title(uuid.uuid4())
    assert REQUEST_ID_HEADER not in _pop(broker_url, app.conf.task_default_queue)["headers"]
