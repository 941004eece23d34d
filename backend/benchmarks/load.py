"""The full stack under load: 10 to 2,000 concurrent streams, 200 tokens each, every component on this machine.

Run: `make bench` (or, from backend/, `../.tools/bin/uv run python -m benchmarks.load`). For each level it
starts a fresh private stack (Redis, PostgreSQL, simulator, worker processes, API processes), warms it up,
then runs the load client (test-clients/test_load.py) with that many users, each a guest of its own (the abuse
limits relaxed: devstack/relaxed_limits.py), and measures, over the client's timed part (after every user has
signed in, which is left out):
- from the client's report: delivery latency, errors, lost / duplicated chunks, time to first chunk;
- from /proc: CPU time of every worker, API, Redis and PostgreSQL process (and the simulator), per delivered
  token; resident memory of the API and worker processes, idle and at peak;
- from Redis: connections by client name (CLIENT LIST), at peak.
Before the levels, on a stack of their own, it measures this machine's physical limits (benchmarks/limits.py:
Redis's round trip and raw XADD / PUBLISH rate, a do-nothing SSE server's events/s), to set the levels against.
The last level, "crowd", is the issue's 500 users at once on `make dev`'s defaults: its worker processes and
threads (devstack/stack.py), one API process with its access log on and console log lines, users starting at once.
The default levels write docs/benchmarks/load.md and load.png; any other choice (`--levels 1000`, `--levels crowd`,
`--only-limits`) prints the tables and keeps the raw figures in --out only. `--profile worker|api` records the
level under py-spy.
"""

import argparse
import dataclasses
import json
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from app.core.config import LogFormat, Settings
from benchmarks.limits import PhysicalLimits, limits_line, measure_limits
from benchmarks.load_results import (
    CONNECTION_NAMES,
    CONTEXT_KINDS,
    CROWD_LABEL,
    CROWD_STREAMS,
    CROWD_TOKENS_PER_SECOND,
    DEFAULT_LEVELS,
    SERVER_KINDS,
    TOKENS_PER_ANSWER,
    BenchRun,
    ClientRun,
    Level,
    LevelResult,
    Shape,
)
from benchmarks.proc_stats import MachineCpu, ProcessTable, load_average, rss_bytes
from benchmarks.report_text import add_report_arguments
from devstack.components import BACKEND_DIR, run_migrations, start_api, start_simulator, start_worker
from devstack.ports import free_port
from devstack.postgres_server import PrivatePostgres, postgres_bin_dir
from devstack.processes import Supervisor
from devstack.redis_server import PrivateRedis
from devstack.relaxed_limits import RELAXED_LIMITS
from devstack.scratch import scratch_dir
from devstack.stack import worker_processes

REPO_ROOT = BACKEND_DIR.parent
LOAD_CLIENT = REPO_ROOT / "test-clients" / "test_load.py"
DOCS_DIR = REPO_ROOT / "docs" / "benchmarks"
MEMORY_SAMPLE_SECONDS = 0.25
CONNECTION_SAMPLE_SECONDS = 1.0
# After warming up, let the processes go quiet before idle memory is read.
SETTLE_SECONDS = 2.0
# How many of the other processes that used CPU during a level to name, to judge how disturbed it was.
BUSIEST_OTHERS = 5


@dataclass
class Peaks:
    """Maxima seen while a level ran, sampled from another thread."""

    rss: dict[str, int] = field(default_factory=dict)
    connections: dict[str, int] = field(default_factory=dict)


class BenchStack:
    """A private stack shaped by `shape`, with the process ids of each kind for /proc."""

    def __init__(self, supervisor: Supervisor, redis_server: PrivateRedis, postgres: PrivatePostgres) -> None:
        self.supervisor = supervisor
        self.redis_url = redis_server.url
        self.api_urls: list[str] = []
        self.pids: dict[str, list[int]] = {"redis": [_pid(redis_server.pid)], "postgres": [_pid(postgres.pid)]}

    def start(self, shape: Shape, database_url: str) -> None:
        # Relaxed limits first: --env may set one of them back.
        env = {**os.environ, **RELAXED_LIMITS, **shape.env, "REDIS_URL": self.redis_url, "DATABASE_URL": database_url}
        env |= {"PYTHONUNBUFFERED": "1"}
        env.pop("OPENAI_API_KEY", None)
        run_migrations(self.supervisor, env)
        env["SIMULATOR_URL"] = start_simulator(self.supervisor, env, free_port())
        self.pids["simulator"] = [self.supervisor.child("simulator").pid]
        self.pids["worker"] = [
            start_worker(self.supervisor, env, shape.worker_concurrency, name=f"worker-{n}", node_name=f"bench-{n}").pid
            for n in range(1, shape.workers + 1)
        ]
        for n in range(1, shape.apis + 1):
            url = start_api(self.supervisor, env, free_port(), name=f"api-{n}", access_log=shape.access_log)
            self.api_urls.append(url)
        self.pids["api"] = [self.supervisor.child(f"api-{n}").pid for n in range(1, shape.apis + 1)]


