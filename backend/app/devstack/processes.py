"""Child processes that cannot outlive their parent's shutdown.

Each child leads its own process group, so stopping it also reaches whatever it spawned, and a Ctrl-C in the terminal
reaches only us: we decide the order in which things stop. Output goes through a pipe into a log file (and optionally
to the terminal, prefixed with the child's name); if we are killed outright, a child that keeps logging gets SIGPIPE
instead of living on unnoticed.
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
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from app.devstack.lifecycle import Lifecycle

Readiness = Callable[[], bool]

_READY_POLL_SECONDS = 0.1
_READER_JOIN_SECONDS = 5.0
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


class ChildProcess(Lifecycle):
    """One command run as a child; `stop()` sends `stop_signal` to its group, then SIGKILL after `stop_timeout`."""

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

    def start(self) -> None:
        if self._process is not None:
            raise RuntimeError(f"{self.name} was already started")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        log.write(f"=== {time.strftime('%Y-%m-%d %H:%M:%S')} starting: {' '.join(self.argv)}\n".encode())
        log.flush()
        self._log_offset = log.tell()
        try:
            self._process = subprocess.Popen(
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
        assert self._process.stdout is not None
        self._reader = threading.Thread(
            target=self._copy_output, args=(self._process.stdout, log), name=f"{self.name}-output", daemon=True
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
        if self._process is None:
            return None
        if self._process.poll() is None:
            self._signal_group(self._stop_signal)
            try:
                self._process.wait(self._stop_timeout)
            except subprocess.TimeoutExpired:
                print(f"{self.name} did not stop within {self._stop_timeout:g} s; killing it", file=sys.stderr)
        # Also reaches grandchildren that the child left behind when it exited.
        self._signal_group(signal.SIGKILL)
        code = self._process.wait()
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


class Supervisor:
    """Starts named children with logs under `log_dir` and stops them all, newest first, on exit."""

    def __init__(self, log_dir: Path, *, echo: bool = False) -> None:
        self.log_dir = log_dir
        self._echo = echo
        self._children: list[ChildProcess] = []

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
        ready_timeout: float = 60.0,
        stop_timeout: float = 10.0,
    ) -> ChildProcess:
        """Start a long-running child and wait until `ready` holds; it is stopped on exit even if it never was."""
        child = ChildProcess(
            name, argv, log_path=self.log_path(name), cwd=cwd, env=env, echo=self._echo, stop_timeout=stop_timeout
        )
        child.start()
        self._children.append(child)
        if ready is not None:
            child.wait_ready(ready, ready_timeout)
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
        """Block until any child exits and return it: in a healthy stack that never happens."""
        while True:
            for child in self._children:
                if child.poll() is not None:
                    return child
            time.sleep(poll_interval)

    def stop_all(self) -> None:
        while self._children:
            self._children.pop().stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop_all()
