import time
import uuid
from collections.abc import AsyncIterator
from typing import TypeVar

import httpx
import openai
import pytest
from openai import AsyncOpenAI

from simulator.interruptions import ConnectionCutError, paced_with_interruptions
from simulator.pacing import PacedFrame, TokenSchedule
from simulator.profile import FaultProfile, SimulationProfile

from .apis import APIS, PATHS, Api, ArrivedDelta, create, request_body, stream_answer
from .process import DEFAULT_REASONING_TOKENS, DEFAULT_TOKENS
from .request_log import settled_outcomes
from .sse import SseEvent, parse_sse

_Chunk = TypeVar("_Chunk", str, bytes)

# Event loop timers may fire up to a millisecond early; lower bounds allow for that, and upper bounds are never
# asserted because test machines can be arbitrarily slow.
TIMER_SLACK_SECONDS = 0.005
# Long enough that a stall which holds until the client hangs up is told apart from one that ends.
CLIENT_TIMEOUT_SECONDS = 0.5

FRAMES = [
    PacedFrame(None, b"head "),
    PacedFrame(0, b"reasoning "),
    PacedFrame(1, b"a0 ", is_answer_delta=True),
    PacedFrame(2, b"a1 ", is_answer_delta=True),
    PacedFrame(3, b"a2 ", is_answer_delta=True),
    PacedFrame(None, b"done"),
]


async def _drain(chunks: AsyncIterator[_Chunk], into: list[_Chunk]) -> None:
    """Appends every chunk to `into`, so what was read is there even when the stream fails."""
    async for chunk in chunks:
        into.append(chunk)


@pytest.mark.parametrize(
    ("cut_after", "sent"),
    [(0, b"head reasoning "), (1, b"head reasoning a0 "), (3, b"head reasoning a0 a1 a2 ")],
)
@pytest.mark.asyncio
async def test_a_cut_comes_right_after_the_kth_answer_delta(cut_after: int, sent: bytes) -> None:
    schedule = TokenSchedule(SimulationProfile(tokens_per_second=0))
    chunks: list[bytes] = []

    with pytest.raises(ConnectionCutError):
        await _drain(paced_with_interruptions(FRAMES, schedule, FaultProfile(cut_after=cut_after)), chunks)

    assert b"".join(chunks) == sent


@pytest.mark.asyncio
async def test_a_bounded_stall_sends_every_frame_in_order() -> None:
    schedule = TokenSchedule(SimulationProfile(tokens_per_second=0))
    chunks: list[bytes] = []

    await _drain(paced_with_interruptions(FRAMES, schedule, FaultProfile(stall_after=2, stall_ms=0)), chunks)

    assert chunks == [b"head reasoning a0 a1 ", b"a2 done"]


def _question(directive: str) -> str:
    """A prompt no other test sends, so its request log entries are its own."""
    return f"Question {uuid.uuid4().hex} {directive}"


STALL_TOKENS = 8
STALL_AFTER = 3
STALL_MS = 300
STALL_TPS = 50


@pytest.mark.parametrize("api", APIS)
@pytest.mark.asyncio
async def test_a_stall_with_stall_ms_resumes_at_the_streams_own_pace(openai_client: AsyncOpenAI, api: Api) -> None:
    question = _question(f"[sim tokens={STALL_TOKENS} tps={STALL_TPS}]")
    # Asked first, which also warms the client up, so the clock below measures the stream rather than its setup.
    unstalled_answer = await create(openai_client, api, question)
    deltas: list[ArrivedDelta] = []
    started = time.monotonic()

    completed = await stream_answer(
        openai_client, api, f"{question} [sim stall_after={STALL_AFTER} stall_ms={STALL_MS}]", deltas
    )

    assert completed
    assert "".join(delta.text for delta in deltas) == unstalled_answer
    stall_seconds = STALL_MS / 1000
    resumed_due = stall_seconds + STALL_AFTER / STALL_TPS
    last_due = stall_seconds + (STALL_TOKENS - 1) / STALL_TPS
    assert deltas[STALL_AFTER].at - started >= resumed_due - TIMER_SLACK_SECONDS
    assert deltas[-1].at - started >= last_due - TIMER_SLACK_SECONDS  # not a burst of the tokens due meanwhile


@pytest.mark.parametrize("api", APIS)
@pytest.mark.asyncio
async def test_a_stall_without_stall_ms_holds_the_stream_until_the_client_gives_up(
    openai_client: AsyncOpenAI, http: httpx.AsyncClient, api: Api
) -> None:
    prompt = _question(f"[sim stall_after={STALL_AFTER}]")
    impatient_client = openai_client.with_options(timeout=CLIENT_TIMEOUT_SECONDS)
    deltas: list[ArrivedDelta] = []

    with pytest.raises(openai.APITimeoutError):
        await stream_answer(impatient_client, api, prompt, deltas)

    assert len(deltas) == STALL_AFTER
    assert await settled_outcomes(http, prompt) == ["disconnected"]


