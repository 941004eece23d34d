"""The load benchmark's report: markdown tables, the targets met or missed, and a chart (matplotlib)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display

from matplotlib import pyplot

from benchmarks.limits import BENCHMARK_CLIENTS, BENCHMARK_PIPELINE
from benchmarks.load_results import (
    CONNECTION_NAMES,
    CROWD_LABEL,
    CROWD_STREAMS,
    RAMP_USERS_PER_SECOND,
    SERVER_KINDS,
    TOKENS_PER_ANSWER,
    BenchRun,
    LevelResult,
)
from benchmarks.report_text import figure, kept_notes

LATENCY_KEYS = ("p50", "p95", "p99", "max")
# The ratios' sign (multiplication), by name: ruff takes the character itself for a confusable x.
TIMES = "\N{MULTIPLICATION SIGN}"
KIND_LABELS = {"worker": "worker", "api": "API", "redis": "Redis", "postgres": "PostgreSQL"}


def _latency(result: LevelResult, key: str, digits: int = 1) -> str:
    return figure(result.client.get("delivery_latency_ms", {}).get(key), digits)


def render_run(run: BenchRun) -> str:
    """Every table the run has figures for, for the terminal."""
    parts = [render_delivery(run.ramped), render_cost(run.ramped)] if run.ramped else []
    if (crowd := run.labelled(CROWD_LABEL)) is not None:
        parts.append(render_crowd(crowd))
    parts.append(render_limits(run))
    if run.levels:
        parts.append(render_targets(run.levels))
    return "\n".join(parts)


def render_delivery(results: Sequence[LevelResult]) -> str:
    """What the users got, one row per level."""
    rows = [
        "| streams | tok/s each | succeeded | errors | lost / dup / out of order | latency p50 | p95 | p99 | max (ms) "
        "| steady p50 / p99 (ms) "
        "| first chunk p50 / p99 (ms) | completion p50 / max (s) | peak open | tokens/s offered / delivered |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        c = r.client
        steady = c.get("delivery_latency_steady_ms", {})
        first = c.get("time_to_first_chunk_ms", {})
        completion = c.get("completion_s", {})
        breaches = f"{c.get('lost', '-')} / {c.get('duplicated', '-')} / {c.get('out_of_order', '-')}"
        rows.append(
            f"| {r.streams:,} | {r.tokens_per_second:g} | {c.get('succeeded', 0):,} | {c.get('failed', r.streams):,} "
            f"| {breaches} | {' | '.join(_latency(r, key) for key in LATENCY_KEYS)} "
            f"| {figure(steady.get('p50'), 1)} / {figure(steady.get('p99'), 1)} "
            f"| {figure(first.get('p50'), 0)} / {figure(first.get('p99'), 0)} "
            f"| {figure(completion.get('p50'))} / {figure(completion.get('max'))} "
            f"| {figure(c.get('peak_open_streams'))} "
            f"| {r.offered_tokens_per_second:,.0f} / {figure(r.delivered_tokens_per_second, 0)} |"
        )
    return "\n".join(rows) + "\n"


def render_cost(results: Sequence[LevelResult]) -> str:
    """What the servers spent, one row per level."""
    rows = [
        "| streams | tokens / chunks | server CPU µs/token | worker | API | Redis | PostgreSQL | simulator | client "
        "| API KiB/stream | worker KiB/stream | Redis conns api / hub / worker (all) "
        "| machine CPU s: all / irq / other | load avg |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        per_token = [r.cpu_us_per_token(kind) for kind in (*SERVER_KINDS, "simulator", "client")]
        connections = " / ".join(figure(r.redis_connections.get(name)) for name in CONNECTION_NAMES)
        rows.append(
            f"| {r.streams:,} | {r.tokens:,} / {r.chunks:,} | **{figure(r.server_cpu_us_per_token, 0)}** "
            f"| {' | '.join(figure(value, 0) for value in per_token)} "
            f"| {r.kib_per_stream('api'):,.1f} | {r.kib_per_stream('worker'):,.1f} "
            f"| {connections} ({figure(r.redis_connections.get('total'))}) "
            f"| {r.machine_busy_seconds:,.0f} / {r.machine_interrupt_seconds:,.0f} / {r.other_load_seconds:,.0f} "
            f"| {r.load_average_before[0]:.1f} |"
        )
    return "\n".join(rows) + "\n"


def render_crowd(r: LevelResult) -> str:
    """The crowd level: its users' outcome and what its stack (make dev's shape) spent."""
    c = r.client
    first = c.get("time_to_first_chunk_ms", {})
    completion = c.get("completion_s", {})
    shape = r.shape
    stack = (
        f"{shape.workers} workers of {shape.worker_concurrency} threads, {shape.apis} API"
        f"{', access log on' if shape.access_log else ''}"
        if shape is not None
        else "the run's"
    )
    return (
        "| users at once | stack | succeeded | errors | lost / dup | first chunk p50 / p99 (ms) "
        "| chunk latency p50 / p99 (ms) | completion p50 / max (s) | server CPU µs/token "
        "| tokens/s offered / delivered |\n"
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        f"| {r.streams:,} @{r.tokens_per_second:g} tok/s | {stack} | {c.get('succeeded', 0):,} "
        f"| {c.get('failed', r.streams):,} | {c.get('lost', '-')} / {c.get('duplicated', '-')} "
        f"| {figure(first.get('p50'), 0)} / {figure(first.get('p99'), 0)} (of {first.get('count', 0):,}) "
        f"| {_latency(r, 'p50')} / {_latency(r, 'p99')} "
        f"| {figure(completion.get('p50'))} / {figure(completion.get('max'))} "
        f"| {figure(r.server_cpu_us_per_token, 0)} "
        f"| {r.offered_tokens_per_second:,.0f} / {figure(r.delivered_tokens_per_second, 0)} |\n"
    )


def _times(ours: float | None, limit: float | None) -> str:
    """Ours as a multiple of the limit."""
    if ours is None or not limit:
        return "-"
    ratio = ours / limit
    return f"{ratio:,.0f}{TIMES}" if ratio >= 10 else f"{ratio:.2g}{TIMES}"


def render_limits(run: BenchRun) -> str:
    """The stack's figures beside this machine's physical limits, measured in the same run (benchmarks/limits.py)."""
    limits = run.limits
    if limits is None:
        return "The physical limits were not measured in this run (`--no-limits`).\n"
    by_streams = {r.streams: r for r in run.ramped}
    ten, thousand = by_streams.get(10), by_streams.get(1000)
    busiest = max(run.levels, key=lambda r: r.delivered_chunks_per_second or 0.0, default=None)
    at_busiest = f" at {busiest.name}" if busiest is not None else ""

    def latency_us(result: LevelResult | None, key: str) -> float | None:
        value = result.client.get("delivery_latency_ms", {}).get(key) if result is not None else None
        return value * 1000 if value is not None else None

    def per_chunk(result: LevelResult | None, kind: str) -> float | None:
        return result.cpu_us_per_chunk(kind) if result is not None else None

    floor, paced = limits.sse_saturated, limits.sse_paced
    busiest_rate = busiest.delivered_chunks_per_second if busiest is not None else None
    rows = [
        ("Redis round trip p50 (µs) / our delivery latency p50 at 10 streams", limits.redis_rtt_us.p50,
         latency_us(ten, "p50"), 0),
        ("Redis round trip p99 (µs) / our delivery latency p99 at 10 streams", limits.redis_rtt_us.p99,
         latency_us(ten, "p99"), 0),
        (f"raw XADD + PUBLISH pairs/s / our delivered events/s{at_busiest}", limits.pairs_per_s, busiest_rate, 0),
        (f"Redis CPU µs per raw XADD + PUBLISH pair / ours per event delivered{at_busiest}",
         limits.redis_cpu_us_per_pair, per_chunk(busiest, "redis"), 2),
        (f"do-nothing SSE server's events/s, saturated (1 process) / our delivered events/s{at_busiest}",
         floor.events_per_second, busiest_rate, 0),
        ("do-nothing SSE server's CPU µs/event, saturated / our API's per event delivered at 1,000 streams",
         floor.server_cpu_us_per_event, per_chunk(thousand, "api"), 1),
        (f"the same, server paced at {paced.rate_per_connection:g} events/s on each of {paced.connections:,} streams",
         paced.server_cpu_us_per_event, per_chunk(thousand, "api"), 1),
    ]  # fmt: skip
    lines = ["| this machine's limit / our figure | limit | ours | ours ÷ limit |", "|---|---:|---:|---:|"]
    for description, limit, ours, digits in rows:
        lines.append(f"| {description} | {figure(limit, digits)} | {figure(ours, digits)} | {_times(ours, limit)} |")
    rtt, rates = limits.redis_rtt_us, f"XADD {limits.xadd_per_s:,.0f}/s, PUBLISH {limits.publish_per_s:,.0f}/s"
    lines += [
        "",
        f"Measured in {limits.seconds:.0f} s before the levels: {limits.pings:,} PINGs (round trip p50 / p95 / p99 / "
        f"max {rtt.p50:.0f} / {rtt.p95:.0f} / {rtt.p99:.0f} / {rtt.max:,.0f} µs); {rates} ({limits.payload_bytes} "
        f"bytes each, one subscriber); the do-nothing SSE server: {floor.connections:,} streams, "
        f"{floor.events_per_second:,.0f} events/s saturated over {floor.seconds:.0f} s (the server "
        f"{floor.server_cpu_seconds / floor.seconds:.0%} of a core, the reader "
        f"{floor.reader_cpu_seconds / floor.seconds:.0%}), {paced.events_per_second:,.0f} events/s paced.",
    ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Target:
    description: str
    streams: int
    check: Callable[[LevelResult], tuple[bool, str]]
    label: str = ""  # the level's label: "crowd", or "" for the ramped level of `streams`


def _all_complete(result: LevelResult) -> tuple[bool, str]:
    c = result.client
    ok = c.get("succeeded") == result.streams and c.get("lost") == 0 and c.get("duplicated") == 0
    return (
        ok,
        f"{c.get('succeeded', 0):,} of {result.streams:,} succeeded, lost {c.get('lost')}, dup {c.get('duplicated')}",
    )


def _latency_within(
    key: str, limit_ms: float, measure: str = "delivery_latency_ms"
) -> Callable[[LevelResult], tuple[bool, str]]:
    def check(result: LevelResult) -> tuple[bool, str]:
        value = result.client.get(measure, {}).get(key)
        return value is not None and value <= limit_ms, f"{key} {figure(value, 2)} ms"

    return check


def _first_chunk_within(limit_ms: float) -> Callable[[LevelResult], tuple[bool, str]]:
    """p99 of the time to first chunk, which the client takes over the users that got one: the others (still
    queued at the deadline) fail the target whatever the p99."""

    def check(result: LevelResult) -> tuple[bool, str]:
        first = result.client.get("time_to_first_chunk_ms", {})
        value, count = first.get("p99"), first.get("count", 0)
        ok = value is not None and value <= limit_ms and count == result.streams
        return (
            ok,
            f"p99 {figure(value / 1000 if value is not None else None, 2)} s over {count:,} of {result.streams:,}",
        )

    return check


def _both(*checks: Callable[[LevelResult], tuple[bool, str]]) -> Callable[[LevelResult], tuple[bool, str]]:
    def check(result: LevelResult) -> tuple[bool, str]:
        outcomes = [each(result) for each in checks]
        return all(ok for ok, _ in outcomes), ", ".join(text for _, text in outcomes)

    return check


def _server_cpu_within(limit_us: float) -> Callable[[LevelResult], tuple[bool, str]]:
    def check(result: LevelResult) -> tuple[bool, str]:
        value = result.server_cpu_us_per_token
        return value is not None and value <= limit_us, f"{figure(value, 0)} µs"

    return check


def _delivered_share_at_least(share: float) -> Callable[[LevelResult], tuple[bool, str]]:
    def check(result: LevelResult) -> tuple[bool, str]:
        delivered, offered = result.delivered_tokens_per_second, result.offered_tokens_per_second
        measured = delivered / offered if delivered is not None else None
        text = f"{figure(delivered, 0)} of {offered:,.0f} tokens/s" + (f" ({measured:.1%})" if measured else "")
        return measured is not None and measured >= share, text

    return check


def _api_memory_within(limit_kib: float) -> Callable[[LevelResult], tuple[bool, str]]:
    def check(result: LevelResult) -> tuple[bool, str]:
        value = result.kib_per_stream("api")
        return value <= limit_kib, f"{value:,.1f} KiB"

    return check


CROWD = f"{CROWD_STREAMS} at once on make dev defaults"
TARGETS = (
    Target(
        "10 streams @50 tok/s: p50 ≤ 1 ms, p99 ≤ 3 ms",
        10,
        _both(_latency_within("p50", 1), _latency_within("p99", 3)),
    ),
    Target("1,000 @10 tok/s: delivered tokens/s ≥ 98 % of offered", 1000, _delivered_share_at_least(0.98)),
    Target("1,000 @10 tok/s: all complete, 0 lost/dup", 1000, _all_complete),
    Target("1,000 @10 tok/s: p99 ≤ 100 ms over the whole run", 1000, _latency_within("p99", 100)),
    Target("server CPU (worker+API+Redis+PostgreSQL) ≤ 100 µs per token at 1,000", 1000, _server_cpu_within(100)),
    Target("2,000 @5 tok/s: all complete, p99 ≤ 250 ms", 2000, _both(_all_complete, _latency_within("p99", 250))),
    Target("API memory ≤ 30 KiB per extra viewer (at 1,000)", 1000, _api_memory_within(30)),
    Target(f"{CROWD}: every answer complete, 0 lost/dup", CROWD_STREAMS, _all_complete, CROWD_LABEL),
    Target(
        f"{CROWD}: first token p99 ≤ 3 s",
        CROWD_STREAMS,
        _first_chunk_within(3000),
        CROWD_LABEL,
    ),
    Target(f"{CROWD}: chunk p99 ≤ 100 ms", CROWD_STREAMS, _latency_within("p99", 100), CROWD_LABEL),
)


def render_targets(results: Sequence[LevelResult]) -> str:
    by_level = {(result.label, result.streams): result for result in results}
    lines = ["| target | measured | met |", "|---|---|---|"]
    for target in TARGETS:
        result = by_level.get((target.label, target.streams))
        if result is None:
            lines.append(f"| {target.description} | not run | - |")
            continue
        ok, measured = target.check(result)
        lines.append(f"| {target.description} | {measured} | {'yes' if ok else '**no**'} |")
    return "\n".join(lines) + "\n"


def write_chart(results: Sequence[LevelResult], path: Path) -> None:
    streams = [result.streams for result in results]
    figure, (latency_axes, cpu_axes) = pyplot.subplots(1, 2, figsize=(12, 4.8))
    for key, style in zip(LATENCY_KEYS, ("o-", "s-", "^-", "x--"), strict=True):
        values = [result.client.get("delivery_latency_ms", {}).get(key) for result in results]
        latency_axes.plot(streams, [v if v is not None else float("nan") for v in values], style, label=key)
    steady = [result.client.get("delivery_latency_steady_ms", {}).get("p99") for result in results]
    latency_axes.plot(streams, [v if v is not None else float("nan") for v in steady], "^:", label="p99 steady")
    # The latency targets: p50 and p99 at 10 streams, p99 at 1,000 and at 2,000.
    latency_axes.plot([10, 10, 1000, 2000], [1, 3, 100, 250], "k*", markersize=10, label="targets (p50, p99)")
    latency_axes.set(xscale="log", yscale="log", xlabel="concurrent streams", ylabel="delivery latency per chunk (ms)")
    latency_axes.set_title("Chunk delivery latency (worker append → client)")
    latency_axes.grid(True, which="both", alpha=0.3)
    latency_axes.legend()
    positions = range(len(results))
    bottom = [0.0] * len(results)
    for kind in SERVER_KINDS:
        heights = [result.cpu_us_per_token(kind) or 0.0 for result in results]
        cpu_axes.bar(positions, heights, bottom=bottom, label=KIND_LABELS[kind])
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    cpu_axes.axhline(100, color="black", linestyle=":", label="target at 1,000 (100 µs)")
    cpu_axes.set_xticks(list(positions), [f"{r.streams:,}\n@{r.tokens_per_second:g}/s" for r in results])
    cpu_axes.set(xlabel="concurrent streams @ tokens/s each", ylabel="server CPU per delivered token (µs)")
    cpu_axes.set_title("Server CPU per token, by process kind")
    cpu_axes.set_ylim(0, max(*bottom, 100.0) * 1.3)  # headroom for the legend above the bars
    cpu_axes.legend(loc="upper center", ncol=3)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    pyplot.close(figure)


def write_docs(run: BenchRun, docs_dir: Path) -> None:
    results, shape = run.ramped, run.shape
    write_chart(results, docs_dir / "load.png")
    notes = kept_notes(docs_dir / "load.md")
    versions = sorted({result.code_version for result in run.levels})
    code = (
        f"`{versions[0]}`"
        if len(versions) == 1
        else "changed during the run: " + "; ".join(f"{r.name} `{r.code_version}`" for r in run.levels)
    )
    crowd = run.labelled(CROWD_LABEL)
    env = ", ".join(f"`{name}={value}`" for name, value in shape.env.items()) or "none (the defaults)"
    machine = ", ".join(f"{name} {value}" for name, value in run.machine.items())
    (docs_dir / "load.md").write_text(
        f"""# Load: 10 to 2,000 concurrent streams on one 2-core machine

