"""Celery tasks: thin wrappers that hand the work to the service layer on the runtime's loop."""

import uuid
from typing import Any

from celery import Task
from celery.signals import worker_process_shutdown, worker_ready, worker_shutdown, worker_shutting_down

from app.worker.celery_app import GENERATE_ANSWER, TITLE_CONVERSATION, celery_app
from app.worker.runtime import close_runtime, get_runtime, shutdown_runtime


# The task id is the answer's: its lease, stream and row are found by it. The argument, the assistant message's
# id, stays in the message for tasks queued before the lease existed and for operators reading the queue.
@celery_app.task(name=GENERATE_ANSWER, bind=True)
def generate_answer(self: Task[[str], None], _message_id: str) -> None:
    runtime = get_runtime()
    task_id = self.request.id
    assert task_id is not None
    runtime.run(runtime.generation.take(task_id))


@celery_app.task(name=TITLE_CONVERSATION)
def title_conversation(conversation_id: str) -> None:
    runtime = get_runtime()
    runtime.run_chore(runtime.titles.title(uuid.UUID(conversation_id)))


@worker_ready.connect
def _start_runtime(**_: Any) -> None:
    # At once, not at the first task: a worker also takes over other workers' answers, queued tasks or none.
    get_runtime()


@worker_shutting_down.connect
def _begin_shutdown(**_: Any) -> None:
    # SIGTERM: Celery stops taking tasks and waits for the running ones, which the runtime bounds.
    shutdown_runtime()


@worker_shutdown.connect
@worker_process_shutdown.connect
def _close_runtime(**_: Any) -> None:
    close_runtime()
