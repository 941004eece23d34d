"""The Celery application: Redis broker, no result backend (results travel through Redis streams)."""

from typing import Any

from celery import Celery
from celery.signals import worker_process_shutdown, worker_shutdown

from app.core.config import get_settings
from app.worker.runtime import close_runtime

celery_app = Celery("chat", broker=get_settings().broker_url, include=["app.worker.tasks"])
celery_app.conf.update(
    task_ignore_result=True,
    # Each worker takes one task per free slot, so a busy worker does not hoard queued answers.
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    task_serializer="json",
    accept_content=["json"],
)


@worker_shutdown.connect
@worker_process_shutdown.connect
def _close_runtime(**_: Any) -> None:
    close_runtime()
