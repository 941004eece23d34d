"""Answers interrupted on the way: `[sim stall_after=<k> stall_ms=<ms>]` and `[sim cut_after=<k>]`.

Streamed, both strike right after the k-th answer delta (Responses `response.output_text.delta`, Chat Completions
content chunks; reasoning summary deltas do not count), or before the first one when k is 0; k may be at most the
answer's length (profile.py rejects more):
- a stall sends nothing for `stall_ms`, then the stream resumes at its own pace; without `stall_ms` it lasts until
  the client hangs up. It only awaits, so it never holds up other requests.
- a cut raises `ConnectionCutError` inside the response body, so uvicorn aborts the chunked response: the client
  has the first k deltas and then an incomplete read, never the completion events (`response.completed`, `[DONE]`).

Non-streamed, the answer arrives whole, so k does not matter: a stall delays it by `stall_ms` (or holds the request
until the client hangs up), and a cut drops the connection halfway through the response body.

The request log records a cut as "cut" and a stall the client gave up on as "disconnected".
"""

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator, Iterable, Iterator

import orjson
from starlette.requests import Request

from simulator.body import JsonObject
from simulator.pacing import PacedFrame, TokenSchedule, paced
from simulator.profile import FaultProfile


class ConnectionCutError(Exception):
    """Raised inside a response body to drop the connection on purpose."""


def without_deliberate_cuts(record: logging.LogRecord) -> bool:
    """A logging filter for uvicorn's error log, which would report every deliberate cut as a crash."""
    return not (record.exc_info and isinstance(record.exc_info[1], ConnectionCutError))


def paced_with_interruptions(
    frames: Iterable[PacedFrame], schedule: TokenSchedule, faults: FaultProfile
) -> AsyncIterator[bytes]:
    """The stream's frames as they fall due, stalled or cut where `faults` ask."""
    if faults.interrupts_after is None:
        return paced(frames, schedule)
    return _interrupted(frames, schedule, faults.interrupts_after, faults)


async def _interrupted(
    frames: Iterable[PacedFrame], schedule: TokenSchedule, answer_deltas: int, faults: FaultProfile
) -> AsyncIterator[bytes]:
    before, after = _split_after_answer_deltas(frames, answer_deltas)
    async for chunk in paced(before, schedule):
        yield chunk
    if faults.cut_after is not None:
        raise ConnectionCutError
    if faults.stall_ms is None:
        # Never set: Starlette cancels a streaming body when its client disconnects, which is what ends this stall.
        await asyncio.Event().wait()
    else:
        await stall(schedule, faults.stall_ms)
    async for chunk in paced(after, schedule):
        yield chunk


def _split_after_answer_deltas(
    frames: Iterable[PacedFrame], answer_deltas: int
) -> tuple[list[PacedFrame], Iterator[PacedFrame]]:
    """The frames up to and including the `answer_deltas`-th answer delta (those before the first one when it is 0),
    and the frames after them.
    """
    rest = iter(frames)
    before: list[PacedFrame] = []
    deltas_left = answer_deltas
    for frame in rest:
        if frame.is_answer_delta and deltas_left == 0:
            return before, itertools.chain([frame], rest)
        before.append(frame)
        if frame.is_answer_delta:
            deltas_left -= 1
            if deltas_left == 0:
                return before, rest
    return before, rest


async def stall(schedule: TokenSchedule, stall_ms: float) -> None:
    """Waits out a bounded stall and moves the tokens still to come back by as much."""
    seconds = stall_ms / 1000
    await asyncio.sleep(seconds)
    schedule.postpone(seconds)


async def until_disconnected(request: Request) -> None:
    """Waits, without polling, for the client of a request whose body has been read to hang up."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def half_then_cut(answer: JsonObject) -> AsyncIterator[bytes]:
    """The first half of a non-streamed answer's body, then a dropped connection."""
    body = orjson.dumps(answer)
    yield body[: len(body) // 2]
    raise ConnectionCutError
