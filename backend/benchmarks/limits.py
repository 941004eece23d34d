"""This machine's physical limits, measured in the same run as the load levels: what the stack's figures are set
against (`make bench` runs these first, on a stack of their own; `--only-limits` runs nothing else).

- Redis round trip: sequential PINGs over one raw TCP socket (no client library, so that Python adds as little as
  it can: a send and a recv per PING), on a private Redis.
- Raw write rate: redis-benchmark's pipelined XADD of a payload of our events' size to one stream, then PUBLISH of
  the same payload to one channel, with one subscriber draining it (as each API process's hub subscribes to the
  answers' channels), and Redis's CPU per XADD + PUBLISH pair over both, from /proc. Our worker does one of each per
  event, in one script call.
- A do-nothing SSE server (benchmarks/sse_floor.py) served by uvicorn exactly as our API is, read by 1,000
  aiohttp streams in another process: its events/s as fast as they can be read, and its CPU per event, both then
  and paced at 10 events/s per stream (our 1,000-stream level's rate, one write per event as our API does there).
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.proc_stats import ProcessTable
from benchmarks.sse_floor import EVENT_DATA, ReaderReport
from benchmarks.transport_measure import Spread
from devstack.components import BACKEND_DIR, start_api
from devstack.ports import LOOPBACK, free_port
from devstack.processes import Supervisor
from devstack.redis_server import PrivateRedis
from devstack.scratch import scratch_dir

PINGS = 5_000
WARM_UP_PINGS = 500
PONG = b"+PONG\r\n"
REDIS_BENCHMARK = "/usr/bin/redis-benchmark"
# Requests per redis-benchmark run, over 4 connections pipelining 32 each: a few seconds on this machine.
BENCHMARK_REQUESTS = 500_000
BENCHMARK_CLIENTS = 4
BENCHMARK_PIPELINE = 32
STREAM, CHANNEL = "bench:events", "bench:events"
SSE_CONNECTIONS = 1_000
SSE_SECONDS = 8.0
SSE_PACED_RATE = 10.0
SSE_FLOOR_APP = "benchmarks.sse_floor:app"


@dataclass(frozen=True)
class PhysicalLimits:
    redis_rtt_us: Spread
    pings: int
    payload_bytes: int
    xadd_per_s: float
    publish_per_s: float
    # Redis's CPU over both redis-benchmark runs, per XADD + PUBLISH pair (one of each).
    redis_cpu_us_per_pair: float
    # Bytes the subscriber received, to show that the PUBLISHes reached it (each message carries the payload).
    subscriber_bytes: int
    sse_saturated: ReaderReport
    sse_paced: ReaderReport
    seconds: float

    @property
    def pairs_per_s(self) -> float:
        """XADD then PUBLISH, one after the other on one Redis: 1 / (1/x + 1/p)."""
        return 1 / (1 / self.xadd_per_s + 1 / self.publish_per_s)

    @classmethod
    def from_saved(cls, saved: dict[str, Any]) -> "PhysicalLimits":
        """The inverse of dataclasses.asdict, for results.json."""
        return cls(
            **{
                **saved,
                "redis_rtt_us": Spread(**saved["redis_rtt_us"]),
                "sse_saturated": ReaderReport(**saved["sse_saturated"]),
                "sse_paced": ReaderReport(**saved["sse_paced"]),
            }
        )


def measure_limits(log_dir: Path) -> PhysicalLimits:
    """Every limit, on a private Redis and a do-nothing SSE server of their own (its log in `log_dir`)."""
    started = time.monotonic()
    with (
        scratch_dir("bench-limits-") as root,
        PrivateRedis(root / "redis", free_port()) as redis_server,
        Supervisor(log_dir) as supervisor,
    ):
        port, redis_pid = redis_server.port, redis_server.pid
        if redis_pid is None:
            raise RuntimeError("the private Redis has no process")
        rtt = redis_round_trips(port, PINGS)
        before = ProcessTable()
        with subscriber(port, CHANNEL) as received:
            xadd = redis_benchmark(port, "XADD", STREAM, "*", "d", EVENT_DATA.decode())
            publish = redis_benchmark(port, "PUBLISH", CHANNEL, EVENT_DATA.decode())
        redis_cpu = ProcessTable().cpu_seconds([redis_pid]) - before.cpu_seconds([redis_pid])
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        url = start_api(supervisor, env, free_port(), name="sse-floor", access_log=False, asgi_app=SSE_FLOOR_APP)
        server_pid = supervisor.child("sse-floor").pid
        saturated = read_sse_floor(url, server_pid, 0.0)
        paced = read_sse_floor(url, server_pid, SSE_PACED_RATE)
    return PhysicalLimits(
        redis_rtt_us=rtt,
        pings=PINGS,
        payload_bytes=len(EVENT_DATA),
        xadd_per_s=xadd,
        publish_per_s=publish,
        redis_cpu_us_per_pair=redis_cpu * 1e6 / BENCHMARK_REQUESTS,
        subscriber_bytes=received[0],
        sse_saturated=saturated,
        sse_paced=paced,
        seconds=time.monotonic() - started,
    )


def redis_round_trips(port: int, count: int) -> Spread:
    """`count` PINGs one after the other, each timed from before its send to its reply read; in µs."""
    times = []
    with socket.create_connection((LOOPBACK, port)) as connection:
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for n in range(WARM_UP_PINGS + count):
            began = time.perf_counter_ns()
            connection.sendall(b"PING\r\n")
            reply = connection.recv(64)
            while len(reply) < len(PONG):
                reply += connection.recv(64)
            elapsed = time.perf_counter_ns() - began
            if reply != PONG:
                raise RuntimeError(f"Redis answered PING with {reply!r}")
            if n >= WARM_UP_PINGS:
                times.append(elapsed / 1000)
    return Spread.of(times)


@contextmanager
def subscriber(port: int, channel: str) -> Iterator[list[int]]:
    """One connection SUBSCRIBEd to `channel`, reading (and dropping) what it gets from a thread, while the block
    runs; yields a one-item list that holds the bytes received once the block is done."""
    received = [0]
    connection = socket.create_connection((LOOPBACK, port))
    connection.sendall(f"SUBSCRIBE {channel}\r\n".encode())
    connection.recv(256)  # the subscription's confirmation
    connection.settimeout(0.5)
    stop = threading.Event()

    def drain() -> None:
        while not stop.is_set():
            try:
                received[0] += len(connection.recv(1 << 20))
            except TimeoutError:
                continue

    thread = threading.Thread(target=drain, name="bench-subscriber", daemon=True)
    thread.start()
    try:
        yield received
    finally:
        stop.set()
        thread.join()
        connection.close()


def redis_benchmark(port: int, *command: str) -> float:
    """Requests per second of `command`, pipelined, from redis-benchmark's CSV output."""
    argv = [
        REDIS_BENCHMARK, "-h", LOOPBACK, "-p", str(port), "-n", str(BENCHMARK_REQUESTS),
        "-c", str(BENCHMARK_CLIENTS), "-P", str(BENCHMARK_PIPELINE), "--csv", *command,
    ]  # fmt: skip
    output = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=60).stdout
    # A header row ("test","rps", then 6 latencies), then the command's row. The command is quoted unescaped (our
    # payload's quotes and commas break the CSV), so count from the end: "rps" is the 7th field from the last.
    header, row = (line.split(",") for line in output.strip().splitlines()[-2:])
    return float(row[header.index('"rps"') - len(header)].strip('"'))


