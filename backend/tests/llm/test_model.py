"""The worker's model adapter over the real `openai` SDK, against the simulator, for both API styles."""

import uuid
from contextlib import aclosing
from typing import Any

import httpx
import httpx2
import openai
import pytest
from pydantic import AnyUrl

from app.core.config import ApiStyle, Settings
from app.llm.client import create_client
from app.llm.deltas import ChatTurn, ModelBatch, ModelDelta, UpstreamCursor
from app.llm.model import ChatModel
from app.streaming.events import EventKind
from devstack.ports import free_port
from tests.llm.conftest import ModelFactory


async def _collect(model: ChatModel, text: str) -> list[ModelDelta]:
    turns = [ChatTurn("system", "Be brief."), ChatTurn("user", text)]
    return [delta async for batch in model.stream(turns) for delta in batch.deltas]


def _runs(deltas: list[ModelDelta]) -> list[EventKind]:
    """The kinds in order, one per run: tokens that arrived in one read are joined into one delta."""
    return [kind for i, kind in enumerate(d.kind for d in deltas) if i == 0 or deltas[i - 1].kind is not kind]


async def _recorded(simulator: httpx.AsyncClient, text: str) -> dict[str, Any]:
    requests = (await simulator.get("/_sim/requests")).json()["requests"]
    entry: dict[str, Any] = next(r for r in reversed(requests) if text in str(r["body"]))
    return entry


async def test_responses_api_streams_reasoning_then_content(
    make_model: ModelFactory, simulator: httpx.AsyncClient
) -> None:
    text = "[sim tokens=7 reasoning_tokens=3] responses with reasoning"
    deltas = await _collect(make_model(openai_reasoning_effort="medium"), text)
    assert _runs(deltas) == [EventKind.REASONING, EventKind.CONTENT]
    request = await _recorded(simulator, text)
    assert request["path"] == "/v1/responses"
    assert request["body"]["reasoning"] == {"effort": "medium", "summary": "auto"}
    assert request["body"]["stream"] is True


async def test_responses_api_without_reasoning(make_model: ModelFactory, simulator: httpx.AsyncClient) -> None:
    text = "[sim tokens=5 reasoning_tokens=3] responses without reasoning"
    deltas = await _collect(make_model(openai_reasoning_effort="off"), text)
    assert _runs(deltas) == [EventKind.CONTENT]
    assert "reasoning" not in (await _recorded(simulator, text))["body"]


async def test_chat_completions_for_compatible_servers(make_model: ModelFactory, simulator: httpx.AsyncClient) -> None:
    text = "[sim tokens=6] chat completions"
    model = make_model(openai_api_style=ApiStyle.CHAT_COMPLETIONS, openai_model="llama3.2")
    deltas = await _collect(model, text)
    assert _runs(deltas) == [EventKind.CONTENT]
    request = await _recorded(simulator, text)
    assert request["path"] == "/v1/chat/completions"
    assert request["body"]["model"] == "llama3.2"
    assert request["body"]["messages"][0] == {"role": "system", "content": "Be brief."}


async def test_the_same_input_gives_the_same_text_in_both_styles(make_model: ModelFactory) -> None:
    text = "[sim tokens=9 reasoning_tokens=0] same words"
    via_responses = "".join(d.text for d in await _collect(make_model(openai_reasoning_effort="off"), text))
    via_chat = "".join(d.text for d in await _collect(make_model(openai_api_style=ApiStyle.CHAT_COMPLETIONS), text))
    assert via_responses == via_chat
    assert via_responses


async def test_complete_returns_one_piece_in_both_styles(make_model: ModelFactory) -> None:
    turns = [ChatTurn("user", "[sim tokens=4 tps=0] name this")]
    for style in ApiStyle:
        assert (await make_model(openai_api_style=style).complete(turns, max_tokens=10)).strip()


async def test_a_refused_connection_is_retried_then_reported() -> None:
    closed_port = free_port()  # nothing listens there
    settings = Settings(simulator_url=AnyUrl(f"http://127.0.0.1:{closed_port}/v1"), openai_max_retries=2)
    model = ChatModel(create_client(settings), settings)
    with pytest.raises(openai.APIConnectionError):
        await _collect(model, "anyone there?")
    await model.close()


# Background mode: the upstream response outlives the connection reading it, and a stream can be reattached to it.

# Paced, so an answer is read in many network reads and is still being generated when a stream reattaches.
BACKGROUND_TOKENS = 24
PACED = f"[sim tokens={BACKGROUND_TOKENS} tps=60 ttft_ms=0]"


def _question() -> str:
    """A prompt no other test sends, so its answer and request log entries are its own."""
    return f"question {uuid.uuid4().hex}"


def _turns(text: str) -> list[ChatTurn]:
    return [ChatTurn("user", text)]


def _text(batches: list[ModelBatch]) -> str:
    return "".join(delta.text for batch in batches for delta in batch.deltas)


async def _batches(model: ChatModel, text: str, resume: UpstreamCursor | None = None) -> list[ModelBatch]:
    return [batch async for batch in model.stream(_turns(text), resume=resume)]


async def _batches_until_broken(model: ChatModel, text: str, into: list[ModelBatch]) -> None:
    """Appends every batch to `into`, so what was read is there when the stream breaks."""
    async for batch in model.stream(_turns(text)):
        into.append(batch)


async def _uninterrupted_text(model: ChatModel, question: str) -> str:
    """The same words without faults or pacing: directives never change an answer's wording."""
    return _text(await _batches(model, f"{question} [sim tokens={BACKGROUND_TOKENS} tps=0]"))


