import asyncio
import time

import httpx
import openai
import pytest
from openai import AsyncOpenAI
from openai.types.responses import ResponseCompletedEvent, ResponseInputParam

from .shapes import stream_event
from .sse import parse_sse


@pytest.mark.asyncio
async def test_health(http: httpx.AsyncClient) -> None:
    response = await http.get("/healthz")

    assert response.status_code == httpx.codes.OK
    assert response.json() == {"status": "ok"}


@pytest.mark.asyncio
async def test_models_are_listed(openai_client: AsyncOpenAI) -> None:
    models = [model async for model in openai_client.models.list()]

    assert [model.id for model in models] == ["gpt-5-mini", "gpt-5-nano"]


@pytest.mark.asyncio
async def test_generation_requests_are_recorded_newest_last_and_can_be_cleared(
    http: httpx.AsyncClient, openai_client: AsyncOpenAI
) -> None:
    assert (await http.delete("/_sim/requests")).status_code == httpx.codes.NO_CONTENT
    conversation: ResponseInputParam = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "More"},
    ]
    await openai_client.responses.create(model="gpt-5-mini", input=conversation)
    await openai_client.chat.completions.create(model="gpt-5-mini", messages=[{"role": "user", "content": "Chat"}])
    await http.get("/v1/models")

    recorded = (await http.get("/_sim/requests")).json()["requests"]

    assert [entry["path"] for entry in recorded] == ["/v1/responses", "/v1/chat/completions"]
    assert recorded[0]["body"]["input"] == conversation
    assert recorded[1]["body"]["messages"] == [{"role": "user", "content": "Chat"}]
    await http.delete("/_sim/requests")
    assert (await http.get("/_sim/requests")).json() == {"requests": []}


def _assert_openai_error(response: httpx.Response, status_code: int, param: str | None = None) -> None:
    assert response.status_code == status_code
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error"
    assert error["message"]
    assert error["param"] == param


@pytest.mark.asyncio
async def test_unknown_path_and_method_answer_in_openai_shape(http: httpx.AsyncClient) -> None:
    _assert_openai_error(await http.post("/v1/embeddings", json={}), httpx.codes.NOT_FOUND)
    _assert_openai_error(await http.get("/v1/responses"), httpx.codes.METHOD_NOT_ALLOWED)


@pytest.mark.parametrize(
    ("path", "body", "param"),
    [
        ("/v1/responses", {"input": "Hi"}, "model"),
        ("/v1/responses", {"model": 5, "input": "Hi"}, "model"),
        ("/v1/responses", {"model": "m"}, "input"),
        ("/v1/responses", {"model": "m", "input": {"text": "Hi"}}, "input"),
        ("/v1/responses", {"model": "m", "input": ["Hi"]}, "input[0]"),
        ("/v1/responses", {"model": "m", "input": [{"content": "Hi"}]}, "input[0].role"),
        ("/v1/responses", {"model": "m", "input": [{"role": "user"}]}, "input[0].content"),
        ("/v1/responses", {"model": "m", "input": "Hi", "stream": "yes"}, "stream"),
        ("/v1/responses", {"model": "m", "input": "Hi", "reasoning": {"summary": 1}}, "reasoning.summary"),
        ("/v1/chat/completions", {"messages": [{"role": "user", "content": "Hi"}]}, "model"),
        ("/v1/chat/completions", {"model": "m"}, "messages"),
        ("/v1/chat/completions", {"model": "m", "messages": []}, "messages"),
        ("/v1/chat/completions", {"model": "m", "messages": [{"role": "user", "content": 3}]}, "messages[0].content"),
        (
            "/v1/chat/completions",
            {"model": "m", "messages": [{"role": "user", "content": [{"type": "text"}]}]},
            "messages[0].content[0].text",
        ),
    ],
)
@pytest.mark.asyncio
async def test_malformed_requests_are_rejected_with_400(
    http: httpx.AsyncClient, path: str, body: dict[str, object], param: str
) -> None:
    _assert_openai_error(await http.post(path, json=body), httpx.codes.BAD_REQUEST, param)


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b""])
@pytest.mark.asyncio
async def test_a_body_that_is_not_a_json_object_is_rejected_with_400(http: httpx.AsyncClient, content: bytes) -> None:
    response = await http.post("/v1/responses", content=content, headers={"content-type": "application/json"})

    assert response.status_code == httpx.codes.BAD_REQUEST
    assert response.json()["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    "directive",
    ["[sim bogus=1]", "[sim tokens=many]", "[sim tps=-5]", "[sim tokens]", "[sim fail=418]", "[sim fail_times=2]"],
)
@pytest.mark.asyncio
async def test_a_bad_directive_is_a_bad_request_for_the_sdk(openai_client: AsyncOpenAI, directive: str) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        await openai_client.responses.create(model="gpt-5-mini", input=f"Hello {directive}")

    assert raised.value.code == "invalid_simulator_directive"
    assert raised.value.param == "input"


SHORT_ANSWER_TOKENS = 5
LONG_ANSWER_TOKENS = 40


