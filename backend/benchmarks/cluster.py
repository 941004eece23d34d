"""The namespace cluster under load: what nginx costs, and what more API and worker hosts buy, on one machine.

Run: `make bench-cluster` (root: it builds network namespaces). It starts DEPLOYMENT.md's runbook on separate hosts
(devstack/cluster/: edge with nginx and Prometheus, API hosts, worker hosts, data, model, client) three times:
- 2 API hosts and 2 worker hosts: first the saturating load through nginx, then, at each of --levels concurrent
  streams, the same answers through nginx and straight to one API host (api1), one after the other;
- 1 worker host (and 2 API hosts): the saturating load through nginx;
- 1 API host (and 2 worker hosts): the saturating load, then each level, through nginx.
Each cluster is warmed up (a few fast answers through nginx) before it is measured. Every run is the load client
(test-clients/test_load.py) on the client host, each user a guest of its own; from its JSON report come delivery
latency (client receive time minus the worker's append time, one machine clock), delivered tokens and events per
second, and answers per second; from /proc, the CPU time of each role's processes over the run (the timed part,
after every user has signed in).
The default arguments write docs/benchmarks/cluster.md; any other choice prints the tables and keeps the raw figures
in --out only.
"""

import argparse
import json
import shlex
import signal
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.load import REPO_ROOT, code_version, machine_facts
from benchmarks.load_results import Level
from benchmarks.proc_stats import MachineCpu, ProcessTable
from benchmarks.report_text import add_report_arguments, figure, kept_notes
from devstack.cluster.hosts import Cluster, ClusterSpec, cluster
from devstack.cluster.load import LoadRun, LoadShape

DOCS = REPO_ROOT / "docs" / "benchmarks" / "cluster.md"
DEFAULT_LEVELS = "100,1000"
# One generation per stream of the largest level even if Celery hands all of them to one worker (as load.py runs it).
WORKER_CONCURRENCY = 1100
WARM_UP = LoadShape(users=8, tokens=5, tps=0, ramp_seconds=0, deadline_seconds=60, ttft_ms=0, reasoning_tokens=0)
# The role of each of a cluster's server processes (their names in its Supervisor) besides the API and worker hosts.
_ROLE_PROCESSES = {
    "nginx": ("edge-edge",),
    "Prometheus": ("edge-prometheus",),
    "Redis": ("data-redis",),
    "PostgreSQL": ("data-postgres",),
    "simulator": ("model",),
}
ROLES = ("API", "worker", *_ROLE_PROCESSES, "client")


@dataclass(frozen=True)
class RunResult:
    """One load-client run on one cluster."""

    api_hosts: int
    worker_hosts: int
    # "nginx" (the edge) or "direct" (api1).
    path: str
    purpose: str  # "latency" or "throughput"
    level: Level
    client: dict[str, Any]
    # CPU time of each role (ROLES) over the run.
    cpu_seconds: dict[str, float]
    machine_busy_seconds: float
    wall_seconds: float

    def cores(self, role: str) -> float:
        """The role's CPU time over the run's wall time: how many cores it kept busy, on average."""
        return self.cpu_seconds[role] / self.wall_seconds

    @property
    def window_seconds(self) -> float:
        window: float = self.client["throughput"]["window_s"]
        return window

    @property
    def answers_per_second(self) -> float:
        return float(self.client["succeeded"]) / self.window_seconds if self.window_seconds else 0.0


@dataclass
class ClusterBench:
    command: str
    date: str
    seconds: float
    code_version: str
    machine: dict[str, str]
    saturation: Level
    runs: list[RunResult]

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> "ClusterBench":
        saved = json.loads(path.read_text())
        saved["saturation"] = Level(**saved["saturation"])
        saved["runs"] = [RunResult(**run | {"level": Level(**run["level"])}) for run in saved["runs"]]
        return cls(**saved)


def _shape(level: Level) -> LoadShape:
    """The load benchmark's answers (load.py): no reasoning and no delay before the first token, users starting over
    streams/200 seconds, and its deadline."""
    run = level.client_run
    return LoadShape(run.users, run.tokens, run.tokens_per_second, run.ramp_seconds, run.timeout, 0, 0)


def _pids(c: Cluster) -> dict[str, list[int]]:
    names = {"API": c.spec.api_hosts, "worker": c.spec.worker_hosts, **_ROLE_PROCESSES}
    return {role: [c.process(name).pid for name in processes] for role, processes in names.items()}


