import signal
import sys
import time
from pathlib import Path

import pytest

from app.devstack import ChildProcess, ProcessFailedError, Supervisor, free_port, http_ok
from tests.devstack.liveness import is_alive

# A shell that starts a grandchild, prints the grandchild's pid and waits; `trap` decides whether it obeys SIGTERM.
_SPAWNS_GRANDCHILD = "{trap} sleep 300 & echo grandchild=$!; wait"


def _grandchild_pid(child: ChildProcess) -> int:
    child.wait_ready(lambda: "grandchild=" in child.output(), timeout=10)
    return int(child.output().split("grandchild=")[1].split()[0])


def test_output_goes_to_the_log_and_optionally_to_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    child = ChildProcess("greeter", ["sh", "-c", "echo hello; echo oops >&2"], log_path=tmp_path / "g.log", echo=True)
    with child:
        assert child.wait(10) == 0
    assert child.output().splitlines() == ["hello", "oops"]
    assert "greeter | hello" in capsys.readouterr().out


def test_output_is_per_run_while_the_log_keeps_every_run(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    for word in ("first", "second"):
        with ChildProcess("x", ["echo", word], log_path=log) as child:
            child.wait(10)
    assert child.output().strip() == "second"
    assert "first" in log.read_text()


def test_stop_reaches_grandchildren(tmp_path: Path) -> None:
    with ChildProcess("parent", ["sh", "-c", _SPAWNS_GRANDCHILD.format(trap="")], log_path=tmp_path / "p.log") as child:
        grandchild = _grandchild_pid(child)
        assert is_alive(grandchild)
    assert not is_alive(child.pid)
    assert not is_alive(grandchild)


def test_stop_kills_what_ignores_the_stop_signal(tmp_path: Path) -> None:
    child = ChildProcess(
        "stubborn",
        ["sh", "-c", _SPAWNS_GRANDCHILD.format(trap="trap '' TERM;")],
        log_path=tmp_path / "s.log",
        stop_timeout=0.5,
    )
    with child:
        grandchild = _grandchild_pid(child)
    assert child.poll() == -signal.SIGKILL
    assert not is_alive(grandchild)


def test_wait_ready_reports_an_early_exit_with_the_output(tmp_path: Path) -> None:
    with (
        ChildProcess("crasher", ["sh", "-c", "echo boom; exit 3"], log_path=tmp_path / "c.log") as child,
        pytest.raises(ProcessFailedError, match=r"(?s)exited with code 3.*boom"),
    ):
        child.wait_ready(lambda: False, timeout=10)


def test_wait_ready_gives_up_after_the_timeout(tmp_path: Path) -> None:
    with ChildProcess("sleeper", ["sleep", "30"], log_path=tmp_path / "s.log") as child:
        started = time.monotonic()
        with pytest.raises(ProcessFailedError, match="not ready after"):
            child.wait_ready(lambda: False, timeout=0.3)
        assert time.monotonic() - started < 5


def test_supervisor_waits_for_http_readiness_and_stops_everything(tmp_path: Path) -> None:
    port = free_port()
    with Supervisor(tmp_path) as supervisor:
        server = supervisor.start(
            "web",
            [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
            cwd=tmp_path,
            ready=http_ok(f"http://127.0.0.1:{port}/"),
            ready_timeout=30,
        )
        sleeper = supervisor.start("sleeper", ["sleep", "300"])
        assert http_ok(f"http://127.0.0.1:{port}/")()
    assert not is_alive(server.pid)
    assert not is_alive(sleeper.pid)
    assert (tmp_path / "web.log").exists()


def test_supervisor_stops_children_on_an_exception(tmp_path: Path) -> None:
    sleepers = []

    def start_then_fail() -> None:
        with Supervisor(tmp_path) as supervisor:
            sleepers.append(supervisor.start("sleeper", ["sleep", "300"]))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        start_then_fail()
    assert not is_alive(sleepers[0].pid)


def test_supervisor_notices_a_child_that_dies(tmp_path: Path) -> None:
    with Supervisor(tmp_path) as supervisor:
        supervisor.start("steady", ["sleep", "300"])
        supervisor.start("flaky", ["sh", "-c", "sleep 0.2; exit 4"])
        dead = supervisor.wait_for_exit(poll_interval=0.05)
        assert (dead.name, dead.poll()) == ("flaky", 4)


def test_supervisor_run_raises_on_failure(tmp_path: Path) -> None:
    with Supervisor(tmp_path) as supervisor:
        supervisor.run("ok", ["true"])
        with pytest.raises(ProcessFailedError, match="exit code 1"):
            supervisor.run("bad", ["false"])
        with pytest.raises(ProcessFailedError, match="did not finish"):
            supervisor.run("slow", ["sleep", "30"], timeout=0.2)
