"""A viewer that never gives up within its bound: it follows one answer and reconnects with Last-Event-ID whenever
its stream ends without a terminal event, breaks, or the API answers with an error. What it saw is what a
browser tab would have shown."""

import asyncio
import time
from dataclasses import dataclass, field

import httpx

from tests.api_client import signed_in
from tests.sse_client import SseEvent, assemble, iter_events

_RECONNECT_SECONDS = 0.2


@dataclass
class Viewer:
    api_url: str
    task_id: str
    token: str
    events: list[SseEvent] = field(default_factory=list)
    # time.monotonic() at which each event arrived.
    arrivals: list[float] = field(default_factory=list)
    reconnects: int = 0
    # Seconds from the start of following to the terminal event.
    ended_after: float | None = None

    @property
    def last_id(self) -> int | None:
        return self.events[-1].id if self.events else None

    @property
    def text(self) -> str:
        return assemble(self.events)

    @property
    def terminal(self) -> SseEvent | None:
        return self.events[-1] if self.events and self.events[-1].is_terminal else None

    def resumed_after(self, moment: float) -> float | None:
        """Seconds from ``moment`` (time.monotonic) to the first event that arrived after it."""
        later = [arrived for arrived in self.arrivals if arrived > moment]
        return later[0] - moment if later else None

    async def follow(self, within: float) -> "Viewer":
        started = time.monotonic()
        deadline = started + within
        async with signed_in(self.api_url, self.token, timeout=httpx.Timeout(10, read=5)) as client:
            while self.terminal is None:
                if time.monotonic() > deadline:
                    raise AssertionError(f"answer {self.task_id}: no terminal event within {within:g} s")
                headers = {"Last-Event-ID": str(self.last_id)} if self.last_id is not None else {}
                try:
                    async with client.stream("GET", f"/stream/{self.task_id}", headers=headers) as response:
                        if response.status_code == 204:
                            break  # it already had everything
                        if response.status_code == 200:
                            async for event in iter_events(response):
                                self.events.append(event)
                                self.arrivals.append(time.monotonic())
                                if event.is_terminal:
                                    break
                except httpx.HTTPError:
                    pass
                if self.terminal is None:
                    self.reconnects += 1
                    await asyncio.sleep(_RECONNECT_SECONDS)
        self.ended_after = time.monotonic() - started
        return self
