"""The load client (test-clients/test_load.py) on the client host, streaming through the balancer."""

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.cluster.hosts import Cluster
from tests.cluster.runbook import REPO_ROOT

_SIGN_IN_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class LoadShape:
    users: int
    tokens: int
    tps: float
    ramp_seconds: float
    # The client's own deadline for the timed part: past it, it reports unfinished users as failed and exits.
    deadline_seconds: float


class LoadRun:
    def __init__(self, c: Cluster, shape: LoadShape, out_dir: Path) -> None:
        self.shape = shape
        self.report_path = out_dir / "load.json"
        self._signed_in = out_dir / "signed-in"
        argv = c.net.hosts["client"].argv(
            sys.executable,
            str(REPO_ROOT / "test-clients" / "test_load.py"),
            "--api-url", c.edge_url,
            "--users", str(shape.users),
            "--tokens", str(shape.tokens),
            "--tps", str(shape.tps),
            "--ramp-seconds", str(shape.ramp_seconds),
            "--timeout", str(shape.deadline_seconds),
            "--request-timeout", "20",
            "--no-progress",
            "--json", str(self.report_path),
            "--signed-in-file", str(self._signed_in),
        )  # fmt: skip
        self._log = (out_dir / "load.log").open("wb")
        self._process = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_signed_in(self) -> None:
        """Until every user has signed in: the timed part, and the answers, begin."""
        deadline = time.monotonic() + _SIGN_IN_TIMEOUT_SECONDS
        while not self._signed_in.exists():
            assert self._process.poll() is None, f"the load client exited early:\n{self.log()}"
            assert time.monotonic() < deadline, f"the load client did not sign in its users:\n{self.log()}"
            time.sleep(0.1)

    def finish(self) -> dict[str, Any]:
        """The client's report, once it has exited (it always does by its deadline)."""
        try:
            self._process.wait(timeout=self.shape.deadline_seconds + 60)
        finally:
            self._log.close()
        assert self.report_path.exists(), f"the load client wrote no report:\n{self.log()}"
        report: dict[str, Any] = json.loads(self.report_path.read_text())
        return report

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=10)
        self._log.close()

    def log(self) -> str:
        self._log.flush()
        return (self.report_path.parent / "load.log").read_text(errors="replace")[-4000:]
