"""Child processes that cannot outlive their parent's shutdown.

Each child leads its own process group, so stopping it also reaches whatever it spawned, and a Ctrl-C in the terminal
reaches only us: we decide the order in which things stop. Output goes through a pipe into a log file (and optionally
to the terminal, prefixed with the child's name); if we are killed outright, a child that keeps logging gets SIGPIPE
instead of living on unnoticed.

A child started with `restart=True` is started again whenever it dies without having been stopped (RestartPolicy).
"""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from devstack.lifecycle import Lifecycle

Readiness = Callable[[], bool]

_READY_POLL_SECONDS = 0.1
_READER_JOIN_SECONDS = 5.0
# A restarter ends as soon as its child is stopped; this only bounds the wait should it be stuck in a readiness check.
_RESTARTER_JOIN_SECONDS = 10.0
# Past this many doublings any sane cap has long been reached; a larger power of two would overflow a float.
_MAX_DOUBLINGS = 64
_terminal_lock = threading.Lock()


class ProcessFailedError(RuntimeError):
    """A child exited when it should not have, or did not become ready in time."""


def http_ok(url: str, timeout: float = 2.0) -> Readiness:
    """Ready once a GET of `url` answers 200."""

    def check() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                status: int = response.status
                return status == 200
        except (OSError, urllib.error.URLError, ValueError):
            return False

    return check


def _print_to_terminal(line: str) -> None:
    with _terminal_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


@dataclass(frozen=True)
class RestartPolicy:
    """When a child that died unexpectedly is started again, and where that is said.

    The first restart waits `first_delay` s, each further one twice as long, up to `max_delay`. A run that lasted
    `healthy_after` s and had become ready counts as healthy: the next crash starts over at `first_delay`.
    `announce` gets one line per crash and one when the child runs again.
    """

    first_delay: float = 0.5
    max_delay: float = 30.0
    healthy_after: float = 60.0
    announce: Callable[[str], None] = _print_to_terminal

    def delay(self, attempt: int) -> float:
        """The wait before restart number `attempt`, counting from 1 since the child was last healthy."""
        return min(self.max_delay, self.first_delay * 2.0 ** min(attempt - 1, _MAX_DOUBLINGS))


DEFAULT_RESTART_POLICY = RestartPolicy()


def _describe_exit(code: int) -> str:
    """How a child ended, from its exit code (negative: the signal that killed it), as the end of a sentence."""
    if code >= 0:
        return f"exited with code {code}"
    try:
        return f"was killed by {signal.Signals(-code).name}"
    except ValueError:
        return f"was killed by signal {-code}"