def _pid(pid: int | None) -> int:
    if pid is None:
        raise RuntimeError("a private server has no process")
    return pid


@contextmanager
def running_stack(shape: Shape, root: Path, log_dir: Path) -> Iterator[BenchStack]:
    settings = Settings()
    # Every process may fill its database pool; PostgreSQL must accept them all.
    per_process = int(shape.env.get("DB_POOL_SIZE", settings.db_pool_size))
    max_connections = (shape.workers + shape.apis + 1) * per_process + 20
    redis_server = PrivateRedis(root / "redis", free_port())
    postgres = PrivatePostgres(root / "postgres", free_port(), max_connections=max_connections)
    with redis_server, postgres, Supervisor(log_dir) as supervisor:
        stack = BenchStack(supervisor, redis_server, postgres)
        stack.start(shape, postgres.url)
        yield stack


class LoadClient:
    """The load client in a process of its own, its output in `out`'s .log. Its users sign in first (each a guest of
    its own); `wait_signed_in` returns once they have and the timed part begins, `finish` once the client is done."""

    # Signing in is not under the client's deadline (--timeout): its requests each have their own timeout.
    SIGN_IN_GUARD_SECONDS = 300

    def __init__(self, api_urls: list[str], run: ClientRun, out: Path) -> None:
        self._run = run
        self._out = out
        self._signed_in = out.with_suffix(".signed-in")
        self._signed_in.unlink(missing_ok=True)
        argv = [
            sys.executable, str(LOAD_CLIENT), "--api-url", ",".join(api_urls), "--users", str(run.users),
            "--tokens", str(run.tokens), "--tps", f"{run.tokens_per_second:g}", "--ttft-ms", "0",
            "--reasoning-tokens", "0", "--ramp-seconds", f"{run.ramp_seconds:g}", "--timeout", f"{run.timeout:g}",
            "--json", str(out), "--no-progress", "--signed-in-file", str(self._signed_in),
        ]  # fmt: skip
        with out.with_suffix(".log").open("w") as log:
            self._process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)

    def wait_signed_in(self) -> None:
        deadline = time.monotonic() + self.SIGN_IN_GUARD_SECONDS
        while not self._signed_in.exists() and self._process.poll() is None:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the load client's users were not signed in after {self.SIGN_IN_GUARD_SECONDS} s")
            time.sleep(0.05)

    def finish(self) -> dict[str, Any]:
        """Its JSON report, with its exit code added."""
        # The client keeps its own deadline; this one only guards against a client that hangs.
        code = self._process.wait(timeout=self._run.timeout + 60)
        out = self._out
        report: dict[str, Any] = (
            json.loads(out.read_text()) if out.exists() else {"failed": self._run.users, "chunks": 0}
        )
        report["exit_code"] = code
        return report

    def __enter__(self) -> "LoadClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._process.poll() is None:  # left early (an error, Ctrl-C): the client must not outlive the stack
            self._process.kill()
            self._process.wait()


def run_client(api_urls: list[str], run: ClientRun, out: Path) -> dict[str, Any]:
    """Run the load client to the end; returns its JSON report (with its exit code added)."""
    with LoadClient(api_urls, run, out) as client:
        return client.finish()


