"""Celery tasks: thin wrappers that hand the work to the service layer on the runtime's loop."""

import uuid

from app.worker.celery_app import celery_app
from app.worker.runtime import get_runtime

GENERATE_ANSWER = "chat.generate_answer"


@celery_app.task(name=GENERATE_ANSWER)
def generate_answer(message_id: str) -> None:
    runtime = get_runtime()
    runtime.run(runtime.generation.generate(uuid.UUID(message_id)))
