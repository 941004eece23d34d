"""What the transport benchmark's three processes share: the plan of a run, the chunks, and the signals
by which the orchestrator starts and stops its writer and reader processes at the same moments."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from multiprocessing.connection import Connection

from app.core import redis_keys
from app.streaming.events import EventKind, content_data, done_data

# Connections are named as the application names them (Redis CLIENT SETNAME, PostgreSQL application_name),
# so the orchestrator can count each process's connections on either server the same way.
WRITER_CONNECTION_NAME = redis_keys.WORKER_CONNECTION_NAME
READER_POOL_CONNECTION_NAME = redis_keys.API_CONNECTION_NAME
# The reader's one push connection: Redis pub/sub, or the PostgreSQL connection that LISTENs.
READER_PUSH_CONNECTION_NAME = redis_keys.API_HUB_CONNECTION_NAME

# How long a process may take to connect, and every viewer to attach, before the run is abandoned.
SETUP_TIMEOUT_SECONDS = 120.0
# Enough to say what went wrong without shipping thousands of identical messages back.
ERRORS_KEPT = 5
# How often the orchestrator counts the connections on the server during a run.
CONNECTION_SAMPLE_SECONDS = 0.5
# Grace after the writer's hard stop for the last chunks to reach the viewers.
DRAIN_SECONDS = 5.0


class Transport(StrEnum):
    REDIS = "redis"
    POSTGRES_POLLING = "postgres-polling"
    POSTGRES_NOTIFY = "postgres-notify"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Transport.REDIS: "Redis (EventStore → StreamHub/StreamRelay)",
    Transport.POSTGRES_POLLING: "PostgreSQL, polling every 100 ms",
    Transport.POSTGRES_NOTIFY: "PostgreSQL, LISTEN/NOTIFY",
}


@dataclass(frozen=True)
class RunPlan:
    """One run: `answers` answers, each written by the writer process and watched by one viewer in the
    reader process, `chunks_per_answer` chunks each, one every `chunk_interval` seconds."""

    transport: Transport
    answer_ids: tuple[str, ...]
    chunks_per_answer: int
    chunk_interval: float
    poll_interval: float
    redis_url: str
    postgres_url: str
    # The ceiling of each process's command/query pool, the same on every transport.
    pool_size: int

    @property
    def answers(self) -> int:
        return len(self.answer_ids)

    @property
    def planned_seconds(self) -> float:
        return self.chunks_per_answer * self.chunk_interval

    @property
    def writer_hard_stop_seconds(self) -> float:
        """After this long the writer stops even if it fell behind schedule, so every run is bounded."""
        return 3 * self.planned_seconds

    @property
    def reader_timeout_seconds(self) -> float:
        return self.writer_hard_stop_seconds + DRAIN_SECONDS


def chunk(seq: int, last_seq: int) -> tuple[EventKind, bytes]:
    """The chunk `seq` of an answer: a small content object (~35 bytes of JSON), and a terminal one at the end."""
    if seq == last_seq:
        return EventKind.DONE, done_data("completed")
    return EventKind.CONTENT, content_data(f" token{seq:04d} of the answer")


def now_us() -> int:
    """Wall-clock microseconds, the clock `EventStore.append` stamps events with; both processes read it."""
    return time.time_ns() // 1000


@dataclass
class ViewerLog:
    """What one viewer received, in arrival order."""

    answer_id: str
    seqs: list[int] = field(default_factory=list)
    latencies_us: list[int] = field(default_factory=list)

    def record(self, seq: int, written_us: int) -> None:
        self.seqs.append(seq)
        self.latencies_us.append(now_us() - written_us)


@dataclass(frozen=True)
class ReaderResult:
    logs: list[ViewerLog]
    # The errors viewers ended with (a few, as text). A viewer still waiting when the reader gives up needs
    # no count of its own: its missing chunks show as lost, or its answer as cut short by the writer.
    errors: list[str]


@dataclass(frozen=True)
class WriterResult:
    written: dict[str, int]
    # How long after its scheduled time each chunk's write began: large values mean the writer saturated.
    lateness_ms: list[float]
    errors: list[str]


class Signal(Enum):
    READY = "ready"  # child: connected (reader: every viewer attached)
    GO = "go"  # orchestrator: the measured window begins
    FINISHED = "finished"  # child: done writing / every viewer has its answer (or gave up)
    REPORT = "report"  # orchestrator: the window is closed, send your result


async def receive(connection: Connection) -> object:
    """The next object from a pipe, without blocking the event loop (and without a thread that could
    outlive the loop). Callers bound the wait with `asyncio.timeout`."""
    loop = asyncio.get_running_loop()
    readable = loop.create_future()
    fd = connection.fileno()

    def on_readable() -> None:
        if not readable.done():
            readable.set_result(None)

    loop.add_reader(fd, on_readable)
    try:
        await readable
    finally:
        loop.remove_reader(fd)
    return connection.recv()


async def expect(connection: Connection, signal: Signal) -> None:
    received = await receive(connection)
    if received is not signal:
        raise RuntimeError(f"expected {signal.value}, got {received!r}")


async def take_part(connection: Connection, work: Callable[[], Awaitable[object]], report_timeout: float) -> None:
    """The child's side of a run: ready, wait for GO, work, FINISHED, wait for REPORT, send the result.

    Reporting waits for the orchestrator so that building and pickling the result stays outside the
    measured CPU window."""
    connection.send(Signal.READY)
    async with asyncio.timeout(SETUP_TIMEOUT_SECONDS):
        await expect(connection, Signal.GO)
    result = await work()
    connection.send(Signal.FINISHED)
    async with asyncio.timeout(report_timeout):
        await expect(connection, Signal.REPORT)
    connection.send(result)
