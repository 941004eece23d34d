"""Queues Celery tasks on the Redis broker from async code: one LPUSH on the caller's event loop.

Celery's send_task publishes through kombu's blocking Redis client, so async code has to hand it to a worker
thread per message. At a burst of new answers those thread hops, and the GIL handoffs they bring, cost the
API a tenth of its CPU. Here Celery still builds the task message (protocol 2: headers, properties, body);
this module does only what kombu's Redis transport then does to deliver it to a queue: wrap it in kombu's
envelope and push it onto the queue's list. tests/worker/test_dispatch.py checks the result against the
message kombu itself publishes, and every end-to-end test has the worker consume these.

A task queued where a request id is bound (app/core/logs.py) carries it in its message headers, as send_task's
``headers=`` would put it, for the worker to bind around the task (app/worker/celery_app.py).
"""

import base64
import json
import uuid
from typing import Any

from celery import Celery
from kombu.serialization import dumps
from redis.asyncio import Redis

from app.core import logs
from app.worker.celery_app import GENERATE_ANSWER, REQUEST_ID_HEADER, TITLE_CONVERSATION

# kombu's AMQP-style properties of a persistent message to the default exchange: the routing key names the queue.
_PERSISTENT = 2
_DEFAULT_EXCHANGE = ""


class TaskQueue:
    def __init__(self, broker: Redis, app: Celery) -> None:
        self._broker = broker
        self._app = app
        # Read once: Celery's settings are a chain of mappings, a lookup each time.
        self._queue: str = app.conf.task_default_queue
        self._serializer: str = app.conf.task_serializer

    async def enqueue_generation(self, message_id: uuid.UUID, task_id: str) -> None:
        await self.send(GENERATE_ANSWER, str(message_id), task_id=task_id)

    async def enqueue_title(self, conversation_id: uuid.UUID) -> None:
        await self.send(TITLE_CONVERSATION, str(conversation_id))

    async def length(self) -> int:
        """Tasks waiting in the queue, not yet taken by a worker (a taken one leaves the list at once)."""
        return int(await self._broker.llen(self._queue))

    async def send(self, task_name: str, argument: str, task_id: str | None = None) -> None:
        await self._broker.lpush(
            self._queue, json.dumps(self.envelope(task_name, argument, task_id or str(uuid.uuid4())))
        )

    def envelope(self, task_name: str, argument: str, task_id: str) -> dict[str, Any]:
        # As send_task passes them (its types differ from the stubs'), so that the message is the same.
        as_send_task_does: dict[str, Any] = {"args": [argument], "ignore_result": None}
        headers, properties, body, _ = self._app.amqp.as_task_v2(
            task_id, task_name, reply_to=self._app.thread_oid, **as_send_task_does
        )
        request_id = logs.current_request_id()
        if request_id is not None:
            headers[REQUEST_ID_HEADER] = request_id
        content_type, content_encoding, payload = dumps(body, serializer=self._serializer)
        data = payload.encode(content_encoding) if isinstance(payload, str) else payload
        return {
            "body": base64.b64encode(data).decode(),
            "content-encoding": content_encoding,
            "content-type": content_type,
            "headers": headers,
            "properties": {
                **properties,
                "delivery_mode": _PERSISTENT,
                "delivery_info": {"exchange": _DEFAULT_EXCHANGE, "routing_key": self._queue},
                "priority": 0,
                "body_encoding": "base64",
                "delivery_tag": str(uuid.uuid4()),
            },
        }
