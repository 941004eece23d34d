"""Celery tasks: thin wrappers that hand the work to the service layer on the runtime's loop."""

import uuid
from typing import Any

from celery.signals import worker_process_shutdown, worker_shutdown

from app.worker.celery_app import GENERATE_ANSWER, TITLE_CONVERSATION, celery_app
from app.worker.runtime import close_runtime, get_runtime


@celery_app.task(name=GENERATE_ANSWER)
def generate_answer(message_id: str) -> None:
    runtime = get_runtime()
    runtime.run(runtime.generation.generate(uuid.UUID(message_id)))


@celery_app.task(name=TITLE_CONVERSATION)
def title_conversation(conversation_id: str) -> None:
    runtime = get_runtime()
    runtime.run(runtime.titles.title(uuid.UUID(conversation_id)))


@worker_shutdown.connect
@worker_process_shutdown.connect
def _close_runtime(**_: Any) -> None:
    close_runtime()