Produced by `{run.command}` on {run.date} in {run.seconds / 60:.1f} minutes.
Machine: {machine}. Every component ran on it: for each level a fresh private Redis and PostgreSQL
(durable, as `make dev` runs it), the simulator, {shape.workers} Celery worker processes of {shape.worker_concurrency}
threads each, {shape.apis} API processes (uvicorn, access log off), and the load client
(`test-clients/test_load.py`, one process) sending its users round-robin to the API processes. Server
settings changed: {env}. Server code: {code}.

Each user is a guest of its own, signed in (`POST /auth/guest`) before the level's measurements begin, with the
API's abuse limits relaxed for the benchmark; then it starts a conversation with one message, in one request
(`POST /conversations` with `message`, as the web app does), asking for
{TOKENS_PER_ANSWER} tokens at the level's rate with no reasoning and no delay before the first token (a simulator
directive), reads the stream with `?timing=1`, then checks that the stored answer equals what it streamed. Users
start evenly over streams/200 seconds (5 s for 1,000; at once for 10). The stack is warmed up (a few fast answers
through every process) before each level, and its idle memory read then. The last level, the crowd, has a
section of its own; the physical limits, measured before the levels, another.

![latency per chunk and CPU per token](load.png)

## Delivery

{render_delivery(results)}
## Cost

