"""The Celery application: Redis broker, no result backend (results travel through Redis streams)."""

from typing import Any

from celery import Celery, Task
from celery.signals import celeryd_init, setup_logging, task_postrun, task_prerun

from app.core import logs
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
    # No redelivery bookkeeping in Redis: kombu's ack emulation writes each message to an "unacked" hash at delivery
    # and deletes it at the ack, a MULTI/EXEC each (a tenth of a worker's CPU per answer), to redeliver it an hour
    # later. Tasks are acknowledged as they start, and an answer whose task was lost before it started is queued
    # again by the sweep (app/lease/sweeper.py) within 40 s: the bookkeeping bought nothing.
    broker_transport_options={"ack_emulation": False},
    broker_connection_retry_on_startup=True,
    task_serializer="json",
    accept_content=["json"],
)

# The message header that carries the id of the request a task was queued from (app/worker/dispatch.py); Celery makes
# every header an attribute of the task's request.
REQUEST_ID_HEADER = logs.REQUEST_ID


@celeryd_init.connect
@setup_logging.connect
def _configure_logging(**_: Any) -> None:
    # Connected to setup_logging, this replaces Celery's own logging setup (its handler on the root logger, stdout
    # redirected into it): the worker's lines, Celery's among them, come out as the API's do. LOG_LEVEL applies;
    # --loglevel does not. celeryd_init comes earlier, so that the warnings of the worker's start (such as running as
    # root) are log lines too.
    logs.configure_from_settings()


@task_prerun.connect
def _bind_task(task_id: str, task: Task[..., object], **_: Any) -> None:
    # In the pool thread, for the whole task: Celery's own lines about it (its "succeeded" line is written before
    # task_postrun) as well as ours, which WorkerRuntime.run carries onto the worker's loop. A pool thread runs one
    # task at a time, so the thread's context is the task's until postrun clears it.
    request_id = task.request.get(REQUEST_ID_HEADER)
    well_formed = isinstance(request_id, str) and logs.valid_request_id(request_id)
    logs.bind(task_id=task_id, request_id=request_id if well_formed else None)


@task_postrun.connect
def _unbind_task(**_: Any) -> None:
    logs.clear()
