"""Queues work on the Celery broker from async code without blocking the event loop."""

import uuid
from functools import partial

import anyio.to_thread

from app.worker.celery_app import GENERATE_ANSWER, TITLE_CONVERSATION, celery_app


async def enqueue_generation(message_id: uuid.UUID, task_id: str) -> None:
    await _send(GENERATE_ANSWER, str(message_id), task_id=task_id)


async def enqueue_title(conversation_id: uuid.UUID) -> None:
    await _send(TITLE_CONVERSATION, str(conversation_id))


async def _send(task_name: str, argument: str, task_id: str | None = None) -> None:
    # kombu's publish is blocking I/O; it runs on a worker thread so the event loop keeps serving.
    send = partial(celery_app.send_task, task_name, args=[argument], task_id=task_id)
    await anyio.to_thread.run_sync(send)
