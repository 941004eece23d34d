from typing import Any

import httpx
import pytest
from openai import AsyncOpenAI
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseInputParam,
    ResponseOutputItemDoneEvent,
    ResponseReasoningItem,
    ResponseTextDeltaEvent,
)

from .process import DEFAULT_REASONING_TOKENS, DEFAULT_TOKENS
from .shapes import stream_event, strictly
from .sse import parse_sse

MESSAGE_EVENTS = [
    "response.output_item.added",
    "response.content_part.added",
    *["response.output_text.delta"] * DEFAULT_TOKENS,
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
]
REASONING_EVENTS = [
    "response.output_item.added",
    "response.reasoning_summary_part.added",
    *["response.reasoning_summary_text.delta"] * DEFAULT_REASONING_TOKENS,
    "response.reasoning_summary_text.done",
    "response.reasoning_summary_part.done",
    "response.output_item.done",
]


async def _stream(http: httpx.AsyncClient, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = await http.post("/v1/responses", json={"model": "gpt-5-mini", "stream": True, **body})
    assert response.status_code == httpx.codes.OK
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(response.text)
    payloads = [event.json() for event in events]
    assert [event.event for event in events] == [payload["type"] for payload in payloads]
    return payloads


@pytest.mark.asyncio
async def test_stream_without_reasoning_has_the_real_event_sequence(http: httpx.AsyncClient) -> None:
    payloads = await _stream(http, {"input": "Explain streaming."})

    events = [stream_event(payload) for payload in payloads]
    assert [event.type for event in events] == [
        "response.created",
        "response.in_progress",
        *MESSAGE_EVENTS,
        "response.completed",
    ]
    assert [event.sequence_number for event in events] == list(range(len(events)))
    deltas = [event for event in events if isinstance(event, ResponseTextDeltaEvent)]
    assert {(delta.output_index, delta.content_index) for delta in deltas} == {(0, 0)}
    completed = events[-1]
    assert isinstance(completed, ResponseCompletedEvent)
    assert completed.response.status == "completed"
    assert completed.response.output_text == "".join(delta.delta for delta in deltas)
    assert completed.response.usage is not None
    assert completed.response.usage.output_tokens == DEFAULT_TOKENS
    assert completed.response.usage.output_tokens_details.reasoning_tokens == 0


@pytest.mark.asyncio
async def test_stream_with_reasoning_summary_streams_the_reasoning_item_first(http: httpx.AsyncClient) -> None:
    payloads = await _stream(http, {"input": "Explain streaming.", "reasoning": {"effort": "low", "summary": "auto"}})

    events = [stream_event(payload) for payload in payloads]
    assert [event.type for event in events] == [
        "response.created",
        "response.in_progress",
        *REASONING_EVENTS,
        *MESSAGE_EVENTS,
        "response.completed",
    ]
    assert [event.sequence_number for event in events] == list(range(len(events)))
    completed = events[-1]
    assert isinstance(completed, ResponseCompletedEvent)
    reasoning, message = completed.response.output
    assert isinstance(reasoning, ResponseReasoningItem)
    summary = "".join(str(p["delta"]) for p in payloads if p["type"] == "response.reasoning_summary_text.delta")
    assert [part.text for part in reasoning.summary] == [summary]
    assert message.type == "message"
    assert {p["output_index"] for p in payloads if p["type"] == "response.output_text.delta"} == {1}
    assert completed.response.usage is not None
    assert completed.response.usage.output_tokens_details.reasoning_tokens == DEFAULT_REASONING_TOKENS
    assert completed.response.usage.output_tokens == DEFAULT_TOKENS + DEFAULT_REASONING_TOKENS


@pytest.mark.asyncio
async def test_an_empty_reasoning_summary_leaves_a_reasoning_item_without_summary_parts(
    http: httpx.AsyncClient,
) -> None:
    body = {"input": "Explain streaming. [sim reasoning_tokens=0]", "reasoning": {"summary": "concise"}}
    events = [stream_event(payload) for payload in await _stream(http, body)]

    assert not any(event.type.startswith("response.reasoning_summary") for event in events)
    reasoning_done = events[3]
    assert isinstance(reasoning_done, ResponseOutputItemDoneEvent)
    assert isinstance(reasoning_done.item, ResponseReasoningItem)
    assert reasoning_done.item.summary == []


@pytest.mark.asyncio
async def test_non_streamed_response_is_a_complete_response_object(http: httpx.AsyncClient) -> None:
    body = {"model": "gpt-5-mini", "input": "Explain streaming.", "reasoning": {"summary": "detailed"}}
    response = await http.post("/v1/responses", json=body)

    assert response.status_code == httpx.codes.OK
    parsed = strictly(Response.model_validate(response.json()))
    assert parsed.status == "completed"
    assert [item.type for item in parsed.output] == ["reasoning", "message"]
    assert parsed.usage is not None
    assert parsed.usage.output_tokens == DEFAULT_TOKENS + DEFAULT_REASONING_TOKENS
    completed = stream_event((await _stream(http, {"input": "Explain streaming."}))[-1])
    assert isinstance(completed, ResponseCompletedEvent)
    assert parsed.output_text == completed.response.output_text


@pytest.mark.asyncio
async def test_sdk_streams_events_it_recognises(openai_client: AsyncOpenAI) -> None:
    stream = await openai_client.responses.create(
        model="gpt-5-mini", input="Explain streaming.", reasoning={"summary": "auto"}, stream=True
    )
    async with stream:
        events = [event async for event in stream]

    deltas = [event.delta for event in events if isinstance(event, ResponseTextDeltaEvent)]
    assert len(deltas) == DEFAULT_TOKENS
    completed = events[-1]
    assert isinstance(completed, ResponseCompletedEvent)
    assert completed.response.output_text == "".join(deltas)


@pytest.mark.asyncio
async def test_sdk_stream_helper_assembles_the_final_response(openai_client: AsyncOpenAI) -> None:
    async with openai_client.responses.stream(
        model="gpt-5-mini", input="Explain streaming.", reasoning={"summary": "auto"}
    ) as stream:
        deltas = [event.delta async for event in stream if event.type == "response.output_text.delta"]
        final = await stream.get_final_response()

    assert final.output_text == "".join(deltas)
    assert final.status == "completed"


@pytest.mark.asyncio
async def test_sdk_non_streamed_response(openai_client: AsyncOpenAI) -> None:
    response = await openai_client.responses.create(model="gpt-5-mini", input="Explain streaming.")

    assert response.output_text
    assert response.model == "gpt-5-mini"


@pytest.mark.parametrize(
    "conversation",
    [
        "What is a stream?",
        [{"role": "user", "content": "What is a stream?"}],
        [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "What is a stream?"}]}],
        [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hello"},
            {"role": "assistant", "content": [{"type": "output_text", "text": "Hi!"}]},
            {"role": "user", "content": "What is a stream?"},
        ],
    ],
    ids=["string", "message", "content-parts", "history"],
)
@pytest.mark.asyncio
async def test_every_input_form_is_answered_from_the_last_user_message(
    openai_client: AsyncOpenAI, conversation: str | ResponseInputParam
) -> None:
    reference = await openai_client.responses.create(model="gpt-5-mini", input="What is a stream?")
    response = await openai_client.responses.create(model="gpt-5-mini", input=conversation)

    assert response.output_text == reference.output_text


@pytest.mark.asyncio
async def test_instructions_are_echoed_and_counted_as_input(openai_client: AsyncOpenAI) -> None:
    plain = await openai_client.responses.create(model="gpt-5-mini", input="What is a stream?")
    instructed = await openai_client.responses.create(
        model="gpt-5-mini", input="What is a stream?", instructions="Answer like a pirate, at length."
    )

    assert instructed.instructions == "Answer like a pirate, at length."
    assert plain.usage is not None
    assert instructed.usage is not None
    assert instructed.usage.input_tokens > plain.usage.input_tokens
