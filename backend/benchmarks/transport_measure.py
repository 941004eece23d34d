"""What the transport benchmark measures from outside its processes: CPU time from /proc, and what the
viewers' logs say about latency, loss, duplicates and order."""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from benchmarks.proc_stats import ProcessTable, machine_busy_seconds
from benchmarks.transport_protocol import ViewerLog


@dataclass(frozen=True)
class CpuSnapshot:
    writer: float
    reader: float
    server: float
    machine: float

    @classmethod
    def take(cls, writer_pid: int, reader_pid: int, server_pid: int) -> "CpuSnapshot":
        """CPU time so far of each process and what it forked (PostgreSQL: every backend and background
        worker), read from one listing of /proc so that all figures are of the same moment."""
        processes = ProcessTable()
        return cls(
            writer=processes.cpu_seconds([writer_pid]),
            reader=processes.cpu_seconds([reader_pid]),
            server=processes.cpu_seconds([server_pid]),
            machine=machine_busy_seconds(),
        )

    def __sub__(self, earlier: "CpuSnapshot") -> "CpuSnapshot":
        return CpuSnapshot(
            writer=self.writer - earlier.writer,
            reader=self.reader - earlier.reader,
            server=self.server - earlier.server,
            machine=self.machine - earlier.machine,
        )

    @property
    def measured(self) -> float:
        return self.writer + self.reader + self.server

    @property
    def rest_of_machine(self) -> float:
        """CPU spent by everything else meanwhile: other people's tests, this orchestrator, the idle server."""
        return max(0.0, self.machine - self.measured)


@dataclass(frozen=True)
class Delivery:
    """How the chunks written reached the viewers."""

    written: int
    delivered: int
    lost: int
    duplicated: int
    out_of_order: int


def account(written: dict[str, int], logs: Iterable[ViewerLog]) -> Delivery:
    """Compare each viewer's arrivals with what the writer wrote for its answer.

    A chunk seen again is a duplicate; one arriving after a higher sequence number is out of order; a
    written chunk never seen is lost.
    """
    delivered = lost = duplicated = out_of_order = 0
    for log in logs:
        seen: set[int] = set()
        highest = 0
        for seq in log.seqs:
            delivered += 1
            if seq in seen:
                duplicated += 1
                continue
            if seq < highest:
                out_of_order += 1
            seen.add(seq)
            highest = max(highest, seq)
        lost += sum(1 for seq in range(1, written[log.answer_id] + 1) if seq not in seen)
    return Delivery(sum(written.values()), delivered, lost, duplicated, out_of_order)


def percentile(sorted_values: Sequence[float], percent: float) -> float:
    """Nearest-rank percentile of values sorted ascending; NaN when there are none."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(percent / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass(frozen=True)
class Spread:
    """Percentiles of a distribution, in its own unit."""

    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, values: Iterable[float]) -> "Spread":
        ordered = sorted(values)
        return cls(*(percentile(ordered, percent) for percent in (50, 95, 99, 100)))
