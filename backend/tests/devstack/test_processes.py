import os
import re
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from devstack import ChildProcess, ProcessFailedError, Supervisor, free_port, http_ok
from devstack.processes import RestartPolicy
from tests.devstack.liveness import gone_soon, is_alive
from tests.devstack.waiting import wait_until

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
    assert gone_soon(grandchild)


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
    assert gone_soon(grandchild)


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


def test_restart_runs_the_command_again_until_stop_is_called(tmp_path: Path) -> None:
    child = ChildProcess("once", ["echo", "run"], log_path=tmp_path / "once.log")
    with child:
        first_pid = child.pid
        child.wait(10)
        assert child.restart()
        assert child.pid != first_pid
        child.wait(10)
    assert child.output().strip() == "run"
    assert child.log_path.read_text().splitlines().count("run") == 2
    assert not child.restart()


def test_restart_refuses_a_child_that_still_runs(tmp_path: Path) -> None:
    with (
        ChildProcess("sleeper", ["sleep", "300"], log_path=tmp_path / "s.log") as child,
        pytest.raises(RuntimeError, match="still running"),
    ):
        child.restart()


def test_backoff_doubles_from_the_first_delay_up_to_the_cap() -> None:
    policy = RestartPolicy(first_delay=0.5, max_delay=30)
    assert [policy.delay(attempt) for attempt in range(1, 9)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert policy.delay(100_000) == 30


def test_a_child_killed_with_sigkill_is_restarted_and_waited_for_until_ready(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    notes: list[str] = []
    ready_when_back: list[bool] = []

    def announce(line: str) -> None:
        notes.append(line)
        if "running again" in line:
            ready_when_back.append(http_ok(url)())

    with Supervisor(tmp_path, restart_policy=RestartPolicy(first_delay=0.05, announce=announce)) as supervisor:
        server = supervisor.start(
            "web",
            [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
            cwd=tmp_path,
            ready=http_ok(url),
            ready_timeout=30,
            restart=True,
        )
        first_pid = server.pid
        os.kill(first_pid, signal.SIGKILL)
        wait_until(lambda: len(notes) == 2, "the crash and the restart to be announced")
        assert server.pid != first_pid
        assert http_ok(url)()
    assert re.fullmatch(r"web was killed by SIGKILL after [\d.]+ s; restarting it in 0\.05 s \(attempt 1\)", notes[0])
    assert notes[1] == f"web is running again (attempt 1, pid {server.pid})"
    assert ready_when_back == [True]
    assert not is_alive(server.pid)


def test_a_child_that_keeps_crashing_waits_longer_each_time_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Supervisor(tmp_path, restart_policy=RestartPolicy(first_delay=0.01, max_delay=0.04)) as supervisor:
        crasher = supervisor.start("crasher", ["sh", "-c", "exit 3"], restart=True)
        # Every run, the first and the restarts, begins with a header line in the log.
        wait_until(lambda: crasher.log_path.read_text().count("starting: sh") >= 6, "five restarts")
    crash_line = re.compile(r"crasher exited with code 3 after [\d.]+ s; restarting it in (.+) s \(attempt (\d)\)")
    crashes = [line for line in capsys.readouterr().out.splitlines() if "restarting" in line][:5]
    # A line that does not match shows up as itself in the comparison.
    found = [match.groups() if (match := crash_line.fullmatch(line)) else line for line in crashes]
    assert found == [
        ("0.01", "1"),
        ("0.02", "2"),
        ("0.04", "3"),
        ("0.04", "4"),
        ("0.04", "5"),
    ]


def test_a_child_that_stayed_up_a_while_starts_its_backoff_over(tmp_path: Path) -> None:
    notes: list[str] = []
    policy = RestartPolicy(first_delay=0.01, healthy_after=0.1, announce=notes.append)
    with Supervisor(tmp_path, restart_policy=policy) as supervisor:
        supervisor.start("tired", ["sh", "-c", "sleep 0.5; exit 3"], restart=True)
        wait_until(lambda: sum("restarting" in note for note in notes) >= 3, "three crashes")
    assert all(note.endswith("(attempt 1)") for note in notes if "restarting" in note)


def test_a_child_stopped_on_purpose_is_not_restarted(tmp_path: Path) -> None:
    notes: list[str] = []
    with Supervisor(tmp_path, restart_policy=RestartPolicy(first_delay=0.01, announce=notes.append)) as supervisor:
        sleeper = supervisor.start("sleeper", ["sleep", "300"], restart=True)
        pid = sleeper.pid
        assert sleeper.stop() == -signal.SIGTERM
        wait_until(lambda: not _restarter_running("sleeper"), "the restarter to give up on the stopped child")
        assert sleeper.pid == pid
    assert notes == []


def test_stopping_while_a_restart_is_pending_stops_cleanly(tmp_path: Path) -> None:
    notes: list[str] = []
    policy = RestartPolicy(first_delay=300, max_delay=300, announce=notes.append)
    with Supervisor(tmp_path, restart_policy=policy) as supervisor:
        crasher = supervisor.start("crasher", ["sh", "-c", "exit 3"], restart=True)
        wait_until(lambda: bool(notes), "the crash to be announced")
    assert not _restarter_running("crasher")
    assert crasher.poll() == 3
    assert len(notes) == 1
    assert notes[0].endswith("restarting it in 300 s (attempt 1)")


# Says "ready" on its first run only, so that a restart never becomes ready.
_READY_ONLY_ONCE = "if [ -e started ]; then exec sleep 300; fi; touch started; echo ready; exec sleep 300"


def test_stopping_while_a_restart_waits_to_be_ready_stops_cleanly(tmp_path: Path) -> None:
    notes: list[str] = []
    with Supervisor(tmp_path, restart_policy=RestartPolicy(first_delay=0.01, announce=notes.append)) as supervisor:
        child = supervisor.start(
            "once", ["sh", "-c", _READY_ONLY_ONCE], cwd=tmp_path, ready_text="ready", ready_timeout=300, restart=True
        )
        first_pid = child.pid
        os.kill(first_pid, signal.SIGKILL)
        wait_until(lambda: child.pid != first_pid, "the restart")
    assert not _restarter_running("once")
    assert not is_alive(child.pid)
    assert len(notes) == 1
    assert "(attempt 1)" in notes[0]


def test_a_restart_that_is_not_ready_in_time_is_killed_and_tried_again(tmp_path: Path) -> None:
    notes: list[str] = []
    with Supervisor(tmp_path, restart_policy=RestartPolicy(first_delay=0.01, announce=notes.append)) as supervisor:
        child = supervisor.start(
            "once", ["sh", "-c", _READY_ONLY_ONCE], cwd=tmp_path, ready_text="ready", ready_timeout=2, restart=True
        )
        os.kill(child.pid, signal.SIGKILL)
        wait_until(lambda: any("(attempt 2)" in note for note in notes), "a second attempt")
    assert notes[1] == "once was not ready 2 s after restart 1; killing it"
    assert notes[2].startswith("once was killed by SIGKILL after ")


def test_wait_for_exit_passes_over_children_that_are_restarted(tmp_path: Path) -> None:
    policy = RestartPolicy(first_delay=0.01, announce=lambda line: None)
    with Supervisor(tmp_path, restart_policy=policy) as supervisor:
        supervisor.start("restarted", ["sh", "-c", "exit 5"], restart=True)
        supervisor.start("flaky", ["sh", "-c", "sleep 0.2; exit 4"])
        dead = supervisor.wait_for_exit(poll_interval=0.05)
        assert (dead.name, dead.poll()) == ("flaky", 4)


def _restarter_running(child_name: str) -> bool:
    return any(thread.name == f"{child_name}-restarter" for thread in threading.enumerate())