async def _created_for(simulator: httpx.AsyncClient, question: str) -> list[dict[str, Any]]:
    """The create requests the simulator received with this question, oldest first."""
    requests = (await simulator.get("/_sim/requests")).json()["requests"]
    return [r["body"] for r in requests if r["path"] == "/v1/responses" and question in str(r["body"]["input"])]


async def test_background_mode_yields_the_response_id_and_increasing_sequence_numbers(
    make_model: ModelFactory, simulator: httpx.AsyncClient
) -> None:
    question = _question()
    batches = await _batches(make_model(openai_background=True, openai_reasoning_effort="off"), f"{question} {PACED}")

    cursors = [batch.cursor for batch in batches]
    assert len(cursors) > 1
    assert all(cursor is not None for cursor in cursors)
    response_ids = {cursor.response_id for cursor in cursors if cursor is not None}
    assert len(response_ids) == 1
    assert response_ids.pop().startswith("resp_")
    numbers = [cursor.sequence_number for cursor in cursors if cursor is not None]
    assert numbers == sorted(set(numbers))
    (created,) = await _created_for(simulator, question)
    assert (created["background"], created["store"], created["stream"]) == (True, True, True)


@pytest.mark.parametrize("style", list(ApiStyle))
async def test_without_background_mode_batches_carry_no_cursor(
    make_model: ModelFactory, simulator: httpx.AsyncClient, style: ApiStyle
) -> None:
    question = _question()
    batches = await _batches(make_model(openai_api_style=style, openai_background=False), f"{question} {PACED}")

    assert batches
    assert {batch.cursor for batch in batches} == {None}
    if style is ApiStyle.RESPONSES:
        (created,) = await _created_for(simulator, question)
        assert created["store"] is False
        assert "background" not in created


async def test_another_model_resumes_from_a_cursor_midway_with_exactly_the_remaining_text(
    make_model: ModelFactory, simulator: httpx.AsyncClient
) -> None:
    question = _question()
    first_reader = make_model(openai_background=True, openai_reasoning_effort="off")
    read: list[ModelBatch] = []
    async with aclosing(first_reader.stream(_turns(f"{question} {PACED}"))) as batches:
        async for batch in batches:
            read.append(batch)
            if len(read) == 3:
                break  # as a worker that dies: the connection closes, the upstream response goes on
    cursor = read[-1].cursor
    assert cursor is not None

    taker = make_model(openai_background=True, openai_reasoning_effort="off")
    rest = await _batches(taker, "", resume=cursor)

    assert len(await _created_for(simulator, question)) == 1  # reattached, never created again
    assert rest
    assert all(batch.cursor is not None and batch.cursor.response_id == cursor.response_id for batch in rest)
    assert _text(read) + _text(rest) == await _uninterrupted_text(taker, question)


async def test_a_cut_in_background_mode_then_resume_gives_the_whole_text(make_model: ModelFactory) -> None:
    question = _question()
    model = make_model(openai_background=True, openai_reasoning_effort="off")
    read: list[ModelBatch] = []
    with pytest.raises((openai.APIConnectionError, httpx2.TransportError)):
        await _batches_until_broken(model, f"{question} {PACED} [sim cut_after=5]", read)
    assert len(_text(read)) > 0
    cursor = read[-1].cursor
    assert cursor is not None

    rest = await _batches(model, "", resume=cursor)

    assert _text(read) + _text(rest) == await _uninterrupted_text(model, question)


async def test_a_break_before_the_first_delta_reattaches_instead_of_creating_again(
    make_model: ModelFactory, simulator: httpx.AsyncClient
) -> None:
    question = _question()
    model = make_model(openai_background=True, openai_reasoning_effort="off")

    # Cut before any delta: the stream has only named its response, so the retry reattaches to that response.
    batches = await _batches(model, f"{question} {PACED} [sim cut_after=0]")

    assert len(await _created_for(simulator, question)) == 1
    assert _text(batches) == await _uninterrupted_text(model, question)


async def test_resuming_after_the_end_yields_nothing_and_ends(make_model: ModelFactory) -> None:
    model = make_model(openai_background=True, openai_reasoning_effort="off")
    batches = await _batches(model, f"{_question()} [sim tokens=5 tps=0]")
    last = batches[-1].cursor
    assert last is not None

    assert await _batches(model, "", resume=last) == []


async def test_cancel_upstream_stops_the_background_response(
    make_model: ModelFactory, simulator: httpx.AsyncClient
) -> None:
    model = make_model(openai_background=True, openai_reasoning_effort="off")
    async with aclosing(model.stream(_turns(f"{_question()} [sim tokens=200 tps=20 ttft_ms=0]"))) as batches:
        cursor = (await anext(batches)).cursor
    assert cursor is not None

    await model.cancel_upstream(cursor.response_id)

    status = (await simulator.get(f"/v1/responses/{cursor.response_id}")).json()["status"]
    assert status == "cancelled"
    rest = await _batches(model, "", resume=cursor)
    assert len(_text(rest)) < 200  # the stream ends where the generation was stopped


async def test_cancel_upstream_of_an_unknown_response_is_logged_not_raised(
    make_model: ModelFactory, caplog: pytest.LogCaptureFixture
) -> None:
    await make_model(openai_background=True).cancel_upstream("resp_unknown")

    assert "resp_unknown" in caplog.text


async def test_only_a_responses_stream_can_be_resumed(make_model: ModelFactory) -> None:
    model = make_model(openai_api_style=ApiStyle.CHAT_COMPLETIONS)

    with pytest.raises(ValueError, match="Responses"):
        await _batches(model, "", resume=UpstreamCursor("resp_any", 3))
