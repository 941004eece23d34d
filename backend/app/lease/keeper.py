"""One per worker process: holds the leases of the answers it generates, and takes over those nobody holds.

Three loops on the worker's event loop:
- renew every lease held here, in one script call, every LEASE_SECONDS / 5; a lease another epoch took over
  interrupts its answer (the frozen-worker case), a stop flag stops it;
- listen to the stop broadcast, so a stop reaches the answer at once, even while the model is silent;
- look for expired leases about once a second and take those answers over (``take_over``).

An answer is interrupted only while it waits for the model, the one safe point: an interruption that arrives
while it writes an event is noted and honoured right after the write, so an event is never cut in half.
"""

import asyncio
import logging
import os
import socket
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from enum import Enum

from redis.asyncio import Redis

from app.core import redis_keys
from app.lease.store import Lease, LeaseStore
from app.streaming.answer_stream import REDIS_UNAVAILABLE

logger = logging.getLogger(__name__)

# Answers taken over per look, so one look after a big crash stays one short burst of work.
_TAKE_PER_LOOK = 100
_RETRY_SECONDS = 1.0


class Interruption(Enum):
    # Someone asked to stop the answer: it ends `cancelled`.
    STOP = "stop"
    # Another worker took the answer over: write nothing more, anywhere.
    LOST = "lost"
    # This worker is shutting down: hand the answer to another worker, unfinished.
    HANDOVER = "handover"


@dataclass(eq=False)
class HeldLease:
    lease: Lease
    task: asyncio.Task[object]
    interruption: Interruption | None = None
    # True only while the answer awaits the model: the one safe point to interrupt it.
    interruptible: bool = False

    def interrupt(self, why: Interruption) -> None:
        first = self.interruption is None
        # A lost lease outranks the rest: nothing may be written any more, not even a stop's terminal event.
        if first or (why is Interruption.LOST and self.interruption is not Interruption.LOST):
            self.interruption = why
        if first and self.interruptible:
            self.task.cancel()

    @contextmanager
    def interruptible_wait(self) -> Iterator[None]:
        self.interruptible = True
        if self.interruption is not None:
            # Asked while the answer was busy before its first wait (reading its history, say): end that wait at once.
            self.task.cancel()
        try:
            yield
        finally:
            self.interruptible = False


def process_owner() -> str:
    """How a lease names its holder: which host and process (CLIENT LIST and logs say the same)."""
    return f"{socket.gethostname()}:{os.getpid()}"


