"""The part that the private Redis and PostgreSQL servers share: each is one child process of ours."""

from abc import abstractmethod
from collections.abc import Callable
from pathlib import Path

from devstack.lifecycle import Lifecycle
from devstack.processes import ChildProcess, Readiness, Restarter, RestartPolicy


class PrivateServer(Lifecycle):
    """A server with its files in `data_dir`, listening on the loopback `port` as one ChildProcess of ours.

    It runs from `start()` until `stop()`; `product` names it in errors. With a `restart` policy, a server that dies
    unexpectedly is started again on the same port and data and waited for anew; the one-time setup is not repeated.
    """

    def __init__(
        self, product: str, data_dir: Path, port: int, start_timeout: float, restart: RestartPolicy | None = None
    ) -> None:
        self.data_dir = data_dir
        self.port = port
        self._product = product
        self._start_timeout = start_timeout
        self._restart_policy = restart
        self._child: ChildProcess | None = None
        self._restarter: Restarter | None = None

    @property
    @abstractmethod
    def url(self) -> str: ...

    @property
    @abstractmethod
    def log_path(self) -> Path: ...

    @property
    def pid(self) -> int | None:
        return self._child.pid if self._child is not None else None

    def stop(self) -> None:
        if self._child is not None:
            self._child.stop()
            self._child = None
        if self._restarter is not None:
            self._restarter.join()
            self._restarter = None

    def _refuse_if_running(self) -> None:
        if self._child is not None:
            raise RuntimeError(f"this {self._product} is already running")

    def _launch(self, child: ChildProcess, ready: Readiness, *, finish_setup: Callable[[], None] | None = None) -> None:
        """Start `child` as this server, wait until `ready`, then run `finish_setup` against the running server.

        Any failure on the way stops the child again: a half set-up server must not outlive the error.
        """
        child.start()
        self._child = child
        try:
            child.wait_ready(ready, self._start_timeout)
            if finish_setup is not None:
                finish_setup()
        except BaseException:
            self.stop()
            raise
        if self._restart_policy is not None:
            self._restarter = Restarter(child, self._restart_policy, ready, self._start_timeout)
            self._restarter.watch()
