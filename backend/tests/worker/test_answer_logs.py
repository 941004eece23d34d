"""One answer followed through the logs of a real API process and a real worker process, as across two hosts: the
request id a client sent and the answer's task id are on the lines of both, which are JSON objects, one a line."""

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from devstack.components import start_api, start_worker
from devstack.ports import free_port
from devstack.processes import ChildProcess, Supervisor
from tests.api_client import create_conversation, start_guest
from tests.conftest import Stack
from tests.devstack.waiting import wait_until
from tests.sse_client import read_stream

# Not the stack's: its worker consumes database 0's queue, and this one's must get the test's answer.
_REDIS_DATABASE = 4


@dataclass(frozen=True)
class LoggingStack:
    api_url: str
    api: ChildProcess
    worker: ChildProcess


@pytest.fixture(scope="module")
def logging_stack(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoggingStack]:
    redis_url = stack.redis_url.rpartition("/")[0] + f"/{_REDIS_DATABASE}"
    env = {**stack.env, "REDIS_URL": redis_url, "LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}
    with Supervisor(tmp_path_factory.mktemp("answer-logs")) as supervisor:
        worker = start_worker(supervisor, env, concurrency=2, name="logged-worker", node_name="logged", quiet=True)
        api_url = start_api(supervisor, env, free_port(), name="logged-api")
        yield LoggingStack(api_url, supervisor.child("logged-api"), worker)


def _json_lines(child: ChildProcess) -> list[dict[str, Any]]:
    """Every line of the child's output (stderr and stdout together), parsed: it fails on one that is not a JSON
    object. The worker runs quiet, without Celery's banner, so that every line it writes is a log line."""
    parsed = []
    for line in child.output().splitlines():
        record = json.loads(line)
        assert isinstance(record, dict), line
        parsed.append(record)
    return parsed


def _lines_of(records: list[dict[str, Any]], task_id: str) -> list[dict[str, Any]]:
    return [record for record in records if record.get("task_id") == task_id]


async def test_an_answer_is_followed_by_request_id_and_task_id_across_api_and_worker(
    logging_stack: LoggingStack,
) -> None:
    request_id = f"edge-{uuid.uuid4()}"
    async with httpx.AsyncClient(base_url=logging_stack.api_url, timeout=30) as client:
        await start_guest(client)
        conversation_id = await create_conversation(client)
        client.headers["X-Request-ID"] = request_id
        response = await client.post(f"/conversations/{conversation_id}/messages", json={"content": "hello logs"})
        assert response.status_code == 202, response.text
        assert response.headers["x-request-id"] == request_id
        task_id: str = response.json()["task_id"]
        del client.headers["X-Request-ID"]
        events = await read_stream(client, task_id)
    assert events[-1].data.get("status") == "completed", events[-1]

    # Celery's line that the task succeeded is the worker's last about the answer.
    wait_until(
        lambda: any("succeeded" in r["event"] for r in _lines_of(_json_lines(logging_stack.worker), task_id)),
        "the worker's line saying the task succeeded",
    )
    # Only the API's access lines come after the stream's end; its last is the stream's.
    wait_until(
        lambda: any("/stream/" in r["event"] for r in _lines_of(_json_lines(logging_stack.api), task_id)),
        "the API's access line of the stream",
    )

    api_lines = _lines_of(_json_lines(logging_stack.api), task_id)
    worker_lines = _lines_of(_json_lines(logging_stack.worker), task_id)
    for record in api_lines + worker_lines:
        assert {"timestamp", "level", "logger", "event"} <= record.keys(), record
        assert record["timestamp"].endswith("Z"), record

    queued = [r for r in api_lines if r["event"] == f"answer {task_id} queued"]
    assert [r["request_id"] for r in queued] == [request_id], api_lines
    # The send's access line is the request's too; the stream, a request of its own, got an id of its own.
    sent = [r for r in api_lines if r["logger"] == "uvicorn.access" and "POST" in r["event"]]
    assert [r["request_id"] for r in sent] == [request_id], api_lines
    streamed = [r for r in api_lines if r["logger"] == "uvicorn.access" and "/stream/" in r["event"]]
    assert len(streamed) == 1, api_lines
    assert streamed[0]["request_id"] != request_id, api_lines

    # The worker's: its own lines, and Celery's once the task runs, carry the request id that came with the task.
    started = [r for r in worker_lines if r["event"].startswith(f"answer {task_id} started")]
    ended = [r for r in worker_lines if r["event"] == f"answer {task_id} ended completed"]
    succeeded = [r for r in worker_lines if r["logger"] == "celery.app.trace" and "succeeded" in r["event"]]
    for lines in (started, ended, succeeded):
        assert [r.get("request_id") for r in lines] == [request_id], worker_lines
    # Celery's "received" line is written before the task runs: it has the task id, not yet the request id.
    received = [r for r in worker_lines if r["logger"] == "celery.worker.strategy" and "received" in r["event"]]
    assert len(received) == 1, worker_lines


@pytest.mark.parametrize(
    "sent",
    ["", "has space", "semi;colon", "x" * 129, "é-accent", "line\tbreak"],
    ids=["empty", "space", "semicolon", "too-long", "non-ascii", "tab"],
)
async def test_a_malformed_request_id_is_replaced(logging_stack: LoggingStack, sent: str) -> None:
    async with httpx.AsyncClient(base_url=logging_stack.api_url, timeout=30) as client:
        response = await client.get("/healthz", headers=[(b"X-Request-ID", sent.encode())])
    replaced = response.headers["x-request-id"]
    assert replaced != sent
    uuid.UUID(hex=replaced)
    # The access line of the request carries the id it was given, not the one sent.
    wait_until(
        lambda: any(r.get("request_id") == replaced for r in _json_lines(logging_stack.api)),
        "the request's access line",
    )


async def test_a_well_formed_request_id_is_kept_and_a_missing_one_made(logging_stack: LoggingStack) -> None:
    trace_id = "Root=1-67891233-abcdef012345678912345678"
    async with httpx.AsyncClient(base_url=logging_stack.api_url, timeout=30) as client:
        kept = await client.get("/healthz", headers={"X-Request-ID": trace_id})
        made = [(await client.get("/healthz")).headers["x-request-id"] for _ in range(2)]
    assert kept.headers.get_list("x-request-id") == [trace_id]
    assert made[0] != made[1]