@pytest.mark.asyncio
async def test_directive_sets_the_answer_length_and_keeps_the_wording(openai_client: AsyncOpenAI) -> None:
    short = await openai_client.chat.completions.create(
        model="gpt-5-mini", messages=[{"role": "user", "content": f"Tell me more [sim tokens={SHORT_ANSWER_TOKENS}]"}]
    )
    long = await openai_client.chat.completions.create(
        model="gpt-5-mini",
        messages=[{"role": "user", "content": f"[sim tokens={LONG_ANSWER_TOKENS} tps=0] Tell me more"}],
    )

    assert short.usage is not None
    assert short.usage.completion_tokens == SHORT_ANSWER_TOKENS
    assert long.usage is not None
    assert long.usage.completion_tokens == LONG_ANSWER_TOKENS
    assert short.choices[0].message.content
    assert long.choices[0].message.content
    assert long.choices[0].message.content.startswith(short.choices[0].message.content)


@pytest.mark.asyncio
async def test_same_input_same_answer_different_input_different_answer(openai_client: AsyncOpenAI) -> None:
    first = await openai_client.responses.create(model="gpt-5-mini", input="Why is the sky blue?")
    again = await openai_client.responses.create(model="gpt-5-mini", input="Why is the sky blue?")
    other = await openai_client.responses.create(model="gpt-5-mini", input="Why is the sea salty?")

    assert first.output_text == again.output_text
    assert first.output_text != other.output_text


PACED_TOKENS = 20
TOKENS_PER_SECOND = 100
TTFT_SECONDS = 0.1
PACING_DIRECTIVE = f"[sim tokens={PACED_TOKENS} tps={TOKENS_PER_SECOND} ttft_ms={TTFT_SECONDS * 1000:g}]"
LAST_TOKEN_DUE_SECONDS = TTFT_SECONDS + (PACED_TOKENS - 1) / TOKENS_PER_SECOND
# Event loop timers may fire up to a millisecond early; lower bounds allow for that, and upper bounds are never
# asserted because test machines can be arbitrarily slow.
TIMER_SLACK_SECONDS = 0.005


@pytest.mark.asyncio
async def test_tokens_are_paced_after_the_time_to_first_token(http: httpx.AsyncClient) -> None:
    body = {"model": "gpt-5-mini", "stream": True, "input": f"Pace me {PACING_DIRECTIVE}"}
    started = time.monotonic()
    first_delta_after: float | None = None
    text = ""
    async with http.stream("POST", "/v1/responses", json=body) as response:
        async for chunk in response.aiter_text():
            text += chunk
            if first_delta_after is None and "response.output_text.delta" in chunk:
                first_delta_after = time.monotonic() - started
    finished_after = time.monotonic() - started

    deltas = [event for event in parse_sse(text) if event.event == "response.output_text.delta"]
    assert len(deltas) == PACED_TOKENS
    assert first_delta_after is not None
    assert first_delta_after >= TTFT_SECONDS - TIMER_SLACK_SECONDS
    assert finished_after >= LAST_TOKEN_DUE_SECONDS - TIMER_SLACK_SECONDS


@pytest.mark.asyncio
async def test_non_streamed_answers_take_as_long_as_streamed_ones(openai_client: AsyncOpenAI) -> None:
    started = time.monotonic()
    await openai_client.chat.completions.create(
        model="gpt-5-mini", messages=[{"role": "user", "content": f"Slowly {PACING_DIRECTIVE}"}]
    )

    assert time.monotonic() - started >= LAST_TOKEN_DUE_SECONDS - TIMER_SLACK_SECONDS


CONCURRENT_STREAMS = 200


@pytest.mark.asyncio
async def test_many_concurrent_streams_all_complete(http: httpx.AsyncClient) -> None:
    body = {"model": "gpt-5-mini", "stream": True, "input": "Together [sim tokens=30 tps=200 ttft_ms=20]"}
    limits = httpx.Limits(max_connections=CONCURRENT_STREAMS)
    async with httpx.AsyncClient(base_url=str(http.base_url), limits=limits, timeout=30.0) as client:
        requests = (client.post("/v1/responses", json=body) for _ in range(CONCURRENT_STREAMS))
        responses = await asyncio.gather(*requests)

    texts = set()
    for response in responses:
        completed = stream_event(parse_sse(response.text)[-1].json())
        assert isinstance(completed, ResponseCompletedEvent)
        texts.add(completed.response.output_text)
    assert len(texts) == 1


async def test_each_request_records_whether_it_was_read_to_the_end(http: httpx.AsyncClient) -> None:
    await http.delete("/_sim/requests")
    body = {"model": "gpt-5-mini", "stream": True}
    finished = await http.post("/v1/responses", json={**body, "input": "[sim tokens=3 tps=0] whole"})
    assert finished.status_code == httpx.codes.OK
    async with http.stream("POST", "/v1/responses", json={**body, "input": "[sim tokens=50 tps=20] cut"}) as cut:
        async for _ in cut.aiter_bytes():
            break  # hang up after the first bytes

    for _ in range(100):
        outcomes = [entry["outcome"] for entry in (await http.get("/_sim/requests")).json()["requests"]]
        if outcomes[-1] != "in_progress":
            break
        await asyncio.sleep(0.05)
    assert outcomes == ["completed", "disconnected"]
