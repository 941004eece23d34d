"""The simulator as a real server process, started through its command line exactly as the dev stack starts it."""

import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BACKEND_DIR = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_SECONDS = 15.0

# Unpaced, so most tests finish at once; pacing tests ask for a rate with a directive.
DEFAULT_TOKENS = 24
DEFAULT_REASONING_TOKENS = 6
SERVER_FLAGS = (
    f"--tokens={DEFAULT_TOKENS}",
    "--tokens-per-second=0",
    "--ttft-ms=0",
    f"--reasoning-tokens={DEFAULT_REASONING_TOKENS}",
)


@dataclass(frozen=True)
class RunningSimulator:
    base_url: str

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/v1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_healthy(process: subprocess.Popen[bytes], base_url: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the simulator exited with status {process.returncode} while starting")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1.0).status_code == httpx.codes.OK:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"the simulator did not become healthy within {STARTUP_TIMEOUT_SECONDS} s")


@contextmanager
def running_simulator(extra_flags: Sequence[str] = ()) -> Iterator[RunningSimulator]:
    """`extra_flags` go after the usual ones, so they may override them."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "simulator",
        "--host=127.0.0.1",
        f"--port={port}",
        *SERVER_FLAGS,
        *extra_flags,
    ]
    process = subprocess.Popen(command, cwd=BACKEND_DIR)
    try:
        running = RunningSimulator(base_url=f"http://127.0.0.1:{port}")
        _wait_until_healthy(process, running.base_url)
        yield running
    finally:
        process.terminate()
        process.wait(timeout=10)