{render_cost(results)}
## {CROWD_STREAMS} at once on make dev's defaults

{render_crowd(crowd) if crowd is not None else "Not run."}
{CROWD_STREAMS} users, each a guest signed in before the timed part, all sending their message at the same instant
(no ramp), {TOKENS_PER_ANSWER} tokens at 10 tok/s, on a stack shaped as `make dev` runs it: its default worker
processes and threads each (`devstack/stack.py`), one API process with its access log on, console log lines. Its
abuse limits are the relaxed ones, as at every level, since all {CROWD_STREAMS} guests come from one address:
`make dev`'s own would refuse all but the first 30 guests an hour. **first chunk** is measured from just before
the client posts the message (so it includes that request) to the arrival of the first content event, over the
users that got one ("of N"): those still waiting at the client's deadline have none, and fail the target.

## Against the physical limits

{render_limits(run)}
Measured on this machine in the same run, on a private Redis and nothing else running of the stack: **Redis
round trip**: sequential PINGs over one raw TCP socket (a send and a recv each, no client library, so that
Python adds as little as it can). **raw XADD + PUBLISH**: `redis-benchmark`, {BENCHMARK_CLIENTS} connections
pipelining {BENCHMARK_PIPELINE} requests, XADD of an event-sized payload to one stream, then PUBLISH of it to
one channel that one connection subscribes to; pairs/s = 1 / (1/XADD + 1/PUBLISH), and Redis's CPU (`/proc`)
over both runs per pair. Ours per event is Redis's CPU over the level divided by the events (chunks) delivered;
it also pays for reads, claims and sessions. **do-nothing SSE server** (`benchmarks/sse_floor.py`): an ASGI app
served by uvicorn exactly as our API (same interpreter, uvloop, httptools, access log off), sending pre-encoded
events of our size, one `http.response.body` send each, to the aiohttp streams of a reader in another process
(counts above); saturated: as fast as the reader reads (uvloop then joins the sends that find a socket full into
one write); paced: each stream at the 1,000-stream level's rate, one write per event as our API does there. Ours
per event is the API processes' CPU divided by the events delivered. On this shared 2-core machine the reader,
the server and the kernel's loopback share the cores, so "saturated" is what one process gets of them, not a
core's worth.

