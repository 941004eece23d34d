"""Both generation APIs behind one interface, so a fault test runs unchanged against Responses and Chat Completions."""

import time
from dataclasses import dataclass
from typing import Any, Literal

from openai import AsyncOpenAI

Api = Literal["responses", "chat"]
APIS: tuple[Api, ...] = ("responses", "chat")
MODEL = "gpt-5-mini"
PATHS: dict[Api, str] = {"responses": "/v1/responses", "chat": "/v1/chat/completions"}


def request_body(api: Api, prompt: str, *, stream: bool = False) -> dict[str, Any]:
    """A raw request body for `api`, with `prompt` as the one user message."""
    if api == "responses":
        return {"model": MODEL, "input": prompt, "stream": stream}
    return {"model": MODEL, "messages": [{"role": "user", "content": prompt}], "stream": stream}


async def create(client: AsyncOpenAI, api: Api, prompt: str) -> str:
    """A non-streamed answer's text."""
    if api == "responses":
        response = await client.responses.create(model=MODEL, input=prompt)
        return response.output_text
    completion = await client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": prompt}])
    return completion.choices[0].message.content or ""


@dataclass(frozen=True)
class ArrivedDelta:
    text: str
    at: float
    """`time.monotonic()` when the client read it."""


async def stream_answer(client: AsyncOpenAI, api: Api, prompt: str, deltas: list[ArrivedDelta]) -> bool:
    """Streams an answer, appending each answer delta to `deltas` as it arrives, so they are there even when the
    stream fails; returns whether the stream signalled its completion (`response.completed`, a `stop` chunk).
    """
    completed = False
    if api == "responses":
        events = await client.responses.create(model=MODEL, input=prompt, stream=True)
        async with events:
            async for event in events:
                if event.type == "response.output_text.delta":
                    deltas.append(ArrivedDelta(event.delta, time.monotonic()))
                completed |= event.type == "response.completed"
        return completed
    chunks = await client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": prompt}], stream=True
    )
    async with chunks:
        async for chunk in chunks:
            for choice in chunk.choices:
                if choice.delta.content:
                    deltas.append(ArrivedDelta(choice.delta.content, time.monotonic()))
                completed |= choice.finish_reason == "stop"
    return completed
