"""The load client (test-clients/test_load.py) on the client host, streaming through the balancer or straight to one
API host."""

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack.cluster.hosts import Cluster
from devstack.cluster.runbook import REPO_ROOT

# Signing in is outside the client's deadline: bounded here, with room for each guest (POST /auth/guest) of a large
# run on a busy machine.
_SIGN_IN_TIMEOUT_SECONDS = 60.0
_SIGN_IN_SECONDS_PER_USER = 0.1


@dataclass(frozen=True)
class LoadShape:
    users: int
    tokens: int
    tps: float
    ramp_seconds: float
    # The client's own deadline for the timed part: past it, it reports unfinished users as failed and exits.
    deadline_seconds: float
    # The simulator's delay before the first token and its reasoning summary; None keeps the simulator's defaults.
    ttft_ms: int | None = None
    reasoning_tokens: int | None = None


class LoadRun:
    """One run of the load client against `api_url` (the cluster's edge_url, or an api_url), its report and log in
    `out_dir`."""

    def __init__(self, c: Cluster, shape: LoadShape, out_dir: Path, api_url: str) -> None:
        self.shape = shape
        self.report_path = out_dir / "load.json"
        self._signed_in = out_dir / "signed-in"
        answer_shape = [
            *(["--ttft-ms", str(shape.ttft_ms)] if shape.ttft_ms is not None else []),
            *(["--reasoning-tokens", str(shape.reasoning_tokens)] if shape.reasoning_tokens is not None else []),
        ]
        argv = c.net.hosts["client"].argv(
            sys.executable,
            str(REPO_ROOT / "test-clients" / "test_load.py"),
            "--api-url", api_url,
            "--users", str(shape.users),
            "--tokens", str(shape.tokens),
            "--tps", str(shape.tps),
            "--ramp-seconds", str(shape.ramp_seconds),
            "--timeout", str(shape.deadline_seconds),
            "--request-timeout", "20",
            "--no-progress",
            "--json", str(self.report_path),
            "--signed-in-file", str(self._signed_in),
            *answer_shape,
        )  # fmt: skip
        self._log = (out_dir / "load.log").open("wb")
        self._process = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_signed_in(self) -> None:
        """Until every user has signed in: the timed part, and the answers, begin."""
        deadline = time.monotonic() + _SIGN_IN_TIMEOUT_SECONDS + _SIGN_IN_SECONDS_PER_USER * self.shape.users
        while not self._signed_in.exists():
            if self._process.poll() is not None:
                raise RuntimeError(f"the load client exited early:\n{self.log()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the load client did not sign in its users:\n{self.log()}")
            time.sleep(0.1)

    def finish(self) -> dict[str, Any]:
        """The client's report, once it has exited (it always does by its deadline)."""
        try:
            self._process.wait(timeout=self.shape.deadline_seconds + 60)
        finally:
            self._log.close()
        if not self.report_path.exists():
            raise RuntimeError(f"the load client wrote no report:\n{self.log()}")
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


@dataclass(frozen=True)
class Timeline:
    """The load client's samples (test_load.py's report): (wall clock, streams open, events received so far)."""

    samples: list[tuple[float, int, int]]

    @classmethod
    def of(cls, report: dict[str, Any]) -> "Timeline":
        return cls([(float(at), int(streams), int(events)) for at, streams, events in report["timeline"]])

    def _at(self, moment: float) -> tuple[float, int, int]:
        """The last sample taken at or before `moment`."""
        earlier = [sample for sample in self.samples if sample[0] <= moment]
        if not earlier:
            raise ValueError(f"the load client has no sample before {moment}")
        return earlier[-1]

    def open_streams(self, start: float, end: float) -> tuple[int, int]:
        """The fewest and the most streams open at the samples in [start, end]."""
        counts = [streams for at, streams, _ in self.samples if start <= at <= end] or [self._at(end)[1]]
        return min(counts), max(counts)

    def events_per_second(self, start: float, end: float) -> float:
        first, last = self._at(start), self._at(end)
        return (last[2] - first[2]) / (last[0] - first[0])

    def peak_events_per_second(self, window: float = 1.0) -> float:
        return max(
            (
                self.events_per_second(at, at + window)
                for at, _, _ in self.samples
                if at + window <= self.samples[-1][0]
            ),
            default=0.0,
        )
