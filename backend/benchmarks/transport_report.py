"""The transport benchmark's results, and the Markdown page they are written to."""

import math
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.transport_measure import CpuSnapshot, Delivery, Spread
from benchmarks.transport_protocol import CONNECTION_SAMPLE_SECONDS, Transport, chunk


@dataclass(frozen=True)
class RunResult:
    transport: Transport
    answers: int
    delivery: Delivery
    latency_ms: Spread
    writer_lateness_ms: Spread
    cpu: CpuSnapshot
    window_seconds: float
    writer_connections: int
    reader_pool_connections: int
    reader_push_connections: int
    load_average: float
    # Answers the writer stopped before their last chunk: it fell behind schedule until its time limit.
    answers_cut_short: int
    errors: list[str]

    def cpu_us_per_chunk(self) -> dict[str, float]:
        chunks = max(self.delivery.delivered, 1)
        return {
            role: round(seconds * 1e6 / chunks, 1)
            for role, seconds in (
                ("writer", self.cpu.writer),
                ("reader", self.cpu.reader),
                ("server", self.cpu.server),
                ("total", self.cpu.measured),
            )
        }

    def share_of_a_core(self, seconds: float) -> str:
        return f"{100 * seconds / self.window_seconds:.0f} %"


@dataclass(frozen=True)
class Load:
    """The load every run applied, the same for each transport."""

    answer_levels: tuple[int, ...]
    seconds: float
    chunks_per_second: float
    poll_interval_ms: float
    pool_size: int

    @property
    def chunks_per_answer(self) -> int:
        return round(self.seconds * self.chunks_per_second)


@dataclass(frozen=True)
class ServerFacts:
    redis_version: str
    postgres_version: str
    # As the running PostgreSQL reports them, e.g. "fsync = on, synchronous_commit = on".
    postgres_durability: str


@dataclass(frozen=True)
class MachineFacts:
    date: str
    cores: int
    cpu_model: str
    kernel: str
    python: str
    servers: ServerFacts
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    seconds: float

    @classmethod
    def observe(
        cls, *, load_before: tuple[float, float, float], servers: ServerFacts, seconds: float
    ) -> "MachineFacts":
        return cls(
            date=time.strftime("%Y-%m-%d %H:%M %Z"),
            cores=os.cpu_count() or 0,
            cpu_model=_cpu_model(),
            kernel=platform.release(),
            python=platform.python_version(),
            servers=servers,
            load_before=load_before,
            load_after=os.getloadavg(),
            seconds=seconds,
        )


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return platform.machine()


