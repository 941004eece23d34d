"""The Celery application: Redis broker, no result backend (results travel through Redis streams)."""

from celery import Celery

from app.core.config import get_settings

GENERATE_ANSWER = "chat.generate_answer"
TITLE_CONVERSATION = "chat.title_conversation"

_settings = get_settings()
celery_app = Celery("chat", broker=_settings.broker_url, include=["app.worker.tasks"])
celery_app.conf.update(
    # For Flower's task views (CELERY_TASK_EVENTS); `celery inspect` and Flower's worker views need none.
    worker_send_task_events=_settings.celery_task_events,
    task_ignore_result=True,
    # Each worker takes one task per free slot, so a busy worker does not hoard queued answers.
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    task_serializer="json",
    accept_content=["json"],
)
