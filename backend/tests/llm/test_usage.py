"""The model's usage report as the worker reads it, in both API styles, against the simulator: the read that brings
it carries it, the numbers are the server's own, and a stream that breaks brings none."""

import uuid
from contextlib import aclosing
from typing import Any

import httpx
import httpx2
import openai
import pytest

from app.core.config import ApiStyle
from app.llm.deltas import ChatTurn, ModelBatch, ModelUsage
from app.llm.model import _usage
from tests.llm.conftest import ModelFactory


def _turns(text: str) -> list[ChatTurn]:
    return [ChatTurn("system", "Be brief."), ChatTurn("user", text)]


async def _batches(model: Any, text: str) -> list[ModelBatch]:
    return [batch async for batch in model.stream(_turns(text))]


async def _replayed_usage(simulator: httpx.AsyncClient, marker: str) -> dict[str, Any]:
    """What the simulator reports for the request that carried ``marker``, sent again unstreamed (it answers the same
    request the same way)."""
    requests: list[dict[str, Any]] = (await simulator.get("/_sim/requests")).json()["requests"]
    entry = next(r for r in reversed(requests) if marker in str(r["body"]))
    replayed = await simulator.post(entry["path"], json=entry["body"] | {"stream": False})
    usage: dict[str, Any] = replayed.json()["usage"]
    return usage


async def test_a_responses_stream_ends_with_the_reported_usage(
    make_model: ModelFactory, simulator: httpx.AsyncClient
) -> None:
    marker = uuid.uuid4().hex
    batches = await _batches(make_model(openai_reasoning_effort="low"), f"[sim tokens=9 reasoning_tokens=4] {marker}")

    usages = [batch.usage for batch in batches if batch.usage is not None]
    assert len(usages) == 1
    assert batches[-1].usage == usages[0]
    reported = await _replayed_usage(simulator, marker)
    assert usages[0] == ModelUsage(reported["input_tokens"], reported["output_tokens"])
    assert usages[0].output_tokens == 9 + 4  # reasoning tokens are output tokens


async def test_a_chat_completions_stream_asks_for_usage_and_reads_it(
    make_model: ModelFactory, simulator: httpx.AsyncClient
) -> None:
    marker = uuid.uuid4().hex
    model = make_model(openai_api_style=ApiStyle.CHAT_COMPLETIONS)
    batches = await _batches(model, f"[sim tokens=6] {marker}")

    requests: list[dict[str, Any]] = (await simulator.get("/_sim/requests")).json()["requests"]
    sent = next(r["body"] for r in reversed(requests) if marker in str(r["body"]))
    assert sent["stream_options"] == {"include_usage": True}
    # The usage chunk comes last (in the read that brings it, with whatever text came along).
    reported = await _replayed_usage(simulator, marker)
    assert batches[-1].usage == ModelUsage(reported["prompt_tokens"], reported["completion_tokens"])
    assert [batch.usage for batch in batches[:-1]] == [None] * (len(batches) - 1)


async def test_a_stream_reattached_part_way_still_gets_the_whole_responses_usage(make_model: ModelFactory) -> None:
    model = make_model(openai_background=True, openai_reasoning_effort="off")
    read: list[ModelBatch] = []
    async with aclosing(model.stream(_turns(f"{uuid.uuid4().hex} [sim tokens=24 tps=60 ttft_ms=0]"))) as batches:
        async for batch in batches:
            read.append(batch)
            if len(read) == 3:
                break
    cursor = read[-1].cursor
    assert cursor is not None
    assert all(batch.usage is None for batch in read)

    rest = [batch async for batch in make_model(openai_background=True).stream([], resume=cursor)]

    assert rest[-1].usage is not None
    assert rest[-1].usage.output_tokens == 24


@pytest.mark.parametrize("style", list(ApiStyle))
async def test_a_stream_that_breaks_brings_no_usage(make_model: ModelFactory, style: ApiStyle) -> None:
    model = make_model(openai_api_style=style)
    read: list[ModelBatch] = []

    async def read_until_broken() -> None:
        async for batch in model.stream(_turns(f"{uuid.uuid4().hex} [sim tokens=30 cut_after=5]")):
            read.append(batch)

    with pytest.raises((openai.APIConnectionError, httpx2.TransportError)):
        await read_until_broken()
    assert read
    assert all(batch.usage is None for batch in read)


def test_usage_objects_are_read_only_when_they_hold_both_counts() -> None:
    responses = {"input_tokens": 12, "output_tokens": 3, "total_tokens": 15}
    assert _usage(responses, "input_tokens", "output_tokens") == ModelUsage(12, 3)
    chat = {"prompt_tokens": 5, "completion_tokens": 0}
    assert _usage(chat, "prompt_tokens", "completion_tokens") == ModelUsage(5, 0)
    # Null (every Chat Completions chunk but the last), missing or malformed: no report, so the worker estimates.
    for reported in (None, {}, {"input_tokens": 12}, {"input_tokens": "12", "output_tokens": 3}, [12, 3]):
        assert _usage(reported, "input_tokens", "output_tokens") is None
