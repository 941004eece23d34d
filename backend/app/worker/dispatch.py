"""Queues generations on the Celery broker from async code without blocking the event loop."""

import uuid
from functools import partial

import anyio.to_thread

from app.worker.celery_app import celery_app
from app.worker.tasks import GENERATE_ANSWER


async def enqueue_generation(message_id: uuid.UUID, task_id: str) -> None:
    # kombu's publish is blocking I/O; it runs on a worker thread so the API's loop keeps serving.
    send = partial(celery_app.send_task, GENERATE_ANSWER, args=[str(message_id)], task_id=task_id)
    await anyio.to_thread.run_sync(send)
