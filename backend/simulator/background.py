"""Background responses (`POST /v1/responses` with `background: true`): generated inside the simulator, on its own
clock, into an in-memory log of events, whether or not any client is connected, so a client whose connection
broke can reattach with `GET /v1/responses/{id}?stream=true&starting_after=<sequence_number>` and read on.

Connection faults (`stall_after`, `cut_after`) strike the creating request's connection, counted in answer deltas
as interruptions.py describes, while the generation goes on; reattaching connections are never interrupted. A
stall holds back that connection only: it then catches up with what was generated meanwhile, in one burst.

Finished responses are kept for a while (the real API keeps them about ten minutes) and their number is bounded:
past `capacity` the oldest finished one is forgotten, and when every kept response is still running, a new one is
refused with a 429 rather than letting memory grow without limit.
"""

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Final, Literal

from simulator.body import JsonObject
from simulator.errors import ApiError
from simulator.interruptions import ConnectionCutError
from simulator.pacing import PacedFrame, TokenSchedule
from simulator.profile import FaultProfile, SimulationProfile
from simulator.responses_api import SimulatedResponse

Status = Literal["queued", "in_progress", "completed", "cancelled"]
_FINISHED: Final[frozenset[Status]] = frozenset({"completed", "cancelled"})


class BackgroundResponse:
    """One response being generated, or generated, into its log; the log's i-th frame has sequence number i."""

    def __init__(
        self,
        simulation: SimulatedResponse,
        profile: SimulationProfile,
        on_finished: Callable[["BackgroundResponse"], None],
    ) -> None:
        self.simulation = simulation
        self.status: Status = "queued"
        self.finished_at: float | None = None
        """`time.monotonic()` when it finished, for retention."""
        self._frames: list[PacedFrame] = []
        self._final_object: JsonObject | None = None
        self._grown = asyncio.Event()
        self._on_finished = on_finished
        self._generation = asyncio.get_running_loop().create_task(
            self._generate(simulation.frames(), TokenSchedule(profile))
        )

    @property
    def id(self) -> str:
        return self.simulation.id

    @property
    def is_finished(self) -> bool:
        return self.status in _FINISHED

    def response_object(self) -> JsonObject:
        if self._final_object is not None:
            return self._final_object
        return self.simulation.unfinished_object(self.status)

    def cancel(self) -> None:
        """Stops the generation; the stream ends after the events already logged. Finished responses stay as they
        are, so cancelling twice, or after the end, changes nothing.
        """
        if self.is_finished:
            return
        self._generation.cancel()
        self._finish("cancelled")

    async def frames_after(self, sequence_number: int) -> AsyncIterator[list[PacedFrame]]:
        """The logged frames numbered above `sequence_number`, the backlog at once and then as they are generated,
        a batch per wake-up, until the response has finished and every frame is sent.
        """
        next_index = max(sequence_number + 1, 0)
        while True:
            grown = self._grown
            if next_index < len(self._frames):
                batch = self._frames[next_index:]
                next_index += len(batch)
                yield batch
            elif self.is_finished:
                return
            else:
                await grown.wait()

    async def _generate(self, frames: Iterator[PacedFrame], schedule: TokenSchedule) -> None:
        self.status = "in_progress"
        for frame in frames:
            if frame.token_index is not None and schedule.seconds_until(frame.token_index) > 0:
                # Readers wake once per batch of frames that fell due together, as a paced stream writes them.
                self._wake_readers()
                await schedule.wait_for(frame.token_index)
            self._frames.append(frame)
        self._final_object = self.simulation.final_object()
        self._finish("completed")

    def _finish(self, status: Status) -> None:
        self.status = status
        self.finished_at = time.monotonic()
        self._wake_readers()
        self._on_finished(self)

    def _wake_readers(self) -> None:
        self._grown.set()
        self._grown = asyncio.Event()


class BackgroundResponses:
    """The background responses the simulator keeps, by id."""

    def __init__(self, *, retention_seconds: float, capacity: int) -> None:
        self._retention_seconds = retention_seconds
        self._capacity = capacity
        self._responses: dict[str, BackgroundResponse] = {}
        # In the order they finished, which with one retention for all is the order they expire in.
        self._finished: OrderedDict[str, None] = OrderedDict()

    def start(self, simulation: SimulatedResponse, profile: SimulationProfile) -> BackgroundResponse:
        self._forget_expired()
        while len(self._responses) >= self._capacity and self._finished:
            self._forget(next(iter(self._finished)))
        if len(self._responses) >= self._capacity:
            raise ApiError(
                429,
                f"Too many background responses in progress (the simulator keeps at most {self._capacity}).",
                error_type="requests",
                code="rate_limit_exceeded",
            )
        response = BackgroundResponse(simulation, profile, self._note_finished)
        self._responses[response.id] = response
        return response

    def get(self, response_id: str) -> BackgroundResponse:
        self._forget_expired()
        response = self._responses.get(response_id)
        if response is None:
            raise ApiError(404, f"Response with id '{response_id}' not found.")
        return response

    def cancel_all(self) -> None:
        """Stops every generation still running, for a clean shutdown."""
        for response in list(self._responses.values()):
            response.cancel()

    def _note_finished(self, response: BackgroundResponse) -> None:
        self._finished[response.id] = None

    def _forget_expired(self) -> None:
        expired_before = time.monotonic() - self._retention_seconds
        while self._finished:
            oldest = next(iter(self._finished))
            finished_at = self._responses[oldest].finished_at
            if finished_at is None or finished_at > expired_before:
                return
            self._forget(oldest)

    def _forget(self, response_id: str) -> None:
        del self._finished[response_id]
        del self._responses[response_id]


async def connection_stream(response: BackgroundResponse, after: int, faults: FaultProfile) -> AsyncIterator[bytes]:
    """What one connection reads of a response's log: the frames numbered above `after`, stalled or cut where
    `faults` ask.
    """
    deltas_left = faults.interrupts_after
    async for batch in response.frames_after(after):
        if deltas_left is None:
            yield _joined(batch)
            continue
        split, deltas_left = _interruption_point(batch, deltas_left)
        if split is None:
            yield _joined(batch)
            continue
        if split:
            yield _joined(batch[:split])
        await _interrupt(faults)
        deltas_left = None
        if split < len(batch):
            yield _joined(batch[split:])


def _interruption_point(batch: Sequence[PacedFrame], deltas_left: int) -> tuple[int | None, int]:
    """Where in `batch` an interruption after `deltas_left` more answer deltas falls (right after the last of them,
    or before the first answer delta when none is left), if it does, and how many are left after the batch.
    """
    for index, frame in enumerate(batch):
        if frame.is_answer_delta:
            if deltas_left == 0:
                return index, 0
            deltas_left -= 1
            if deltas_left == 0:
                return index + 1, 0
    return None, deltas_left


async def _interrupt(faults: FaultProfile) -> None:
    if faults.cut_after is not None:
        raise ConnectionCutError
    if faults.stall_ms is None:
        # Never set: Starlette cancels a streaming body when its client disconnects, which is what ends this stall.
        await asyncio.Event().wait()
    else:
        await asyncio.sleep(faults.stall_ms / 1000)


def _joined(batch: Sequence[PacedFrame]) -> bytes:
    return b"".join(frame.frame for frame in batch)
