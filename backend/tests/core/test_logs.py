"""The log format: the formatter's lines for each format, the context bound to them, and a whole process configured."""

import asyncio
import json
import logging
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import pytest

from app.core import logs
from app.core.config import LogFormat


def _record(name: str = "app.example", **extra: Any) -> logging.LogRecord:
    record = logging.LogRecord(name, logging.WARNING, __file__, 1, "answer %s: %d left", ("abc", 3), None)
    record.__dict__.update(extra)
    return record


def _failed_record() -> logging.LogRecord:
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError:
        return logging.LogRecord("app.example", logging.ERROR, __file__, 1, "it failed", (), sys.exc_info())


def test_a_json_line_has_the_fields_and_the_bound_context() -> None:
    with logs.bound(request_id="req-1", task_id="task-1"):
        line = logs.formatter(LogFormat.JSON).format(_record())
    record = json.loads(line)
    assert record["event"] == "answer abc: 3 left"
    assert record["level"] == "warning"
    assert record["logger"] == "app.example"
    assert (record["request_id"], record["task_id"]) == ("req-1", "task-1")
    assert datetime.fromisoformat(record["timestamp"]).utcoffset() == UTC.utcoffset(None)
    # In reading order, the time first: lines sort by time as text.
    assert list(record)[:6] == ["timestamp", "level", "logger", "event", "request_id", "task_id"]


def test_an_exception_is_one_string_field_on_one_line() -> None:
    line = logs.formatter(LogFormat.JSON).format(_failed_record())
    assert "\n" not in line
    record = json.loads(line)
    assert record["event"] == "it failed"
    assert isinstance(record["exception"], str)
    assert "ZeroDivisionError: division by zero" in record["exception"]


def test_outside_any_context_a_line_names_no_request_or_task() -> None:
    record = json.loads(logs.formatter(LogFormat.JSON).format(_record()))
    assert "request_id" not in record
    assert "task_id" not in record


def test_a_console_line_is_readable_not_json() -> None:
    with logs.bound(request_id="req-1", task_id="task-1"):
        line = logs.formatter(LogFormat.CONSOLE).format(_record())
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)
    assert "answer abc: 3 left" in line
    assert "request_id=req-1" in line
    assert "task_id=task-1" in line


def test_celerys_line_about_a_task_not_yet_started_gets_its_task_id() -> None:
    # As celery.worker.strategy logs "Task ...[id] received": the task's fields as the record's `data`.
    record = _record("celery.worker.strategy", data={"id": "celery-task", "name": "chat.generate_answer"})
    assert json.loads(logs.formatter(LogFormat.JSON).format(record))["task_id"] == "celery-task"
    # Anyone else's `data` is not taken for a task.
    other = _record("app.example", data={"id": "not-a-task"})
    assert "task_id" not in json.loads(logs.formatter(LogFormat.JSON).format(other))


def test_bound_ends_with_its_block() -> None:
    with logs.bound(request_id="outer"):
        with logs.bound(request_id="inner", task_id="t"):
            assert logs.current_request_id() == "inner"
        assert logs.current_request_id() == "outer"
        assert "task_id" not in json.loads(logs.formatter(LogFormat.JSON).format(_record()))
    assert logs.current_request_id() is None


async def test_bind_lasts_for_its_task_and_reaches_the_tasks_it_starts_only() -> None:
    async def request(request_id: str) -> tuple[str | None, str | None]:
        logs.bind(request_id=request_id)

        async def child() -> str | None:
            return logs.current_request_id()

        return logs.current_request_id(), await asyncio.create_task(child())

    results = await asyncio.gather(asyncio.create_task(request("a")), asyncio.create_task(request("b")))
    assert list(results) == [("a", "a"), ("b", "b")]
    assert logs.current_request_id() is None


@pytest.mark.parametrize(
    "value",
    ["0f8fad5b-d9cb-469f-a165-70867728950e", "Root=1-67891233-abcdef012345678912345678", "a", "x" * 128, "YWJj+/=="],
)
def test_request_ids_that_are_kept(value: str) -> None:
    assert logs.valid_request_id(value)


@pytest.mark.parametrize("value", ["", "x" * 129, "has space", "new\nline", "é", 'quote"', "a;b", "a\x00"])
def test_request_ids_that_are_replaced(value: str) -> None:
    assert not logs.valid_request_id(value)


_PROCESS = """
import logging, warnings
from app.core.logs import bound, configure_logging
from app.core.config import LogFormat
import uvicorn.config, logging.config
# As uvicorn does before it imports the application: loggers of its own, with their own handlers.
logging.config.dictConfig(uvicorn.config.LOGGING_CONFIG)
configure_logging(LogFormat(FORMAT), "INFO")
with bound(request_id="req-9", task_id="task-9"):
    logging.getLogger("app.anything").info("ours")
    logging.getLogger("uvicorn.access").info("%s - %s", "client", "GET /")
    logging.getLogger("uvicorn.error").info("the server's")
    logging.getLogger("celery.worker").warning("celery's")
    warnings.warn("a warning")
logging.getLogger("app.anything").debug("below the level")
"""


_NO_ACCESS_LOG = """
import logging, logging.config
import uvicorn.config
from app.core.config import LogFormat
from app.core.logs import configure_logging
# As uvicorn --no-access-log leaves its access logger: no handlers, not propagating; uvicorn then writes no access line.
config = uvicorn.config.Config("app.main:app", access_log=False)
configure_logging(LogFormat.JSON, "INFO")
print(logging.getLogger("uvicorn.access").hasHandlers())
"""


def test_a_server_without_access_log_stays_without() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _NO_ACCESS_LOG], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "False"


def _run_configured(log_format: LogFormat) -> subprocess.CompletedProcess[str]:
    code = _PROCESS.replace("FORMAT", repr(log_format.value))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)


def test_a_configured_process_writes_every_logger_as_json_lines_on_stderr() -> None:
    done = _run_configured(LogFormat.JSON)
    assert done.stdout == ""
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert [(line["logger"], line["event"]) for line in lines[:4]] == [
        ("app.anything", "ours"),
        ("uvicorn.access", "client - GET /"),
        ("uvicorn.error", "the server's"),
        ("celery.worker", "celery's"),
    ]
    assert lines[4]["logger"] == "py.warnings"
    assert "a warning" in lines[4]["event"]
    assert len(lines) == 5
    assert all(line["request_id"] == "req-9" and line["task_id"] == "task-9" for line in lines)


def test_a_process_configured_for_the_console_writes_no_json() -> None:
    done = _run_configured(LogFormat.CONSOLE)
    lines = done.stderr.splitlines()
    assert len(lines) >= 5
    for line in lines:
        with pytest.raises(json.JSONDecodeError):
            json.loads(line)
    assert "ours" in lines[0]
    assert "request_id=req-9" in lines[0]