def read_sse_floor(url: str, server_pid: int, rate: float) -> ReaderReport:
    argv = [
        sys.executable, "-m", "benchmarks.sse_floor", url, "--connections", str(SSE_CONNECTIONS),
        "--rate", f"{rate:g}", "--seconds", f"{SSE_SECONDS:g}", "--server-pid", str(server_pid),
    ]  # fmt: skip
    done = subprocess.run(argv, cwd=BACKEND_DIR, capture_output=True, text=True, check=False, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"the SSE floor's reader failed (exit {done.returncode}): {done.stderr[-2000:]}")
    return ReaderReport(**json.loads(done.stdout))


def limits_line(limits: PhysicalLimits) -> str:
    floor, paced = limits.sse_saturated, limits.sse_paced
    return (
        f"  Redis RTT p50 {limits.redis_rtt_us.p50:.0f} µs, p99 {limits.redis_rtt_us.p99:.0f} µs; "
        f"XADD {limits.xadd_per_s:,.0f}/s, PUBLISH {limits.publish_per_s:,.0f}/s, pairs {limits.pairs_per_s:,.0f}/s, "
        f"Redis {limits.redis_cpu_us_per_pair:.2f} µs/pair; SSE floor {floor.events_per_second:,.0f} events/s at "
        f"{floor.server_cpu_us_per_event:.2f} µs/event, paced {paced.events_per_second:,.0f}/s at "
        f"{paced.server_cpu_us_per_event:.2f} µs/event; {limits.seconds:.0f} s"
    )
