"""What the load benchmark runs and what it measured: shared by the runner (load.py) and its report."""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.limits import PhysicalLimits

TOKENS_PER_ANSWER = 200
# The levels of the brief: concurrent streams and the tokens per second of each answer.
DEFAULT_LEVELS = {10: 50.0, 100: 10.0, 500: 10.0, 1000: 10.0, 2000: 5.0}
SERVER_KINDS = ("worker", "api", "redis", "postgres")
CONTEXT_KINDS = ("simulator",)
CONNECTION_NAMES = ("chat-api", "chat-api-hub", "chat-worker")
# Users start evenly over users / RAMP_USERS_PER_SECOND seconds: all within a few seconds, not one instant.
RAMP_USERS_PER_SECOND = 200
# The client's deadline: the ramp, three times the answer's paced duration (a saturated stack stretches it), and
# this margin. Bounded, so a level that cannot keep up ends with its unfinished users counted as failed.
CLIENT_MARGIN_SECONDS = 60
# The issue's crowd: 500 users starting at once, at 10 tokens/s each, on `make dev`'s defaults (benchmarks/load.py).
CROWD_LABEL = "crowd"
CROWD_STREAMS = 500
CROWD_TOKENS_PER_SECOND = 10.0


@dataclass(frozen=True)
class Shape:
    """How many processes of each kind run, and how many generations each worker runs at once."""

    workers: int
    worker_concurrency: int
    apis: int
    env: dict[str, str] = field(default_factory=dict)
    # The API's access log (uvicorn's line per request): off in the benchmark's own shape, on as `make dev` runs it.
    access_log: bool = False


@dataclass(frozen=True)
class Level:
    streams: int
    tokens_per_second: float
    tokens: int = TOKENS_PER_ANSWER
    # The crowd level's: a name for its report, every user at once (no ramp), and a stack of its own shape rather
    # than the run's (None: the run's).
    label: str = ""
    at_once: bool = False
    shape: Shape | None = None

    @property
    def ramp_seconds(self) -> float:
        return self.streams / RAMP_USERS_PER_SECOND if self.streams > 10 and not self.at_once else 0.0

    @property
    def client_run(self) -> "ClientRun":
        timeout = self.ramp_seconds + 3 * self.tokens / self.tokens_per_second + CLIENT_MARGIN_SECONDS
        return ClientRun(self.streams, self.tokens, self.tokens_per_second, self.ramp_seconds, timeout)


@dataclass
class LevelResult:
    streams: int
    tokens_per_second: float
    ramp_seconds: float
    client: dict[str, Any]
    cpu_seconds: dict[str, float]
    idle_rss: dict[str, int]
    peak_rss: dict[str, int]
    redis_connections: dict[str, int]
    machine_busy_seconds: float
    machine_interrupt_seconds: float
    wall_seconds: float
    load_average_before: tuple[float, float, float]
    load_average_after: tuple[float, float, float]
    profiles: list[str] = field(default_factory=list)
    # The server code measured: a commit, and any uncommitted changes to it (others may be editing meanwhile).
    code_version: str = ""
    # The processes outside the stack that used the most CPU during the level (name [pid], seconds).
    busiest_others: list[tuple[str, float]] = field(default_factory=list)
    # ERROR lines (and tracebacks) in each server process's log during the level.
    server_log_errors: dict[str, int] = field(default_factory=dict)
    # The level's label (Level.label: "crowd" or "") and its stack's shape when not the run's.
    label: str = ""
    shape: Shape | None = None

    @property
    def name(self) -> str:
        return f"the {self.label} ({self.streams:,} at once)" if self.label else f"{self.streams:,} streams"

    @property
    def chunks(self) -> int:
        """Events delivered: one per token, or fewer when the worker joined tokens that arrived together."""
        chunks: int = self.client.get("chunks", 0)
        return chunks

    @property
    def tokens(self) -> int:
        """Tokens delivered, counting completed answers only (each has the tokens the client asked for)."""
        succeeded: int = self.client.get("succeeded", 0)
        asked: int = self.client.get("config", {}).get("tokens", TOKENS_PER_ANSWER)
        return succeeded * asked

    def cpu_us_per_token(self, kind: str) -> float | None:
        return self.cpu_seconds[kind] * 1e6 / self.tokens if self.tokens else None

    def cpu_us_per_chunk(self, kind: str) -> float | None:
        """CPU of `kind` per event delivered: what a process pays per send or per append, however many tokens each
        carries."""
        return self.cpu_seconds[kind] * 1e6 / self.chunks if self.chunks else None

    @property
    def server_cpu_us_per_token(self) -> float | None:
        return sum(self.cpu_seconds[kind] for kind in SERVER_KINDS) * 1e6 / self.tokens if self.tokens else None

    def kib_per_stream(self, kind: str) -> float:
        return (self.peak_rss[kind] - self.idle_rss[kind]) / 1024 / self.streams

    @property
    def other_load_seconds(self) -> float:
        """CPU the machine spent on anything not measured here (other people's work, this orchestrator), less
        interrupt handling, which the loopback traffic of this benchmark causes but no process is charged for."""
        measured = sum(self.cpu_seconds.values()) + self.machine_interrupt_seconds
        return max(0.0, self.machine_busy_seconds - measured)

    @property
    def offered_tokens_per_second(self) -> float:
        return self.streams * self.tokens_per_second

    @property
    def delivered_tokens_per_second(self) -> float | None:
        rate: float | None = self.client.get("throughput", {}).get("tokens_per_s")
        return rate

    @property
    def delivered_chunks_per_second(self) -> float | None:
        rate: float | None = self.client.get("throughput", {}).get("chunks_per_s")
        return rate


@dataclass(frozen=True)
class ClientRun:
    """One run of the load client: users, each answer's shape, how users start, and the deadline."""

    users: int
    tokens: int
    tokens_per_second: float
    ramp_seconds: float
    timeout: float


@dataclass
class BenchRun:
    """A whole run: what ran, where, how, and each level's result; saved as results.json, re-readable."""

    command: str
    date: str
    seconds: float
    shape: Shape
    machine: dict[str, str]
    levels: list[LevelResult]
    # Measured before the levels (benchmarks/limits.py); None when the run left them out.
    limits: PhysicalLimits | None = None

    @property
    def ramped(self) -> list[LevelResult]:
        """The levels on the run's own shape, users starting over a ramp: those of the tables and the chart."""
        return [level for level in self.levels if not level.label]

    def labelled(self, label: str) -> LevelResult | None:
        return next((level for level in self.levels if level.label == label), None)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> "BenchRun":
        saved = json.loads(path.read_text())
        saved["shape"] = Shape(**saved["shape"])
        for level in saved["levels"]:
            if level.get("shape") is not None:
                level["shape"] = Shape(**level["shape"])
        saved["levels"] = [LevelResult(**level) for level in saved["levels"]]
        if saved.get("limits") is not None:
            saved["limits"] = PhysicalLimits.from_saved(saved["limits"])
        return cls(**saved)