class ChildProcess(Lifecycle):
    """One command run as a child; `stop()` sends `stop_signal` to its group, then SIGKILL after `stop_timeout`.

    A run that ended by itself can be started again with `restart()`, until `stop()` is called.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        user: str | None = None,
        echo: bool = False,
        stop_signal: signal.Signals = signal.SIGTERM,
        stop_timeout: float = 10.0,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self._cwd = cwd
        self._env = dict(env) if env is not None else None
        self._user = user
        self._echo = echo
        self._stop_signal = stop_signal
        self._stop_timeout = stop_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._log_offset = 0
        # Makes stop() and restart() exclusive: a child being stopped is never started again behind stop's back.
        self._lock = threading.Lock()
        self._stop_requested = threading.Event()

    def start(self) -> None:
        with self._lock:
            if self._process is not None:
                raise RuntimeError(f"{self.name} was already started")
            self._spawn()

    def restart(self) -> bool:
        """Run the command again after its run ended by itself; False, starting nothing, once stop() was called.

        The new run has its own pid and output(); the log file keeps every run.
        """
        with self._lock:
            if self._stop_requested.is_set():
                return False
            if self._started().poll() is None:
                raise RuntimeError(f"{self.name} is still running")
            self._end_run()
            self._spawn()
            return True

    @property
    def stop_requested(self) -> bool:
        """True once stop() has been called: the child is meant to be down and must not be restarted."""
        return self._stop_requested.is_set()

    def wait_for_stop_request(self, timeout: float) -> bool:
        """Wait up to `timeout` s for stop() to be called; True if it was."""
        return self._stop_requested.wait(timeout)

    def _spawn(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        log.write(f"=== {time.strftime('%Y-%m-%d %H:%M:%S')} starting: {' '.join(self.argv)}\n".encode())
        log.flush()
        self._log_offset = log.tell()
        try:
            process = subprocess.Popen(
                self.argv,
                cwd=self._cwd,
                env=self._env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                user=self._user,
                # Without this the child keeps root's supplementary groups after dropping to `user`.
                extra_groups=[] if self._user is not None else None,
            )
        except BaseException:
            log.close()
            raise
        # Only a run that did start replaces the last one: after a failed restart, wait() still has an exit code.
        self._process = process
        assert process.stdout is not None
        self._reader = threading.Thread(
            target=self._copy_output, args=(process.stdout, log), name=f"{self.name}-output", daemon=True
        )
        self._reader.start()

    @property
    def pid(self) -> int:
        return self._started().pid

    def poll(self) -> int | None:
        """The exit code once the child has exited, else None."""
        return self._started().poll()

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the child to exit; raises subprocess.TimeoutExpired after `timeout` seconds."""
        return self._started().wait(timeout)

    def wait_ready(self, ready: Readiness, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            self._fail_if_exited("before it was ready")
            if time.monotonic() > deadline:
                raise ProcessFailedError(f"{self.name} was not ready after {timeout:g} s{self._tail_note()}")
            time.sleep(_READY_POLL_SECONDS)
        # Something else on the same port may have answered for a child that is failing to bind.
        self._fail_if_exited("right after it looked ready")

    def stop(self) -> int | None:
        """Stop the child and everything in its process group; returns its exit code (None if never started)."""
        self._stop_requested.set()
        with self._lock:
            if self._process is None:
                return None
            if self._process.poll() is None:
                self._signal_group(self._stop_signal)
                try:
                    self._process.wait(self._stop_timeout)
                except subprocess.TimeoutExpired:
                    print(f"{self.name} did not stop within {self._stop_timeout:g} s; killing it", file=sys.stderr)
            return self._end_run()

    def kill(self) -> None:
        """SIGKILL the child's group at once. Unlike stop() this is a crash: a restarter starts it again."""
        self._signal_group(signal.SIGKILL)

    def _end_run(self) -> int:
        process = self._started()
        # Also reaches grandchildren that the child left behind when it exited.
        self._signal_group(signal.SIGKILL)
        code = process.wait()
        if self._reader is not None:
            self._reader.join(_READER_JOIN_SECONDS)
        return code

    def output(self) -> str:
        """What the child has printed since this start (the log file also keeps earlier runs)."""
        try:
            with self.log_path.open("rb") as log:
                log.seek(self._log_offset)
                return log.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def _started(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise RuntimeError(f"{self.name} has not been started")
        return self._process

    def _signal_group(self, signum: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._started().pid, signum)

    def _fail_if_exited(self, when: str) -> None:
        code = self.poll()
        if code is not None:
            raise ProcessFailedError(f"{self.name} exited with code {code} {when}{self._tail_note()}")

    def _tail_note(self) -> str:
        # Give the output copier a moment to drain what the child wrote last: that is usually the reason.
        if self._reader is not None and self.poll() is not None:
            self._reader.join(_READER_JOIN_SECONDS)
        return f"; last lines of {self.log_path}:\n{self.log_tail()}"

    def _copy_output(self, source: IO[bytes], log: IO[bytes]) -> None:
        prefix = f"{self.name:>10} | "
        with source, log:
            for line in source:
                log.write(line)
                log.flush()
                if self._echo:
                    with _terminal_lock:
                        sys.stdout.write(prefix + line.decode(errors="replace").rstrip("\n") + "\n")
                        sys.stdout.flush()


class Restarter:
    """Keeps a started `child` running: starts it again, from a thread of its own, whenever it dies unless stopped.

    Each restart waits for `ready`, the check the child passed at its first start; one that is not ready within
    `ready_timeout` s is killed and counts as another crash. The thread ends once the child is stopped.
    """

    def __init__(
        self, child: ChildProcess, policy: RestartPolicy, ready: Readiness | None = None, ready_timeout: float = 60.0
    ) -> None:
        self.child = child
        self._policy = policy
        self._ready = ready
        self._ready_timeout = ready_timeout
        self._thread = threading.Thread(target=self._keep_running, name=f"{child.name}-restarter", daemon=True)

    def watch(self) -> None:
        """Begin watching; call it once the child is running and ready."""
        self._thread.start()

    def join(self, timeout: float = _RESTARTER_JOIN_SECONDS) -> None:
        """Wait for the thread to end, which it does once the child is stopped."""
        self._thread.join(timeout)

    def _keep_running(self) -> None:
        child = self.child
        attempt = 0
        run_began = time.monotonic()
        was_ready = True
        while True:
            code = child.wait()
            ran_for = time.monotonic() - run_began
            if child.stop_requested:
                return
            attempt = 1 if was_ready and ran_for >= self._policy.healthy_after else attempt + 1
            delay = self._policy.delay(attempt)
            self._policy.announce(
                f"{child.name} {_describe_exit(code)} after {ran_for:.1f} s; "
                f"restarting it in {delay:g} s (attempt {attempt})"
            )
            if child.wait_for_stop_request(delay):
                return
            try:
                if not child.restart():
                    return
            except OSError as error:
                # The last run's exit code still stands, so the loop counts this as the next crash.
                self._policy.announce(f"{child.name} could not be restarted: {error}")
                was_ready = False
                continue
            run_began = time.monotonic()
            was_ready = self._wait_until_ready(attempt)

    def _wait_until_ready(self, attempt: int) -> bool:
        """True once the restarted child is ready; False after a failure, which leaves it exited (or killed)."""
        child = self.child
        if self._ready is not None:
            try:
                child.wait_ready(self._ready, self._ready_timeout)
            except ProcessFailedError:
                if child.poll() is None and not child.stop_requested:
                    self._policy.announce(
                        f"{child.name} was not ready {self._ready_timeout:g} s after restart {attempt}; killing it"
                    )
                    child.kill()
                return False
        self._policy.announce(f"{child.name} is running again (attempt {attempt}, pid {child.pid})")
        return True


class Supervisor:
    """Starts named children with logs under `log_dir` and stops them all, newest first, on exit.

    Children started with `restart=True` are started again after a crash, as `restart_policy` says.
    """

    def __init__(
        self, log_dir: Path, *, echo: bool = False, restart_policy: RestartPolicy = DEFAULT_RESTART_POLICY
    ) -> None:
        self.log_dir = log_dir
        self._echo = echo
        self._restart_policy = restart_policy
        self._children: list[ChildProcess] = []
        self._restarters: list[Restarter] = []

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def child(self, name: str) -> ChildProcess:
        """The running child started under `name`."""
        return next(child for child in self._children if child.name == name)

    def start(
        self,
        name: str,
        argv: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        ready: Readiness | None = None,
        ready_text: str | None = None,
        ready_timeout: float = 60.0,
        stop_timeout: float = 10.0,
        restart: bool = False,
    ) -> ChildProcess:
        """Start a long-running child and wait until it is ready; it is stopped on exit even if it never was.

        Ready means that `ready` holds and that the child has printed `ready_text` since it started (either may be
        None). With `restart`, a child that dies later, without being stopped, is started again and waited for anew.
        """
        child = ChildProcess(
            name, argv, log_path=self.log_path(name), cwd=cwd, env=env, echo=self._echo, stop_timeout=stop_timeout
        )
        checks = [] if ready is None else [ready]
        if ready_text is not None:
            checks.append(lambda: ready_text in child.output())
        readiness = (lambda: all(check() for check in checks)) if checks else None
        child.start()
        self._children.append(child)
        if readiness is not None:
            child.wait_ready(readiness, ready_timeout)
        if restart:
            restarter = Restarter(child, self._restart_policy, readiness, ready_timeout)
            self._restarters.append(restarter)
            restarter.watch()
        return child

    def run(
        self,
        name: str,
        argv: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> None:
        """Run a one-shot command to completion; raises ProcessFailedError unless it exits 0."""
        with ChildProcess(name, argv, log_path=self.log_path(name), cwd=cwd, env=env, echo=self._echo) as child:
            try:
                code = child.wait(timeout)
            except subprocess.TimeoutExpired:
                raise ProcessFailedError(f"{name} did not finish within {timeout:g} s") from None
            if code != 0:
                raise ProcessFailedError(f"{name} failed with exit code {code}; see {child.log_path}")

    def wait_for_exit(self, poll_interval: float = 0.5) -> ChildProcess:
        """Block until a child that is not restarted exits and return it: in a healthy stack that never happens."""
        restarted = [restarter.child for restarter in self._restarters]
        while True:
            for child in self._children:
                if child not in restarted and child.poll() is not None:
                    return child
            time.sleep(poll_interval)

    def stop_all(self) -> None:
        while self._children:
            self._children.pop().stop()
        # Each restarter ends once its child is stopped, a pending restart included; none may outlive us.
        while self._restarters:
            self._restarters.pop().join()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop_all()