class Sampler:
    """Polls resident memory and Redis connections until stopped, keeping the maxima."""

    def __init__(self, stack: BenchStack, kinds: tuple[str, ...]) -> None:
        self._stack = stack
        self._kinds = kinds
        self.peaks = Peaks()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)

    def __enter__(self) -> "Sampler":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        client = redis.Redis.from_url(self._stack.redis_url, socket_timeout=5)
        next_connections = 0.0
        try:
            while not self._stop.is_set():
                for kind in self._kinds:
                    rss = rss_bytes(self._stack.pids[kind])
                    self.peaks.rss[kind] = max(rss, self.peaks.rss.get(kind, 0))
                if time.monotonic() >= next_connections:
                    next_connections = time.monotonic() + CONNECTION_SAMPLE_SECONDS
                    names = Counter(str(entry.get("name", "")) for entry in client.client_list())
                    for name in (*CONNECTION_NAMES, "total"):
                        count = names.total() if name == "total" else names[name]
                        self.peaks.connections[name] = max(count, self.peaks.connections.get(name, 0))
                self._stop.wait(MEMORY_SAMPLE_SECONDS)
        finally:
            client.close()


@contextmanager
def profiled(kind: str | None, stack: BenchStack, out_dir: Path, label: str, fmt: str) -> Iterator[list[str]]:
    """py-spy attached to every process of `kind` while the block runs; yields the files it will have written."""
    files: list[str] = []
    if kind is None:
        yield files
        return
    py_spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if py_spy is None:
        raise FileNotFoundError("py-spy is not installed (it is in backend's dev dependency group)")
    recorders = []
    for pid in stack.pids[kind]:
        path = out_dir / f"profile-{label}-{kind}-{pid}.{'json' if fmt == 'speedscope' else 'svg'}"
        # --nonblocking: sample without pausing the process, so the profile does not slow what it measures.
        argv = [py_spy, "record", "--pid", str(pid), "--output", str(path), "--format", fmt, "--nonblocking"]
        recorders.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))
        files.append(str(path))
    try:
        yield files
    finally:
        for recorder in recorders:
            recorder.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        for recorder in recorders:
            try:
                recorder.wait(timeout=60)
            except subprocess.TimeoutExpired:
                recorder.kill()


def warm_up(api_urls: list[str], out_dir: Path) -> None:
    """A few fast answers through every API process and worker: first-use costs stay out of the measurement."""
    report = run_client(api_urls, ClientRun(4 * len(api_urls), 5, 0, 0, 60), out_dir / "warm-up.json")
    if report.get("failed"):
        raise RuntimeError(f"the stack failed its warm-up: {report.get('failure_reasons')}")


def run_level(level: Level, shape: Shape, out_dir: Path, profile: str | None, profile_format: str) -> LevelResult:
    label = f"{level.label}-{level.streams}" if level.label else f"{level.streams}-streams"
    shape = level.shape or shape
    log_dir = out_dir / f"logs-{label}"
    # Read as the servers start: that is the code they load.
    version = code_version()
    with scratch_dir("bench-load-") as root, running_stack(shape, root, log_dir) as stack:
        warm_up(stack.api_urls, out_dir)
        time.sleep(SETTLE_SECONDS)
        kinds = (*SERVER_KINDS, *CONTEXT_KINDS)
        idle_rss = {kind: rss_bytes(stack.pids[kind]) for kind in ("api", "worker")}
        load_before = load_average()
        with LoadClient(stack.api_urls, level.client_run, out_dir / f"client-{label}.json") as load_client:
            # Signing the users in is not what a level measures: the readings begin once they are.
            load_client.wait_signed_in()
            before, machine_before, started = ProcessTable(), MachineCpu.read(), time.monotonic()
            with (
                Sampler(stack, ("api", "worker")) as sampler,
                profiled(profile, stack, out_dir, label, profile_format) as files,
            ):
                client = load_client.finish()
                after, machine, wall = ProcessTable(), MachineCpu.read() - machine_before, time.monotonic() - started
        cpu = {kind: after.cpu_seconds(stack.pids[kind]) - before.cpu_seconds(stack.pids[kind]) for kind in kinds}
        cpu["client"] = float(client.get("client_cpu_s", 0.0))
        ours = after.tree([os.getpid(), *(pid for kind in kinds for pid in stack.pids[kind])])
        return LevelResult(
            streams=level.streams,
            tokens_per_second=level.tokens_per_second,
            ramp_seconds=level.ramp_seconds,
            client=client,
            cpu_seconds=cpu,
            idle_rss=idle_rss,
            peak_rss={kind: max(sampler.peaks.rss.get(kind, 0), idle_rss[kind]) for kind in idle_rss},
            redis_connections=sampler.peaks.connections,
            machine_busy_seconds=machine.busy,
            machine_interrupt_seconds=machine.interrupts,
            wall_seconds=wall,
            load_average_before=load_before,
            load_average_after=load_average(),
            profiles=files,
            code_version=version,
            busiest_others=after.busiest_since(before, ours, BUSIEST_OTHERS),
            server_log_errors=count_log_errors(log_dir),
            label=level.label,
            shape=level.shape,
        )


