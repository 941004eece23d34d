"""The worker's model adapter over the real `openai` SDK, against the simulator, for both API styles."""

from typing import Any

import httpx
import openai
import pytest
from pydantic import AnyUrl

from app.core.config import ApiStyle, Settings
from app.devstack.ports import free_port
from app.llm.client import create_client
from app.llm.deltas import ChatTurn, ModelDelta
from app.llm.model import ChatModel
from app.streaming.events import EventKind
from tests.llm.conftest import ModelFactory


async def _collect(model: ChatModel, text: str) -> list[ModelDelta]:
    turns = [ChatTurn("system", "Be brief."), ChatTurn("user", text)]
    return [delta async for batch in model.stream(turns) for delta in batch]


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
