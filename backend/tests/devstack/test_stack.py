import signal
import socket
import subprocess
from contextlib import ExitStack
from pathlib import Path

import pytest

from app.core.config import Settings
from devstack import PrivateRedis, free_port, stack
from devstack.ports import LOOPBACK
from devstack.stack import Component, child_env, redact


def test_redact_hides_only_the_password() -> None:
    assert redact("postgresql://app:s3cret@db:5432/chat") == "postgresql://app:***@db:5432/chat"
    assert redact("redis://127.0.0.1:6390/0") == "redis://127.0.0.1:6390/0"


def test_components_are_found_by_module_or_path(tmp_path: Path) -> None:
    assert Component("devstack", module="devstack").present()
    assert not Component("nothing", module="app.no_such_module").present()
    assert not Component("file", path=tmp_path / "alembic.ini").present()
    (tmp_path / "alembic.ini").touch()
    assert Component("file", path=tmp_path / "alembic.ini").present()


def test_up_reports_missing_parts_and_stops_what_it_started(
    scratch: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("REDIS_URL", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(stack, "BACKEND_DIR", scratch)  # no backend/.env either
    monkeypatch.setattr(stack, "DATA_DIR", scratch)
    monkeypatch.setattr(stack, "LOG_DIR", scratch / "logs")
    monkeypatch.setattr(stack, "missing_components", lambda simulated: [Component("API", module="app.nowhere")])
    handler_before = signal.getsignal(signal.SIGINT)

    assert stack.up() == 2

    out = capsys.readouterr().out
    assert "API: module app.nowhere" in out
    assert "private server" in out
    # Nothing may run from the private servers' directories any more.
    assert not [pid for pid in _pids() if str(scratch) in _cmdline(pid)]
    assert signal.getsignal(signal.SIGINT) is handler_before


def _pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return ""


def test_a_configured_url_that_answers_is_used_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(stack, "DATA_DIR", tmp_path / "unused")
    with PrivateRedis(tmp_path / "redis", free_port()) as redis, ExitStack() as resources:
        settings = Settings(_env_file=None, redis_url=redis.url)
        assert stack.ensure_service(resources, settings, stack.REDIS) == redis.url
    assert capsys.readouterr().out == f"[devstack] Redis: using REDIS_URL {redis.url}\n"
    assert not (tmp_path / "unused").exists()


def test_the_stack_runs_worker_processes_workers_with_distinct_node_names() -> None:
    workers = stack.worker_processes({"WORKER_PROCESSES": "3", "WORKER_CONCURRENCY": "8"})
    assert len(workers) == 3
    assert len({worker.node_name for worker in workers}) == 3
    assert len({worker.name for worker in workers}) == 3
    assert {worker.concurrency for worker in workers} == {8}


def test_by_default_two_workers_share_the_default_concurrency() -> None:
    workers = stack.worker_processes({})
    assert len(workers) == stack.DEFAULT_WORKER_PROCESSES == 2
    assert sum(worker.concurrency for worker in workers) == stack.DEFAULT_TOTAL_CONCURRENCY


def test_each_worker_gets_a_free_metrics_port_of_its_own() -> None:
    with socket.socket() as taken:
        taken.bind((LOOPBACK, 0))
        taken.listen()
        first = taken.getsockname()[1]
        ports = stack.worker_metrics_ports(first, 3)
    assert len(set(ports)) == 3
    assert first not in ports
    assert all(port is not None and port > first for port in ports)


def test_worker_metrics_are_off_without_a_first_port() -> None:
    assert stack.worker_metrics_ports(0, 2) == [None, None]


@pytest.mark.parametrize(("variable", "value"), [("WORKER_PROCESSES", "0"), ("WORKER_CONCURRENCY", "many")])
def test_worker_settings_must_be_positive_whole_numbers(variable: str, value: str) -> None:
    with pytest.raises(ValueError, match=f"{variable} must be a whole number"):
        stack.worker_processes({variable: value})


def test_the_printed_curl_example_streams_an_answer(api_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """What `make dev` tells a newcomer to paste, pasted into bash against the test stack's API."""
    stack._print_ready(api_url, None)
    printed = capsys.readouterr().out
    example = printed.partition("Try it:\n")[2].partition("\n\n")[0]
    script = "\n".join(line.removeprefix("  ") for line in example.splitlines())
    assert script.startswith(f"API={api_url}\n")
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith('data: {"done":true,"status":"completed"}'), done.stdout[-300:]


def test_the_stacks_children_log_readable_lines_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert child_env("redis://r", "postgresql://p")["LOG_FORMAT"] == "console"
    monkeypatch.setenv("LOG_FORMAT", "json")
    assert child_env("redis://r", "postgresql://p")["LOG_FORMAT"] == "json"
