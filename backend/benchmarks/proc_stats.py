"""CPU time and resident memory of process trees, read from /proc (Linux): what a server costs, from outside it.

A "tree" is a process and everything it forked, so PostgreSQL's per-connection backends count with their
postmaster. CPU of a tree = user + system time of each live process in it, plus each one's cutime + cstime,
which is where the kernel adds the time of children it has reaped: a backend that exits mid-measurement
still counts, through its parent.
"""

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_PROC = Path("/proc")
_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
# Fields of /proc/<pid>/stat counted from the one after the command name (field 3, state, is index 0).
_PPID, _UTIME, _STIME, _CUTIME, _CSTIME = 1, 11, 12, 13, 14


@dataclass(frozen=True)
class _Entry:
    name: str
    parent: int
    cpu_ticks: int  # own time plus that of reaped children


def _read_entry(pid: int) -> _Entry | None:
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None  # exited since the listing
    # The command name is in parentheses and may hold spaces or parentheses itself.
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    ticks = sum(int(fields[index]) for index in (_UTIME, _STIME, _CUTIME, _CSTIME))
    return _Entry(name, int(fields[_PPID]), ticks)


class ProcessTable:
    """One reading of every process on the machine, to sum whole trees consistently at one moment."""

    def __init__(self) -> None:
        self._entries: dict[int, _Entry] = {}
        for path in _PROC.iterdir():
            if path.name.isdigit() and (entry := _read_entry(int(path.name))) is not None:
                self._entries[int(path.name)] = entry

    def tree(self, roots: Iterable[int]) -> set[int]:
        """The roots (those still running) and all their descendants."""
        children: dict[int, list[int]] = {}
        for pid, entry in self._entries.items():
            children.setdefault(entry.parent, []).append(pid)
        found: set[int] = set()
        pending = [pid for pid in roots if pid in self._entries]
        while pending:
            pid = pending.pop()
            if pid not in found:
                found.add(pid)
                pending.extend(children.get(pid, ()))
        return found

    def cpu_seconds(self, roots: Iterable[int]) -> float:
        return sum(self._entries[pid].cpu_ticks for pid in self.tree(roots)) / _TICKS_PER_SECOND

    def busiest_since(self, earlier: "ProcessTable", excluded: set[int], count: int) -> list[tuple[str, float]]:
        """The `count` processes outside `excluded` that used the most CPU since `earlier`, as (name [pid], s)."""
        used = []
        for pid, entry in self._entries.items():
            if pid in excluded:
                continue
            before = earlier._entries.get(pid)
            ticks = entry.cpu_ticks - (before.cpu_ticks if before is not None and before.name == entry.name else 0)
            used.append((f"{entry.name} [{pid}]", ticks / _TICKS_PER_SECOND))
        return sorted(used, key=lambda item: item[1], reverse=True)[:count]


def rss_bytes(pids: Iterable[int]) -> int:
    """Resident memory of these processes (not their children), summed; exited ones count 0."""
    total = 0
    for pid in pids:
        try:
            resident_pages = int((_PROC / str(pid) / "statm").read_text().split()[1])
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += resident_pages * _PAGE_BYTES
    return total


@dataclass(frozen=True)
class MachineCpu:
    """CPU time the whole machine spent since boot, all cores together (first line of /proc/stat)."""

    busy: float
    # Interrupt handling, mostly the network stack on loopback: charged to no process, so /proc/<pid>/stat misses it.
    interrupts: float

    @classmethod
    def read(cls) -> "MachineCpu":
        user, nice, system, _idle, _iowait, irq, softirq, steal = (
            int(value) for value in (_PROC / "stat").read_text().split("\n", 1)[0].split()[1:9]
        )
        interrupts = irq + softirq
        return cls((user + nice + system + interrupts + steal) / _TICKS_PER_SECOND, interrupts / _TICKS_PER_SECOND)

    def __sub__(self, earlier: "MachineCpu") -> "MachineCpu":
        return MachineCpu(self.busy - earlier.busy, self.interrupts - earlier.interrupts)


def machine_busy_seconds() -> float:
    """CPU time spent by everything on the machine, all cores, since boot."""
    return MachineCpu.read().busy


def load_average() -> tuple[float, float, float]:
    one, five, fifteen = (float(value) for value in (_PROC / "loadavg").read_text().split()[:3])
    return one, five, fifteen
