"""Structured logs for the API and the worker: one JSON object per line in production, readable lines in `make dev`.

Every logger stays a stdlib one (``logging.getLogger(__name__)``, uvicorn's, Celery's): the root logger's one
handler renders their records through structlog's ProcessorFormatter, which adds the time, level, logger name and
whatever context is bound (below). So a library's lines come out in the same format as ours.

Context: ``request_id`` (the API request an answer came from, taken from ``X-Request-ID`` or made up, see
app/api/request_id.py) and ``task_id`` (the answer) are context variables, added to every line logged where they are
bound. Context variables follow asyncio tasks (a task starts with a copy of its creator's), so a value bound in a
request's task reaches every line of that request, and one bound around an answer reaches the tasks it starts. The
request id also goes with every Celery task queued from its context (app/worker/dispatch.py), so that the worker's
lines for an answer carry the id of the request that asked for it.
"""

import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import structlog
from structlog.contextvars import (
    bind_contextvars,
    bound_contextvars,
    clear_contextvars,
    get_contextvars,
    merge_contextvars,
)
from structlog.typing import EventDict, Processor

from app.core.config import LogFormat, get_settings

REQUEST_ID = "request_id"
TASK_ID = "task_id"

# An incoming X-Request-ID is kept when it looks like an id (a UUID, a load balancer's trace id, base64): bounded, so a
# client cannot bloat every line, and of characters that need no escaping anywhere the id is pasted (a shell, jq).
_REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:+/=-]{1,128}")


def valid_request_id(value: str) -> bool:
    return _REQUEST_ID_PATTERN.fullmatch(value) is not None


def _without_none(values: dict[str, str | None]) -> dict[str, str]:
    return {key: value for key, value in values.items() if value is not None}


def bind(*, request_id: str | None = None, task_id: str | None = None) -> None:
    """Bind to the rest of the current asyncio task: for an API request, which uvicorn runs in a task of its own, so
    the binding ends with the request and still covers the lines the server writes after the application (its
    access line, its report of an unhandled error)."""
    bind_contextvars(**_without_none({REQUEST_ID: request_id, TASK_ID: task_id}))


@contextmanager
def bound(*, request_id: str | None = None, task_id: str | None = None) -> Iterator[None]:
    """Bound while the block runs, as it was afterwards: for work that shares its task or thread with other work (a
    Celery pool thread, an answer on the worker's loop)."""
    with bound_contextvars(**_without_none({REQUEST_ID: request_id, TASK_ID: task_id})):
        yield


def clear() -> None:
    """Unbind everything bound in the current context: at the end of a Celery task, in the pool thread it ran in."""
    clear_contextvars()


def current_request_id() -> str | None:
    value = get_contextvars().get(REQUEST_ID)
    return value if isinstance(value, str) else None


def _celery_task_id(_: object, __: str, event: EventDict) -> EventDict:
    # Celery's own lines about a task it has not started yet (received) are written outside the task's context, but
    # hand the task's fields, its id among them, to the record as `data`.
    record = event.get("_record")
    if TASK_ID not in event and isinstance(record, logging.LogRecord) and record.name.startswith("celery."):
        data = getattr(record, "data", None)
        if isinstance(data, Mapping) and isinstance(data.get("id"), str):
            event[TASK_ID] = data["id"]
    return event


def _shared_processors() -> list[Processor]:
    # Run for every record, ours and the libraries' alike.
    return [
        merge_contextvars,
        _celery_task_id,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
    ]


# The fields first in a JSON line, in this order: lines then sort by time as plain text, and read alike.
_FIRST_FIELDS = ("timestamp", "level", "logger", "event", REQUEST_ID, TASK_ID)


def _in_reading_order(_: object, __: str, event: EventDict) -> EventDict:
    first = {key: event.pop(key) for key in _FIRST_FIELDS if key in event}
    return {**first, **event}


def _renderers(log_format: LogFormat) -> list[Processor]:
    if log_format is LogFormat.JSON:
        # The traceback as one string field, so that a multi-line exception stays within its line.
        return [structlog.processors.format_exc_info, _in_reading_order, structlog.processors.JSONRenderer()]
    return [
        # Uncoloured: `make dev` reads its children's output through a pipe into log files as well as the terminal.
        structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback),
    ]


def formatter(log_format: LogFormat) -> logging.Formatter:
    """The formatter of the root logger's handler: records in, lines out."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *_renderers(log_format)],
    )


def configure_logging(log_format: LogFormat, level: str) -> None:
    """Route every logger of the process through one stderr handler with the chosen format. Safe to call again."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(log_format))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # uvicorn configures its loggers before it imports the application: those with handlers of their own, which do not
    # propagate, would write uvicorn's format. Handed to the root instead; their levels stay uvicorn's (--log-level).
    # One without handlers is left as it is: uvicorn.error propagates anyway, and uvicorn.access has none under
    # --no-access-log, which uvicorn reads as "no access log" (hasHandlers()), so it must not reach the root's.
    for name in ("uvicorn", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        if uvicorn_logger.handlers:
            uvicorn_logger.handlers.clear()
            uvicorn_logger.propagate = True
    logging.captureWarnings(True)
    # The model client's HTTP library says "HTTP Request: POST …" at INFO for every answer: what "answer … started"
    # says already, at about 40 µs a line. Its warnings and errors still come through; LOG_LEVEL=DEBUG shows all.
    logging.getLogger("httpx2").setLevel(level if level.upper() == "DEBUG" else logging.WARNING)
    # structlog's own loggers, should code use them, go through the same handler.
    structlog.configure(
        processors=[*_shared_processors(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def configure_from_settings() -> None:
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