def run_load(c: Cluster, level: Level, path: str, purpose: str, out_dir: Path) -> RunResult:
    url = c.edge_url if path == "nginx" else c.api_url("api1")
    run_dir = out_dir / f"{len(c.spec.api_hosts)}api-{len(c.spec.worker_hosts)}wk-{purpose}-{level.streams}-{path}"
    run_dir.mkdir(parents=True)
    load = LoadRun(c, _shape(level), run_dir, url)
    try:
        load.wait_signed_in()
        pids = _pids(c)
        before, machine_before, started = ProcessTable(), MachineCpu.read(), time.monotonic()
        report = load.finish()
        after, machine, wall = ProcessTable(), MachineCpu.read() - machine_before, time.monotonic() - started
    finally:
        load.stop()
    cpu = {role: after.cpu_seconds(ids) - before.cpu_seconds(ids) for role, ids in pids.items()}
    cpu["client"] = float(report["client_cpu_s"])
    result = RunResult(
        len(c.spec.api_hosts), len(c.spec.worker_hosts), path, purpose, level, report, cpu, machine.busy, wall
    )
    print(f"  {run_line(result)}", flush=True)
    return result


def warm_up(c: Cluster, out_dir: Path) -> None:
    """A few fast answers through nginx, to every API and worker host: first-use costs stay out of the runs."""
    run_dir = out_dir / f"{len(c.spec.api_hosts)}api-{len(c.spec.worker_hosts)}wk-warm-up"
    run_dir.mkdir(parents=True)
    load = LoadRun(c, WARM_UP, run_dir, c.edge_url)
    try:
        load.wait_signed_in()
        report = load.finish()
    finally:
        load.stop()
    if report["failed"]:
        raise RuntimeError(f"the cluster failed its warm-up: {report['failure_reasons']}")


def run_cluster(spec: ClusterSpec, args: argparse.Namespace, out_dir: Path, paths: tuple[str, ...]) -> list[RunResult]:
    """The saturating load through nginx on a fresh cluster of `spec`, then each latency level by each of `paths`."""
    print(f"cluster: API hosts {', '.join(spec.api_hosts)}; worker hosts {', '.join(spec.worker_hosts)}", flush=True)
    log_dir = out_dir / f"logs-{len(spec.api_hosts)}api-{len(spec.worker_hosts)}wk"
    with cluster(log_dir, spec) as c:
        warm_up(c, out_dir)
        results = [run_load(c, args.saturation, "nginx", "throughput", out_dir)]
        for streams in args.levels:
            level = Level(streams, args.tps, args.tokens)
            results += [run_load(c, level, path, "latency", out_dir) for path in paths]
        return results


def run_bench(args: argparse.Namespace) -> ClusterBench:
    out_dir = args.out or REPO_ROOT / ".data" / "bench" / f"cluster-{time.strftime('%Y%m%d-%H%M%S')}"
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f"cluster benchmark; raw results in {out_dir}", flush=True)
    date, started, version = time.strftime("%Y-%m-%d %H:%M %Z"), time.monotonic(), code_version()
    # Latency through nginx to both API hosts and straight to api1 on the whole cluster, and through nginx to api1
    # alone on the cluster with one API host: nginx's own hop is the difference between the last two.
    runs = run_cluster(ClusterSpec(WORKER_CONCURRENCY), args, out_dir, ("nginx", "direct"))
    runs += run_cluster(ClusterSpec(WORKER_CONCURRENCY, worker_hosts=("wk1",)), args, out_dir, ())
    runs += run_cluster(ClusterSpec(WORKER_CONCURRENCY, api_hosts=("api1",)), args, out_dir, ("nginx",))
    bench = ClusterBench(
        command_line(sys.argv[1:]), date, time.monotonic() - started, version, machine_facts(), args.saturation, runs
    )
    bench.save(out_dir / "results.json")
    return bench


def command_line(args: list[str]) -> str:
    if not args:
        return "make bench-cluster"
    return "cd backend && ../.tools/bin/uv run python -m benchmarks.cluster " + shlex.join(args)


def run_line(r: RunResult) -> str:
    c = r.client
    latency = c["delivery_latency_ms"]
    return (
        f"{r.api_hosts} API, {r.worker_hosts} worker hosts, {r.level.streams} streams via {r.path}: "
        f"{c['succeeded']}/{c['users']} succeeded, lost {c['lost']}, duplicated {c['duplicated']}; "
        f"latency p50 {latency['p50']} p99 {latency['p99']} ms; {figure(c['throughput']['tokens_per_s'], 0)} tokens/s, "
        f"{figure(c['throughput']['chunks_per_s'], 0)} events/s; {r.wall_seconds:.0f} s"
    )