def code_version() -> str:
    """The commit the servers run, plus the server files that differ from it in the working tree."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False).stdout

    commit = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    changed = [line[3:] for line in git("status", "--porcelain", "--", "backend/app", "backend/alembic").splitlines()]
    return f"{commit} + uncommitted changes to {', '.join(changed)}" if changed else commit


def count_log_errors(log_dir: Path) -> dict[str, int]:
    """ERROR lines and tracebacks in each process's log: where to look when users saw failures."""
    counts = {}
    for log in sorted(log_dir.glob("*.log")):
        lines = log.read_text(errors="replace").splitlines()
        # " ERROR": uvicorn's and Celery's own lines; "[error": ours in console format (the crowd level's).
        counts[log.stem] = sum(
            1 for line in lines if " ERROR" in line or "[error" in line or line.startswith("Traceback")
        )
    return {name: count for name, count in counts.items() if count}


def machine_facts() -> dict[str, str]:
    cpu_model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.machine(),
    )
    memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    redis_version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True, check=False).stdout
    postgres_version = subprocess.run(
        [str(postgres_bin_dir() / "postgres"), "--version"], capture_output=True, text=True, check=False
    ).stdout
    return {
        "cpu": f"{os.cpu_count()} cores, {cpu_model}",
        "memory": f"{memory_kib / 1024 / 1024:.0f} GiB",
        "kernel": platform.release(),
        "python": platform.python_version(),
        "redis": redis_version.split()[2].removeprefix("v=") if redis_version else "?",
        # "postgres (PostgreSQL) 15.18 (Debian …)"
        "postgresql": postgres_version.split()[2] if postgres_version else "?",
    }


def crowd_level() -> Level:
    """The issue's 500 users at once on a stack shaped as `make dev` runs it (devstack/stack.py): its default worker
    processes and threads each, one API process with its access log on, and console log lines (child_env's default).
    Not make dev's abuse limits: all 500 guests come from one address, so the relaxed ones apply, as at every level."""
    workers = worker_processes({})
    shape = Shape(len(workers), workers[0].concurrency, 1, {"LOG_FORMAT": LogFormat.CONSOLE.value}, access_log=True)
    return Level(CROWD_STREAMS, CROWD_TOKENS_PER_SECOND, label=CROWD_LABEL, at_once=True, shape=shape)


def parse_levels(text: str) -> list[Level]:
    """`10,1000` picks the brief's levels; `300@20` sets a level's tokens per second too; `crowd` is the crowd."""
    levels = []
    for part in text.split(","):
        if part.strip() == CROWD_LABEL:
            levels.append(crowd_level())
            continue
        streams_text, _, tps_text = part.strip().partition("@")
        streams = int(streams_text)
        if not tps_text and streams not in DEFAULT_LEVELS:
            raise argparse.ArgumentTypeError(f"level {streams}: give its rate as {streams}@<tokens per second>")
        levels.append(Level(streams, float(tps_text) if tps_text else DEFAULT_LEVELS[streams]))
    return levels


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default_levels = ",".join([*(str(streams) for streams in DEFAULT_LEVELS), CROWD_LABEL])
    parser.add_argument(
        "--levels",
        type=parse_levels,
        default=parse_levels(default_levels),
        help=f"concurrent streams per level, comma-separated; N@TPS for another rate; {CROWD_LABEL}: "
        f"{CROWD_STREAMS} users at once on make dev's defaults (default: {default_levels})",
    )
    parser.add_argument(
        "--limits",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="measure the physical limits first, on a stack of their own (~30 s; default: on)",
    )
    parser.add_argument("--only-limits", action="store_true", help="measure the physical limits and no level")
    parser.add_argument(
        "--tokens",
        type=int,
        default=TOKENS_PER_ANSWER,
        help="tokens per answer at every level (default: %(default)s, the brief's; docs only with the default)",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="worker processes (default: %(default)s; not the crowd's)"
    )
    parser.add_argument(
        "--worker-concurrency", type=int, default=1100, help="generations (threads) per worker (default: %(default)s)"
    )
    parser.add_argument("--apis", type=int, default=2, help="API processes (default: %(default)s; not the crowd's)")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the server processes, e.g. CHECKPOINT_SECONDS=5 (repeatable; not the crowd's)",
    )
    parser.add_argument("--profile", choices=("worker", "api"), help="record each level under py-spy")
    parser.add_argument("--profile-format", choices=("speedscope", "flamegraph"), default="speedscope")
    add_report_arguments(
        parser,
        out_help="raw results, client logs and profiles (default: .data/bench/…)",
        docs_help="write docs/benchmarks/load.md and load.png (default: only when running the default levels)",
    )
    args = parser.parse_args(argv)
    if any("=" not in item for item in args.env):
        parser.error("--env takes NAME=VALUE")
    if args.only_limits:
        if not args.limits:
            parser.error("--only-limits and --no-limits leave nothing to run")
        args.levels = []
    if args.docs is None:
        briefs_levels = args.levels == parse_levels(default_levels) and args.tokens == TOKENS_PER_ANSWER
        args.docs = briefs_levels and args.limits and args.report_from is None
    return args