## Targets

{render_targets(run.levels)}
## Reading these figures

{notes}

## What the columns mean

- **succeeded / errors**: users whose answer completed with every event id received once and in order, and
  whose stored answer equals the streamed one; errors are the others (reasons in the client's JSON).
- **lost / dup / out of order**: event ids (gapless 1, 2, 3, …) never received, received twice, or
  received after a higher one, summed over users.
- **latency**: per chunk, the client's receive time minus `"t"`, the worker's append time (both this
  machine's clock), over every chunk of every user; nearest-rank percentiles. It covers Redis (append,
  pub/sub), the API's relay and SSE write, the kernel and the client's own event loop — a client busy with
  2,000 streams adds its own queueing. **steady**: the same, over the chunks appended while every user was
  streaming: after the last user's first chunk and before the first answer ended. Outside it, users are
  starting (a conversation, a message, a claim, a model request, a stream to attach: {RAMP_USERS_PER_SECOND}
  a second during the ramp) or finishing (a final save, the client's check of the stored answer), which
  costs the servers far more than chunks do.
- **first chunk**: from just before posting the message (its request included) to the first chunk (queueing in
  Celery, the claim in PostgreSQL, the model call). **completion**: from posting the message to the terminal
  event; the answer itself is paced at {TOKENS_PER_ANSWER} / rate seconds.
- **tokens / chunks**: tokens delivered ({TOKENS_PER_ANSWER} per completed answer) and the events that
  carried them: the worker joins tokens that arrive from the model in one network read into one event, so
  a loaded worker writes fewer, larger events.
- **server CPU µs/token**: user + system CPU time, from `/proc/<pid>/stat`, of every worker, API, Redis and
  PostgreSQL process (each kind summed over its processes and their children, e.g. every PostgreSQL
  backend), over the client's run, divided by the tokens delivered; the next columns split it by kind,
  and add the simulator and the load client as context (not counted in the server figure). The run
  includes creating the conversations, sending the messages and reading the stored answers back, not the
  users' sign-in before it.
- **KiB/stream**: resident memory (sum over the kind's processes) at its peak during the level, minus
  the same after warm-up, divided by the level's streams.
- **Redis conns**: the most connections seen (CLIENT LIST, sampled each second) named `chat-api` (API
  command pools), `chat-api-hub` (API pub/sub), `chat-worker` (worker pools); "all" includes Celery's
  own, which are unnamed.
- **tokens/s offered / delivered**: what the level asks for (streams times rate) against what the client
  received over the level's window (first message to last answer). Delivered below offered means the
  stack could not keep up: answers stretch out, and users still streaming at the client's deadline
  (ramp, plus 3 times the paced answer, plus 60 s) count as errors ("run timeout").
- **machine CPU s: all / irq / other**: CPU time of the whole machine during the level (all cores), the part
  spent handling interrupts (mostly this benchmark's loopback traffic, which no process is charged for),
  and what remains once every measured process is taken off: other people's work on this shared machine
  and the benchmark itself. **load avg**: the 1-minute load average before the level. A large "other"
  means the figures are pessimistic.

Raw figures are written to `.data/bench/load-<time>/`: `results.json`, each level's client report and log,
and every server process's log (`logs-<level>/`).
To look at one level, or to profile it: `cd backend && ../.tools/bin/uv run python -m benchmarks.load --levels 1000
--profile worker` (py-spy, speedscope format; `--profile-format flamegraph` for an SVG).
"""
    )
