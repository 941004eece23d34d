import httpx
import pytest
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletion, ChatCompletionChunk, ChatCompletionMessageParam

from .process import DEFAULT_TOKENS
from .shapes import strictly
from .sse import parse_sse

QUESTION: list[ChatCompletionMessageParam] = [{"role": "user", "content": "What is a stream?"}]


async def _chunks(http: httpx.AsyncClient, body: dict[str, object]) -> tuple[list[ChatCompletionChunk], str]:
    """The validated chunks, and the data of the last event, which must be the `[DONE]` sentinel."""
    response = await http.post("/v1/chat/completions", json={"model": "gpt-5-mini", "stream": True, **body})
    assert response.status_code == httpx.codes.OK
    assert response.headers["content-type"].startswith("text/event-stream")
    *events, done = parse_sse(response.text)
    assert all(event.event is None for event in events)
    return [strictly(ChatCompletionChunk.model_validate(event.json())) for event in events], done.data


@pytest.mark.asyncio
async def test_stream_has_a_role_chunk_content_chunks_and_a_stop_chunk(http: httpx.AsyncClient) -> None:
    chunks, done = await _chunks(http, {"messages": QUESTION})

    assert done == "[DONE]"
    first, *content, last = chunks
    assert first.choices[0].delta.role == "assistant"
    assert len(content) == DEFAULT_TOKENS
    assert all(chunk.choices[0].delta.content and chunk.choices[0].finish_reason is None for chunk in content)
    assert last.choices[0].finish_reason == "stop"
    assert len({chunk.id for chunk in chunks}) == 1
    assert all(chunk.usage is None for chunk in chunks)


@pytest.mark.asyncio
async def test_usage_chunk_follows_when_asked_for(http: httpx.AsyncClient) -> None:
    chunks, done = await _chunks(http, {"messages": QUESTION, "stream_options": {"include_usage": True}})

    assert done == "[DONE]"
    usage_chunk = chunks[-1]
    assert usage_chunk.choices == []
    assert usage_chunk.usage is not None
    assert usage_chunk.usage.completion_tokens == DEFAULT_TOKENS
    assert usage_chunk.usage.total_tokens == usage_chunk.usage.prompt_tokens + DEFAULT_TOKENS
    assert chunks[-2].choices[0].finish_reason == "stop"


@pytest.mark.asyncio
async def test_asked_for_usage_every_other_chunk_has_it_null_and_the_prompt_is_counted(
    http: httpx.AsyncClient,
) -> None:
    """As the API documents include_usage: a `usage` field on every chunk, null but on the last one; prompt tokens
    from what was sent (about four characters a token, the system prompt included)."""
    body: dict[str, object] = {"model": "gpt-5-mini", "stream": True, "stream_options": {"include_usage": True}}
    short = [{"role": "user", "content": "What is a stream?"}]
    longer = [{"role": "system", "content": "Answer at length. " * 20}, *short]
    usages = []
    for messages in (short, longer):
        response = await http.post("/v1/chat/completions", json=body | {"messages": messages})
        *events, done = parse_sse(response.text)
        assert done.data == "[DONE]"
        payloads = [event.json() for event in events]
        assert all("usage" in payload for payload in payloads)
        assert [payload["usage"] is None for payload in payloads] == [True] * (len(payloads) - 1) + [False]
        usages.append(payloads[-1]["usage"])
    assert isinstance(usages[0], dict)
    assert isinstance(usages[1], dict)
    question_chars, system_chars = len("What is a stream?"), len("Answer at length. " * 20)
    assert usages[0]["prompt_tokens"] == -(-question_chars // 4)
    assert usages[1]["prompt_tokens"] == -(-(question_chars + system_chars) // 4)
    assert usages[0]["completion_tokens"] == usages[1]["completion_tokens"] == DEFAULT_TOKENS


@pytest.mark.asyncio
async def test_non_streamed_completion_is_a_complete_object(http: httpx.AsyncClient) -> None:
    response = await http.post("/v1/chat/completions", json={"model": "gpt-5-mini", "messages": QUESTION})

    assert response.status_code == httpx.codes.OK
    completion = strictly(ChatCompletion.model_validate(response.json()))
    assert completion.choices[0].finish_reason == "stop"
    assert completion.choices[0].message.content
    assert completion.usage is not None
    assert completion.usage.completion_tokens == DEFAULT_TOKENS


@pytest.mark.asyncio
async def test_sdk_stream_and_non_stream_agree(openai_client: AsyncOpenAI) -> None:
    stream = await openai_client.chat.completions.create(model="gpt-5-mini", messages=QUESTION, stream=True)
    async with stream:
        streamed = "".join([chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices])
    completion = await openai_client.chat.completions.create(model="gpt-5-mini", messages=QUESTION)

    assert streamed == completion.choices[0].message.content


@pytest.mark.asyncio
async def test_sdk_stream_helper_assembles_the_final_completion(openai_client: AsyncOpenAI) -> None:
    async with openai_client.chat.completions.stream(
        model="gpt-5-mini",
        messages=QUESTION,
        stream_options={"include_usage": True},
    ) as stream:
        final = await stream.get_final_completion()

    assert final.choices[0].message.content
    assert final.usage is not None
    assert final.usage.completion_tokens == DEFAULT_TOKENS


@pytest.mark.parametrize(
    "messages",
    [
        [{"role": "user", "content": [{"type": "text", "text": "What is a stream?"}]}],
        [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hello"},
            {"role": "assistant", "content": None, "tool_calls": []},
            {"role": "assistant", "content": "Hi!"},
            {"role": "user", "content": "What is a stream?"},
        ],
    ],
    ids=["content-parts", "history"],
)
@pytest.mark.asyncio
async def test_every_message_form_is_answered_from_the_last_user_message(
    openai_client: AsyncOpenAI, messages: list[ChatCompletionMessageParam]
) -> None:
    reference = await openai_client.chat.completions.create(model="gpt-5-mini", messages=QUESTION)
    completion = await openai_client.chat.completions.create(model="gpt-5-mini", messages=messages)

    assert completion.choices[0].message.content == reference.choices[0].message.content