class LeaseKeeper:
    def __init__(
        self,
        redis: Redis,
        leases: LeaseStore,
        lease_seconds: float,
        take_over: Callable[[str], Coroutine[object, object, None]],
        owner: str | None = None,
    ) -> None:
        self._redis = redis
        self._leases = leases
        self._renew_seconds = lease_seconds / 5
        self._look_seconds = min(1.0, lease_seconds / 5)
        self._take_over = take_over
        self.owner = owner or process_owner()
        self._held: dict[str, HeldLease] = {}
        self._loops: list[asyncio.Task[None]] = []
        self._takeovers: set[asyncio.Task[None]] = set()
        self._listening = asyncio.Event()
        self._let_go = asyncio.Event()
        self._taking = True

    @property
    def held_count(self) -> int:
        return len(self._held)

    async def start(self) -> None:
        self._loops = [
            asyncio.create_task(self._renew_forever(), name="lease-renewal"),
            asyncio.create_task(self._listen_for_stops(), name="lease-stops"),
            asyncio.create_task(self._look_for_expired(), name="lease-takeover"),
        ]
        await asyncio.wait_for(self._listening.wait(), timeout=10)

    async def stop(self) -> None:
        pending: set[asyncio.Task[None]] = {*self._loops, *self._takeovers}
        while pending:
            # Cancelled again until they end: a cancellation that lands inside a Redis call can be swallowed there
            # (seen once in a test teardown that then waited forever), and a loop that survives it would run on.
            for task in pending:
                task.cancel()
            done, pending = await asyncio.wait(pending, timeout=_RETRY_SECONDS)
            for task in done:
                if not task.cancelled() and (error := task.exception()) is not None:
                    logger.error("lease keeper: %s had failed", task.get_name(), exc_info=error)
            if pending:
                logger.warning("lease keeper: %d tasks outlived their cancellation; cancelling again", len(pending))
        self._loops = []

    @contextmanager
    def holding(self, lease: Lease) -> Iterator[HeldLease]:
        """Keep ``lease`` renewed, and its answer reachable by stops and interruptions, while the block runs."""
        current = asyncio.current_task()
        assert current is not None
        held = HeldLease(lease, current)
        self._held[lease.task_id] = held
        try:
            yield held
        finally:
            if self._held.get(lease.task_id) is held:
                del self._held[lease.task_id]
            self._let_go.set()

    async def shut_down(self, grace_seconds: float) -> None:
        """Take nothing new; let the answers held here run for up to ``grace_seconds``, then hand the rest over
        and wait for them to let go."""
        self._taking = False
        with suppress(TimeoutError):
            await asyncio.wait_for(self._all_let_go(), grace_seconds)
        remaining = list(self._held.values())
        if remaining:
            logger.info("shutting down: handing %d unfinished answers to other workers", len(remaining))
        for held in remaining:
            held.interrupt(Interruption.HANDOVER)
        await self._all_let_go()

    async def _all_let_go(self) -> None:
        while self._held:
            self._let_go.clear()
            await self._let_go.wait()

    async def renew_once(self) -> None:
        held = list(self._held.values())
        results = await self._leases.renew([h.lease for h in held], self.owner)
        for h, stop in zip(held, results, strict=True):
            if stop is None:
                logger.warning("answer %s: taken over by another worker; stopping here", h.lease.task_id)
                h.interrupt(Interruption.LOST)
            elif stop:
                h.interrupt(Interruption.STOP)

    async def take_expired_once(self) -> int:
        """Take over the answers whose lease expired and that nobody here holds; returns how many were started."""
        if not self._taking:
            return 0
        started = 0
        for task_id in await self._leases.expired(_TAKE_PER_LOOK):
            if task_id in self._held:
                continue  # ours: running late (a long pause), the next renewal extends it unless taken meanwhile
            takeover = asyncio.create_task(self._taking_over(task_id), name=f"takeover-{task_id}")
            self._takeovers.add(takeover)
            takeover.add_done_callback(self._takeovers.discard)
            started += 1
        return started

    async def _taking_over(self, task_id: str) -> None:
        try:
            await self._take_over(task_id)
        except Exception:
            # Its lease runs out again, and the next taker tries again, up to MAX_TAKEOVERS.
            logger.exception("answer %s: takeover failed", task_id)

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(self._renew_seconds)
            try:
                await self.renew_once()
            except REDIS_UNAVAILABLE as error:
                logger.warning("lease renewal: Redis unavailable (%s)", error)

    async def _look_for_expired(self) -> None:
        while True:
            await asyncio.sleep(self._look_seconds)
            try:
                await self.take_expired_once()
            except REDIS_UNAVAILABLE as error:
                logger.warning("looking for expired leases: Redis unavailable (%s)", error)

    async def _listen_for_stops(self) -> None:
        while True:
            try:
                async with self._redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(redis_keys.STOP_CHANNEL)
                    self._listening.set()
                    async for message in pubsub.listen():
                        if message["type"] == "message" and (held := self._held.get(message["data"].decode())):
                            held.interrupt(Interruption.STOP)
            except REDIS_UNAVAILABLE as error:
                # A stop missed meanwhile still arrives: its flag comes back with the next append or renewal.
                logger.warning("stop listener: %s; retrying", error)
                await asyncio.sleep(_RETRY_SECONDS)
