import asyncio
import time

import orjson
import pytest

from simulator.encoding import HOLE, FrameTemplate, sse_data, sse_event
from simulator.pacing import PacedFrame, TokenSchedule, paced
from simulator.profile import SimulationProfile
from simulator.recorder import RequestLog


def test_a_filled_template_equals_a_directly_encoded_frame() -> None:
    template = FrameTemplate(sse_event("delta", {"model": "hole-looking text", "delta": HOLE, "n": HOLE}))

    assert template.fill('a "quoted"\ntoken', 7) == sse_event(
        "delta", {"model": "hole-looking text", "delta": 'a "quoted"\ntoken', "n": 7}
    )


def test_frames_are_server_sent_events() -> None:
    assert sse_event("ping", {"a": 1}) == b'event: ping\ndata: {"a":1}\n\n'
    assert orjson.loads(sse_data({"a": [1]}).removeprefix(b"data: ")) == {"a": [1]}


async def _collect(frames: list[PacedFrame], profile: SimulationProfile) -> list[bytes]:
    return [chunk async for chunk in paced(frames, TokenSchedule(profile))]


@pytest.mark.asyncio
async def test_an_unpaced_schedule_sends_everything_in_one_write_without_waiting() -> None:
    tokens = (PacedFrame(index, b"t ") for index in range(50))
    frames = [PacedFrame(None, b"head "), *tokens, PacedFrame(None, b"tail")]
    started = time.monotonic()

    chunks = await _collect(frames, SimulationProfile(tokens_per_second=0, ttft_ms=10_000))

    assert chunks == [b"head " + b"t " * 50 + b"tail"]
    assert time.monotonic() - started < 1


@pytest.mark.asyncio
async def test_paced_frames_wait_for_their_token_and_late_ones_are_batched() -> None:
    frames = [
        PacedFrame(None, b"head"),
        PacedFrame(0, b"a"),
        PacedFrame(1, b"b"),
        PacedFrame(2, b"c"),
        PacedFrame(None, b"tail"),
    ]
    schedule = TokenSchedule(SimulationProfile(tokens_per_second=20, ttft_ms=50))
    stream = paced(frames, schedule)

    assert await anext(stream) == b"head"
    assert await anext(stream) == b"a"
    await asyncio.sleep(0.15)  # a busy loop: tokens 1 and 2 are both due by now
    assert await anext(stream) == b"bctail"


def test_the_request_log_keeps_the_newest_entries() -> None:
    log = RequestLog(capacity=2)
    for number in range(3):
        log.record("/v1/responses", {"n": number})

    assert [entry["body"] for entry in log.entries()] == [{"n": 1}, {"n": 2}]
    assert {entry["outcome"] for entry in log.entries()} == {"in_progress"}
    log.clear()
    assert log.entries() == []
