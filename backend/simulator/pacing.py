"""Token pacing against a monotonic schedule: token i is due at start + ttft + i / tps, however late the loop runs.

Waiting for an absolute deadline, rather than sleeping a fixed interval per token, keeps a stream's rate exact when
the event loop is busy: a late wake-up simply finds several tokens due and sends them in one write.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Iterable
from typing import NamedTuple

from simulator.profile import SimulationProfile


class PacedFrame(NamedTuple):
    """An encoded frame and the index of the token it must wait for, or None to go out with whatever precedes it.
    `is_answer_delta` marks the frames carrying one answer token each (not reasoning), which stream faults count.
    """

    token_index: int | None
    frame: bytes
    is_answer_delta: bool = False


class TokenSchedule:
    def __init__(self, profile: SimulationProfile) -> None:
        self._paced = profile.tokens_per_second > 0
        start = time.monotonic()
        self._first_token_at = start + profile.ttft_ms / 1000
        self._seconds_per_token = 1 / profile.tokens_per_second if self._paced else 0.0

    def seconds_until(self, token_index: int) -> float:
        """Zero or less once the token is due; an unpaced schedule (tps 0) has every token due at once."""
        if not self._paced:
            return 0.0
        return self._first_token_at + token_index * self._seconds_per_token - time.monotonic()

    def postpone(self, seconds: float) -> None:
        """Delays every token still to come, so a stream resumes at its own pace after a stall instead of in a
        burst of the tokens that fell due meanwhile.
        """
        self._first_token_at += seconds

    async def wait_for(self, token_index: int) -> None:
        delay = self.seconds_until(token_index)
        if delay > 0:
            await asyncio.sleep(delay)

    async def wait_for_last(self, token_count: int) -> None:
        """Until the last of `token_count` tokens is due, when a non-streamed answer is complete; an empty answer
        still waits for the time to first token.
        """
        await self.wait_for(max(token_count - 1, 0))


async def paced(frames: Iterable[PacedFrame], schedule: TokenSchedule) -> AsyncIterator[bytes]:
    """Yields the frames as they fall due, batching every frame already due into one chunk."""
    batch: list[bytes] = []
    for token_index, frame, _ in frames:
        if token_index is not None and schedule.seconds_until(token_index) > 0:
            if batch:
                yield b"".join(batch)
                batch = []
            await schedule.wait_for(token_index)
        batch.append(frame)
    if batch:
        yield b"".join(batch)