def _milliseconds(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{value:.2f}" if value < 10 else f"{value:.0f}"


def _load(values: tuple[float, float, float]) -> str:
    return " / ".join(f"{value:.2f}" for value in values)


_RESULTS_COLUMNS = (
    "answers",
    "transport",
    "chunks delivered / written",
    "lost / duplicated / out of order",
    "latency p50 (ms)",
    "p95",
    "p99",
    "max",
    "CPU µs per chunk: writer",
    "reader",
    "server",
    "total",
    "connections: writer / reader pool + push",
)
_CONDITIONS_COLUMNS = (
    "answers",
    "transport",
    "window (s)",
    "writer late p99 / max (ms)",
    "writer / reader CPU (% of one core)",
    "server CPU (% of one core)",
    "rest of machine (cores busy)",
    "load avg 1 min at start",
)


def _table(columns: tuple[str, ...], rows: str) -> str:
    """A Markdown table: the transport column left-aligned, every figure right-aligned."""
    alignments = ("---" if column == "transport" else "---:" for column in columns)
    return f"| {' | '.join(columns)} |\n|{'|'.join(alignments)}|\n{rows}"


def _results_row(result: RunResult) -> str:
    delivery = result.delivery
    latency = result.latency_ms
    cpu = result.cpu_us_per_chunk()
    cells = [
        f"{result.answers:,}",
        result.transport.label,
        f"{delivery.delivered:,} / {delivery.written:,}",
        f"{delivery.lost} / {delivery.duplicated} / {delivery.out_of_order}",
        *(_milliseconds(value) for value in (latency.p50, latency.p95, latency.p99, latency.max)),
        *(f"{cpu[role]:.0f}" for role in ("writer", "reader", "server", "total")),
        f"{result.writer_connections} / {result.reader_pool_connections} + {result.reader_push_connections}",
    ]
    return "| " + " | ".join(cells) + " |"


def _conditions_row(result: RunResult) -> str:
    cells = [
        f"{result.answers:,}",
        result.transport.label,
        f"{result.window_seconds:.1f}",
        f"{_milliseconds(result.writer_lateness_ms.p99)} / {_milliseconds(result.writer_lateness_ms.max)}",
        " / ".join(result.share_of_a_core(seconds) for seconds in (result.cpu.writer, result.cpu.reader)),
        result.share_of_a_core(result.cpu.server),
        f"{result.cpu.rest_of_machine / result.window_seconds:.2f}",
        f"{result.load_average:.2f}",
    ]
    return "| " + " | ".join(cells) + " |"


def _problems(results: list[RunResult]) -> str:
    lines = []
    for result in results:
        run = f"- {result.answers} answers, {result.transport.label}:"
        if result.answers_cut_short:
            lines.append(
                f"{run} {result.answers_cut_short} answers cut short: the writer fell so far behind its schedule"
                " that it stopped at its time limit (3 times the planned length), so less than the offered"
                " load was written"
            )
        if result.errors:
            lines.append(f"{run} errors: {'; '.join(result.errors)}")
    delivery_faults = any(
        result.delivery.lost or result.delivery.duplicated or result.delivery.out_of_order for result in results
    )
    if not lines and not delivery_faults:
        return "Every viewer received its whole answer, each chunk once and in order; no process reported an error."
    if not lines:
        return "Some chunks were lost, duplicated or out of order (see the table); no process reported an error."
    return "Problems during the run:\n\n" + "\n".join(lines)


def render_report(results: list[RunResult], load: Load, facts: MachineFacts, command: str) -> str:
    content_bytes = len(chunk(1, load.chunks_per_answer)[1])
    levels = " and ".join(f"{answers:,}" for answers in load.answer_levels)
    servers = facts.servers
    results_rows = "\n".join(_results_row(result) for result in results)
    conditions_rows = "\n".join(_conditions_row(result) for result in results)
    return f"""# Transport of streamed answers: Redis against PostgreSQL

Produced by `{command}` (from backend/: `../.tools/bin/uv run python -m benchmarks.transport`) on {facts.date},
in {facts.seconds:.0f} s. Machine: {facts.cores} cores ({facts.cpu_model}), Linux {facts.kernel},
Python {facts.python}, Redis {servers.redis_version}, PostgreSQL {servers.postgres_version}.
Load average (1 / 5 / 15 min) was {_load(facts.load_before)} before the run and {_load(facts.load_after)}
after it; other work shared the machine, see "rest of machine" below.

## What ran

For each load level ({levels} concurrent answers), each transport in turn, in one run of the command:
every answer is written by its own asyncio task in one **writer process** at {load.chunks_per_second:g}
chunks/s for {load.seconds:g} s ({load.chunks_per_answer} chunks of {content_bytes} bytes of JSON, the last one
terminal), and watched by one viewer in one **reader process**. Writer and reader are separate OS
processes, started afresh for every run; every viewer is attached before the first chunk is written.
Both servers are private to the run and reached over 127.0.0.1.

- **Redis**: the writer calls the worker's real `EventStore.append` (one Lua script per chunk: `XADD`
  under `0-<seq>`, `EXPIRE`, `PUBLISH`; the scripts of appends waiting at the same moment go to Redis
  together in one pipeline, as in the worker). The reader serves each viewer through the API's real
  `StreamRelay` over a `StreamHub` on one pub/sub connection, as an API process does. No persistence,
  as the project runs Redis (streams live an hour at most).
- **PostgreSQL, polling**: the writer `INSERT`s each chunk as a row `(answer_id, seq, data,
  created_at_us)` (primary key `(answer_id, seq)`), one statement and one transaction per chunk; each
  viewer runs `SELECT … WHERE answer_id = $1 AND seq > $2 ORDER BY seq` every {load.poll_interval_ms:g} ms,
  at a random phase.
- **PostgreSQL, LISTEN/NOTIFY**: the writer inserts the row and calls `pg_notify('answer_<id>', seq)` in
  the same statement (one round trip, one transaction); the reader holds one connection that `LISTEN`s to
  every answer's channel and wakes that answer's viewer, which fetches its new rows with the same
  `SELECT`. Notifications arriving while a fetch runs are coalesced into one more fetch.

PostgreSQL runs **durable**, the default of `PrivatePostgres` (the server reported
`{servers.postgres_durability}`), as a production database would; its data directory is on the
machine's disk. Each PostgreSQL run starts with an empty table and a `CHECKPOINT`. Every process's
command/query pool is capped at {load.pool_size} connections (the application's default `REDIS_POOL_SIZE`);
pools open connections as they need them.

## Results

{_table(_RESULTS_COLUMNS, results_rows)}

{_problems(results)}

Run conditions:

{_table(_CONDITIONS_COLUMNS, conditions_rows)}

## What the columns mean

- **latency**: from the writer's wall clock just before it sends the chunk (`EventStore` stamps the
  Redis event; the PostgreSQL writer stores the same stamp in `created_at_us`) to the reader's wall clock
  when the viewer has the chunk in hand. Both processes read the same clock of the same machine. Waiting
  for a free pooled connection is included; a writer running behind its schedule is not (see "writer
  late"). Percentiles are nearest-rank over every delivered chunk of the run.
- **lost / duplicated / out of order**: per viewer, against what the writer reports it wrote: a written
  chunk never received, one received again, one received after a higher sequence number.
- **CPU µs per chunk**: user + system CPU time (from `/proc/<pid>/stat`) spent during the measured
  window (from the moment both processes are ready to the moment both have finished), divided by the
  chunks delivered. "server" is `redis-server`, or PostgreSQL's postmaster and every process it forked
  (connection backends, WAL writer, checkpointer, autovacuum); "total" is the three together.
- **connections**: the most seen at once during the window (sampled every {CONNECTION_SAMPLE_SECONDS:g} s
  with `CLIENT LIST`, or `pg_stat_activity`), by connection name: writer, reader pool, and the reader's
  push connection (Redis pub/sub, or the PostgreSQL connection that LISTENs; none for polling). The
  Redis reader's pool connections were opened by the viewers attaching all at once (each reads its
  backlog) and stay open in the pool; during the stream the reader uses only its pub/sub connection.
- **window**: the measured time: {load.seconds:g} s of writing plus the time for the last chunks to arrive.
- **writer late**: how long after its scheduled time each write began. Near zero means the writer kept
  up with the offered load; seconds mean the writer process or the server was saturated, the load
  actually applied was lower than offered, and the run took longer.
- **rest of machine**: CPU busy time of the whole machine (`/proc/stat`) minus the three measured
  processes, in cores: other people's work, this orchestrator, the idle other server. On
  {facts.cores} cores, a large figure means the measured processes competed for CPU and their latencies
  are inflated.

## Caveats

- One run per cell on a shared {facts.cores}-core machine: writer, reader and server compete for the same
  cores, and other work did too (see the run conditions). Differences of a few tens of percent are
  noise; the orders of magnitude are what the comparison shows.
- Redis runs without persistence, PostgreSQL with full durability: that is how each would be used here
  (chunks are worth keeping only until the answer is saved), not a like-for-like storage test.
- The Redis writer sends concurrent appends together in one pipeline (the project's code does); the
  PostgreSQL writers commit every chunk on its own. Batching chunks of many answers into one multi-row
  `INSERT` would save commits, at the price of code the project does not have.
- PostgreSQL serialises the commits of transactions that `NOTIFY` (a database-wide lock taken before
  commit and held through it, so that notifications are queued in commit order); with durable commits
  each of them then waits for its own WAL flush, which limits how many chunks per second LISTEN/NOTIFY
  can take.
- LISTEN/NOTIFY could carry the chunk in the notification's payload (up to 8,000 bytes) and skip the
  fetch; but a notification sent while the listener is disconnected is gone, so the row and the fetch
  are needed for resumption anyway, and this benchmark measures that resumable form.
- The reader stands in for one API process and records chunks as it receives them; serialising SSE and
  writing to sockets, the same for every transport, is left out. Every answer writes at a steady rate.
"""
