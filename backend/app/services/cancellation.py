"""Which generations run on this worker process, and stopping one on request.

A generation is interrupted only while it waits for the model; a request that arrives while it writes
an event is noted and honoured right after the write. So a stop never cuts an event in half nor leaves a
hole in the event ids, and it still takes effect at once when the model is silent.
"""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(eq=False)
class RunningGeneration:
    task: asyncio.Task[object]
    requested: bool = False
    # True only while awaiting the next model delta: the one safe point to interrupt.
    interruptible: bool = False


@dataclass
class CancellationRegistry:
    _running: dict[str, RunningGeneration] = field(default_factory=dict)

    @contextmanager
    def watch(self, task_id: str) -> Iterator[RunningGeneration]:
        current = asyncio.current_task()
        assert current is not None
        running = RunningGeneration(current)
        self._running[task_id] = running
        try:
            yield running
        finally:
            del self._running[task_id]

    def cancel(self, task_id: str) -> None:
        """Stop the generation if it runs here; a no-op for generations elsewhere."""
        running = self._running.get(task_id)
        if running is None or running.requested:
            return
        running.requested = True
        if running.interruptible:
            running.task.cancel()