@pytest.mark.asyncio
async def test_a_held_stall_does_not_block_other_requests(http: httpx.AsyncClient, openai_client: AsyncOpenAI) -> None:
    body = request_body("responses", _question("[sim stall_after=0]"), stream=True)
    timeout = httpx.Timeout(5.0, read=CLIENT_TIMEOUT_SECONDS)

    async with http.stream("POST", PATHS["responses"], json=body, timeout=timeout) as stalled:
        texts = stalled.aiter_text()
        received = [await anext(texts)]
        assert await create(openai_client, "chat", "Meanwhile?")
        with pytest.raises(httpx.ReadTimeout):
            await _drain(texts, received)

    assert [event.event for event in parse_sse("".join(received))] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]


@pytest.mark.parametrize("api", APIS)
@pytest.mark.asyncio
async def test_a_non_streamed_answer_is_delayed_by_a_stall(openai_client: AsyncOpenAI, api: Api) -> None:
    question = _question("")
    started = time.monotonic()

    answer = await create(openai_client, api, f"{question} [sim stall_after=1 stall_ms={STALL_MS}]")

    assert time.monotonic() - started >= STALL_MS / 1000 - TIMER_SLACK_SECONDS
    assert answer == await create(openai_client, api, question)


@pytest.mark.parametrize("api", APIS)
@pytest.mark.asyncio
async def test_a_held_stall_keeps_a_non_streamed_request_waiting_until_the_client_gives_up(
    openai_client: AsyncOpenAI, http: httpx.AsyncClient, api: Api
) -> None:
    prompt = _question("[sim stall_after=0]")

    with pytest.raises(openai.APITimeoutError):
        await create(openai_client.with_options(timeout=CLIENT_TIMEOUT_SECONDS), api, prompt)

    assert await settled_outcomes(http, prompt) == ["disconnected"]


@pytest.mark.parametrize("cut_after", [0, 3, DEFAULT_TOKENS])
@pytest.mark.parametrize("api", APIS)
@pytest.mark.asyncio
async def test_a_cut_stream_fails_in_the_sdk_after_exactly_k_deltas(
    openai_client: AsyncOpenAI, http: httpx.AsyncClient, api: Api, cut_after: int
) -> None:
    prompt = _question(f"[sim cut_after={cut_after}]")
    deltas: list[ArrivedDelta] = []

    with pytest.raises(openai.APIConnectionError):
        await stream_answer(openai_client, api, prompt, deltas)

    assert len(deltas) == cut_after
    assert await settled_outcomes(http, prompt) == ["cut"]


async def _read_until_cut(http: httpx.AsyncClient, api: Api, body: dict[str, object]) -> list[SseEvent]:
    """The events a stream sent before its connection broke, which must be whole frames."""
    received: list[str] = []
    async with http.stream("POST", PATHS[api], json=body) as cut:
        with pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"):
            await _drain(cut.aiter_text(), received)
    return parse_sse("".join(received))


def _is_answer_delta(api: Api, event: SseEvent) -> bool:
    if api == "responses":
        return event.event == "response.output_text.delta"
    choices = event.json()["choices"]
    assert isinstance(choices, list)
    return bool(choices and choices[0]["delta"].get("content"))


@pytest.mark.parametrize("api", APIS)
@pytest.mark.asyncio
async def test_a_cut_stream_ends_in_a_broken_chunked_body_without_completion(http: httpx.AsyncClient, api: Api) -> None:
    body = request_body(api, _question(f"[sim cut_after={DEFAULT_TOKENS}]"), stream=True)

    events = await _read_until_cut(http, api, body)

    assert [_is_answer_delta(api, event) for event in events].count(True) == DEFAULT_TOKENS
    assert _is_answer_delta(api, events[-1])  # nothing after the last delta: no done, stop, completed or [DONE]


@pytest.mark.asyncio
async def test_reasoning_deltas_do_not_count_towards_a_cut(http: httpx.AsyncClient) -> None:
    body = request_body("responses", _question("[sim cut_after=2]"), stream=True) | {"reasoning": {"summary": "auto"}}

    events = [event.event for event in await _read_until_cut(http, "responses", body)]
    assert events.count("response.reasoning_summary_text.delta") == DEFAULT_REASONING_TOKENS
    assert events.count("response.output_text.delta") == 2
    assert events[-1] == "response.output_text.delta"


@pytest.mark.parametrize("api", APIS)
@pytest.mark.asyncio
async def test_a_cut_non_streamed_answer_is_a_connection_error(
    openai_client: AsyncOpenAI, http: httpx.AsyncClient, api: Api
) -> None:
    prompt = _question("[sim cut_after=1]")

    with pytest.raises(openai.APIConnectionError):
        await create(openai_client, api, prompt)
    with pytest.raises(httpx.RemoteProtocolError):
        await http.post(PATHS[api], json=request_body(api, prompt))

    assert await settled_outcomes(http, prompt) == ["cut", "cut"]