def _stop_on_sigterm(signum: int, frame: object) -> None:
    # An exception, not an exit: the stacks' context managers must stop every server they started.
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> None:
    args = parse_args()
    if args.report_from is not None:
        run = BenchRun.load(args.report_from)
    else:
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
        run = run_levels(args)
    # Imported here: matplotlib is slow to import, and only the report needs it.
    from benchmarks.load_report import render_run, write_docs

    print(render_run(run))
    if args.docs:
        write_docs(run, DOCS_DIR)
        print(f"wrote {DOCS_DIR / 'load.md'} and {DOCS_DIR / 'load.png'}")


def run_levels(args: argparse.Namespace) -> BenchRun:
    shape = Shape(args.workers, args.worker_concurrency, args.apis, dict(item.split("=", 1) for item in args.env))
    out_dir = args.out or REPO_ROOT / ".data" / "bench" / f"load-{time.strftime('%Y%m%d-%H%M%S')}"
    out_dir.mkdir(parents=True, exist_ok=True)
    names = [level.label or level.streams for level in args.levels]
    print(f"load benchmark: {shape}, levels {names}; raw results in {out_dir}")
    date, started = time.strftime("%Y-%m-%d %H:%M %Z"), time.monotonic()
    limits: PhysicalLimits | None = None
    if args.limits:
        print("physical limits: Redis round trip, raw XADD / PUBLISH, a do-nothing SSE server …", flush=True)
        limits = measure_limits(out_dir / "logs-limits")
        print(limits_line(limits), flush=True)
    results = []
    for level in (dataclasses.replace(level, tokens=args.tokens) for level in args.levels):
        shaped = f" at once on {level.shape}" if level.shape is not None else ""
        print(
            f"level {level.streams} streams{shaped}, {level.tokens} tokens at {level.tokens_per_second:g}/s …",
            flush=True,
        )
        results.append(run_level(level, shape, out_dir, args.profile, args.profile_format))
        print(level_line(results[-1]), flush=True)
    seconds = time.monotonic() - started
    run = BenchRun(command_line(sys.argv[1:]), date, seconds, shape, machine_facts(), results, limits)
    run.save(out_dir / "results.json")
    return run


def command_line(args: Sequence[str]) -> str:
    if not args:
        return "make bench"
    return "cd backend && ../.tools/bin/uv run python -m benchmarks.load " + shlex.join(args)


def level_line(result: LevelResult) -> str:
    client = result.client
    latency = client.get("delivery_latency_ms", {})
    server = result.server_cpu_us_per_token
    return (
        f"  {result.name}: {client.get('succeeded', 0)}/{result.streams} succeeded, lost {client.get('lost')}, "
        f"duplicated {client.get('duplicated')}; latency p50 {latency.get('p50')} p99 {latency.get('p99')} "
        f"max {latency.get('max')} ms; server CPU {server or 0:.0f} µs/token; {result.wall_seconds:.0f} s"
        + (f"; errors in logs: {result.server_log_errors}" if result.server_log_errors else "")
        + f"; other CPU {result.other_load_seconds:.0f} s, busiest: "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.busiest_others[:3])
    )


if __name__ == "__main__":
    main()
