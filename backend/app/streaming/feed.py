"""A bounded, per-viewer queue of live events, filled by the hub and drained by one SSE response."""

import asyncio
from enum import Enum

from app.core import metrics
from app.streaming.events import StreamEvent


class FeedSignal(Enum):
    # The viewer fell behind and events were dropped: re-read from the store, which has them all.
    RESYNC = "resync"
    # The live source is gone (hub lost Redis, or server shutting down): end the response resumably.
    CLOSED = "closed"


class Feed:
    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        # A list, not a deque: it is only ever taken whole, so handing it over costs no copy.
        self._events: list[StreamEvent] = []
        self._signal: FeedSignal | None = None
        self._wakeup = asyncio.Event()

    def push(self, event: StreamEvent) -> None:
        if self._signal is not None:
            return
        if len(self._events) >= self._capacity:
            # Memory stays bounded: drop what is queued and let the viewer catch up from the store.
            self._events.clear()
            self._signal = FeedSignal.RESYNC
            metrics.HUB_RESYNCS.inc()
        else:
            self._events.append(event)
        self._wakeup.set()

    def close(self) -> None:
        self._events.clear()
        self._signal = FeedSignal.CLOSED
        self._wakeup.set()

    async def next_batch(self) -> list[StreamEvent] | FeedSignal:
        """Every event queued, in order, once there is at least one; or the signal, if one was raised.

        Taking all of them at once is what lets a viewer that fell a little behind catch up in one send.
        """
        while not self._events and self._signal is None:
            self._wakeup.clear()
            await self._wakeup.wait()
        if self._events:
            batch = self._events
            self._events = []
            return batch
        signal = self._signal
        assert signal is not None
        if signal is FeedSignal.RESYNC:
            self._signal = None
        return signal