def _cores(r: RunResult) -> str:
    return " / ".join(f"{r.cores(role):.2f}" for role in ROLES) + f" / {r.machine_busy_seconds / r.wall_seconds:.2f}"


def _failures(r: RunResult) -> str:
    c = r.client
    return f"{c['failed']:,} | {c['lost']} / {c['duplicated']} / {c['out_of_order']}"


def render_latency(runs: list[RunResult]) -> str:
    rows = [
        "| streams | path | errors | lost / dup / out of order | latency p50 | p99 (ms) | steady p50 / p99 (ms) "
        "| first chunk p50 (ms) | tokens/s offered / delivered "
        f"| cores busy: {' / '.join(ROLES)} / machine |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        c = r.client
        latency, steady = c["delivery_latency_ms"], c["delivery_latency_steady_ms"]
        path = "direct → api1" if r.path == "direct" else f"nginx → {'api1' if r.api_hosts == 1 else '2 API hosts'}"
        rows.append(
            f"| {r.level.streams:,} | {path} | {_failures(r)} | {figure(latency['p50'])} | {figure(latency['p99'])} "
            f"| {figure(steady['p50'])} / {figure(steady['p99'])} | {figure(c['time_to_first_chunk_ms']['p50'], 0)} "
            f"| {r.level.streams * r.level.tokens_per_second:,.0f} / {figure(c['throughput']['tokens_per_s'], 0)} "
            f"| {_cores(r)} |"
        )
    return "\n".join(rows) + "\n"


def render_throughput(runs: list[RunResult]) -> str:
    rows = [
        "| API hosts | worker hosts | errors | lost / dup / out of order | tokens/s | events/s | answers/s "
        "| completion p50 / max (s) | latency p50 / p99 (ms) "
        f"| cores busy: {' / '.join(ROLES)} / machine |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        c = r.client
        latency, completion, throughput = c["delivery_latency_ms"], c["completion_s"], c["throughput"]
        rows.append(
            f"| {r.api_hosts} | {r.worker_hosts} | {_failures(r)} | **{figure(throughput['tokens_per_s'], 0)}** "
            f"| {figure(throughput['chunks_per_s'], 0)} | {r.answers_per_second:.1f} "
            f"| {figure(completion['p50'])} / {figure(completion['max'])} "
            f"| {figure(latency['p50'])} / {figure(latency['p99'])} | {_cores(r)} |"
        )
    return "\n".join(rows) + "\n"


def latency_runs(bench: ClusterBench) -> list[RunResult]:
    """By level, then path: nginx to both API hosts, straight to api1, nginx to api1 alone."""
    order = {("nginx", 2): 0, ("direct", 2): 1, ("nginx", 1): 2}
    runs = [r for r in bench.runs if r.purpose == "latency"]
    return sorted(runs, key=lambda r: (r.level.streams, order[r.path, r.api_hosts]))


def render_tables(bench: ClusterBench) -> str:
    throughput = [r for r in bench.runs if r.purpose == "throughput"]
    return render_latency(latency_runs(bench)) + "\n" + render_throughput(throughput)


def write_docs(bench: ClusterBench) -> None:
    latency = latency_runs(bench)
    answer = latency[0].level
    saturation = bench.saturation
    machine = ", ".join(f"{name} {value}" for name, value in bench.machine.items())
    DOCS.write_text(
        f"""# Cluster: nginx's cost, and more API and worker hosts, on one machine

Produced by `{bench.command}` on {bench.date} in {bench.seconds / 60:.1f} minutes. Server code: `{bench.code_version}`.
Machine: {machine}.

Every role of [DEPLOYMENT.md](../../DEPLOYMENT.md)'s runbook ran on a host of its own, started with the runbook's
own blocks (as the cluster test does): a Linux network namespace per host, joined by a bridge: the edge (nginx with
[deploy/nginx.conf](../../deploy/nginx.conf), and Prometheus scraping every API and worker process each second), API
hosts (one uvicorn process each), worker hosts (one Celery worker of {WORKER_CONCURRENCY} threads each), the data
host (Redis and PostgreSQL), the model host (the simulator) and the client host (the load client,
`test-clients/test_load.py`, one process). **All of these "hosts" share this machine's 2 cores**: a namespace gives
a host its own network, not its own CPU.

Each user is a guest of its own, signed in before the run's measurements begin (the API's abuse limits relaxed, as
the cluster test does); it creates a conversation, sends one message asking for the run's tokens at its rate, with no
reasoning and no delay before the first token (a simulator directive), reads the stream, and checks that the stored
answer equals what it streamed. Users start evenly over streams/200 seconds. Each cluster is started fresh and
warmed up (a few fast answers through nginx) before it is measured.

## Latency: through nginx against straight to one API host

At each level, {answer.tokens} tokens per answer at {answer.tokens_per_second:g} tokens/s (as `make bench` does,
[load.md](load.md)): on the cluster with 2 API and 2 worker hosts, first through nginx (which balances over both API
hosts), then with the load client connecting straight to api1 (which then serves every stream alone; api2 idles);
and on the cluster with 1 API host (and 2 worker hosts), through nginx to that one API host. The last two differ by
nginx's hop alone; the first two by the hop and by one API host against two.

{render_latency(latency)}
## Throughput: one worker host against two, one API host against two

The same load through nginx on three fresh clusters, meant to saturate them: {saturation.streams:,} streams of
{saturation.tokens} tokens at {saturation.tokens_per_second:g} tokens/s each
({saturation.streams * saturation.tokens_per_second:,.0f} tokens/s offered; `make bench` delivered about 7,400 on
this machine, [load.md](load.md)).

{render_throughput([r for r in bench.runs if r.purpose == "throughput"])}
## Reading these figures

{kept_notes(DOCS)}

## What the columns mean

- **errors**: users whose answer did not complete with every event once and in order, or whose stored answer
  differs from the streamed one. **lost / dup / out of order**: event ids never received, received twice, or after a
  higher one, summed over users.
- **latency**: per event, the client's receive time minus `"t"`, the worker's append time (one machine clock: the
  namespaces share it), over every event of every user; nearest-rank percentiles, from the load client's `--json`
  report. **steady**: the same over the events appended while every user was streaming (none starting or
  finishing). **first chunk**: from posting the message to the first event.
- **tokens/s**: tokens of completed answers over the run's window (first message sent to last answer ended);
  **events/s**: events received over the same window (a loaded worker joins tokens that arrive together into one
  event); **answers/s**: completed answers over the window.
- **cores busy**: CPU time (user + system, from `/proc`, each process with its children) of the role's processes
  over the run's timed part, divided by its wall time: API (every API host's uvicorn), worker (every worker host's
  Celery process), nginx (master and workers), Prometheus, Redis, PostgreSQL (with its backends), the simulator, the
  load client (its own figure); **machine**: the whole machine's busy time (of 2 cores), interrupts and anything
  else included.

Raw figures are in `.data/bench/cluster-<time>/`: `results.json`, each run's client report and log, and every
server process's log (`logs-<cluster>/`).
"""
    )


def parse_levels(text: str) -> list[int]:
    return [int(part) for part in text.split(",")]


def parse_saturation(text: str) -> Level:
    """`400x200@50`: streams, tokens per answer, tokens per second of each."""
    streams, _, rest = text.partition("x")
    tokens, _, tps = rest.partition("@")
    try:
        return Level(int(streams), float(tps), int(tokens))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: give STREAMSxTOKENS@TPS, e.g. 400x200@50") from error


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--levels",
        type=parse_levels,
        default=parse_levels(DEFAULT_LEVELS),
        help=f"concurrent streams of the latency runs, comma-separated (default: {DEFAULT_LEVELS})",
    )
    parser.add_argument("--tokens", type=int, default=200, help="tokens per answer of the latency runs (default: 200)")
    parser.add_argument("--tps", type=float, default=10.0, help="tokens per second of each latency run's answers")
    parser.add_argument(
        "--saturation",
        type=parse_saturation,
        default=parse_saturation("400x200@50"),
        metavar="STREAMSxTOKENS@TPS",
        help="the throughput runs' load (default: 400x200@50: 20,000 tokens/s offered)",
    )
    add_report_arguments(
        parser,
        out_help="raw results and logs (default: .data/bench/cluster-<time>/)",
        docs_help="write docs/benchmarks/cluster.md (default: only when running with the default arguments)",
    )
    args = parser.parse_args(argv)
    if args.docs is None:
        args.docs = not (argv if argv is not None else sys.argv[1:])
    return args


def main() -> None:
    args = parse_args()
    if args.report_from is not None:
        bench = ClusterBench.load(args.report_from)
    else:
        # SIGTERM as Ctrl-C: an exception, so that the cluster's context managers stop every server and delete every
        # namespace they made.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        bench = run_bench(args)
    print(render_tables(bench))
    if args.docs:
        write_docs(bench)
        print(f"wrote {DOCS}")


if __name__ == "__main__":
    main()
