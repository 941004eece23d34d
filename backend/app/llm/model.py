"""Streams one answer from the configured API style as content and reasoning deltas."""

import asyncio
import random
from collections.abc import AsyncGenerator
from contextlib import aclosing

import httpx2
import openai
from openai import AsyncOpenAI, Omit, omit
from openai.types.chat import ChatCompletionMessageParam
from openai.types.responses import (
    ResponseInputParam,
)
from openai.types.shared_params import Reasoning

from app.core.config import ApiStyle, Settings
from app.llm.deltas import ChatTurn, ModelDelta, coalesced
from app.llm.sse_lines import json_payloads
from app.streaming.events import EventKind


class ChatModel:
    def __init__(self, client: AsyncOpenAI, settings: Settings) -> None:
        self._client = client
        self._settings = settings

    @property
    def label(self) -> str:
        return self._settings.openai_model

    async def close(self) -> None:
        """Close the kept-alive connections to the model service."""
        await self._client.close()

    async def complete(self, turns: list[ChatTurn], max_tokens: int) -> str:
        """A short answer in one piece, without reasoning (for titles and similar chores)."""
        if self._settings.openai_api_style is ApiStyle.CHAT_COMPLETIONS:
            completion = await self._client.chat.completions.create(
                model=self._settings.openai_model, messages=_chat_messages(turns), max_tokens=max_tokens
            )
            if not completion.choices:
                return ""
            return completion.choices[0].message.content or ""
        response = await self._client.responses.create(
            model=self._settings.openai_model, input=_responses_input(turns), max_output_tokens=max_tokens, store=False
        )
        return response.output_text

    async def stream(self, turns: list[ChatTurn]) -> AsyncGenerator[list[ModelDelta]]:
        """The answer as batches of deltas, one batch per network read, adjacent deltas of one kind joined
        (usually one token; more arrive together when the worker falls behind).

        Failures before the first delta are retried with backoff (the SDK retries the opening request
        itself; this also covers a stream that opened and then went silent or broke before saying
        anything). Once a delta has been yielded, a failure is the caller's."""
        retries = 0
        while True:
            started = False
            try:
                async with aclosing(self._open_stream(turns)) as batches:
                    async for batch in batches:
                        started = True
                        yield batch
                return
            except _TRANSIENT_BEFORE_FIRST_TOKEN:
                if started or retries >= self._settings.openai_max_retries:
                    raise
                retries += 1
                await asyncio.sleep(backoff_seconds(retries))

    def _open_stream(self, turns: list[ChatTurn]) -> AsyncGenerator[list[ModelDelta]]:
        if self._settings.openai_api_style is ApiStyle.CHAT_COMPLETIONS:
            return self._stream_chat_completions(turns)
        return self._stream_responses(turns)

    async def _stream_responses(self, turns: list[ChatTurn]) -> AsyncGenerator[list[ModelDelta]]:
        # "off" leaves the parameter out entirely (not null), for servers that do not know it.
        effort = self._settings.openai_reasoning_effort
        reasoning: Reasoning | Omit = omit if effort == "off" else {"effort": effort, "summary": "auto"}
        # The raw streaming response: the SDK builds, sends and retries the request and maps error
        # statuses to its exceptions; the events themselves are parsed in app.llm.sse_lines (per-token cost).
        async with self._client.responses.with_streaming_response.create(
            model=self._settings.openai_model,
            input=_responses_input(turns),
            reasoning=reasoning,
            stream=True,
            store=False,
        ) as response:
            async for events in json_payloads(response.iter_bytes()):
                deltas: list[ModelDelta] = []
                failure: str | None = None
                for event in events:
                    kind = event.get("type")
                    if kind == "response.output_text.delta":
                        deltas.append(ModelDelta(EventKind.CONTENT, event["delta"]))
                    elif kind == "response.reasoning_summary_text.delta":
                        deltas.append(ModelDelta(EventKind.REASONING, event["delta"]))
                    elif kind == "error":
                        failure = str(event.get("message") or "the model reported an error")
                        break
                    elif kind == "response.failed":
                        error = (event.get("response") or {}).get("error") or {}
                        failure = str(error.get("message") or "the model reported a failure")
                        break
                if deltas:
                    yield coalesced(deltas)  # what came before a failure in the same read is kept
                if failure is not None:
                    raise ModelStreamError(failure)

    async def _stream_chat_completions(self, turns: list[ChatTurn]) -> AsyncGenerator[list[ModelDelta]]:
        async with self._client.chat.completions.with_streaming_response.create(
            model=self._settings.openai_model, messages=_chat_messages(turns), stream=True
        ) as response:
            async for chunks in json_payloads(response.iter_bytes()):
                texts = [
                    text
                    for chunk in chunks
                    for choice in chunk.get("choices") or ()
                    if (text := (choice.get("delta") or {}).get("content"))
                ]
                if texts:
                    yield [ModelDelta(EventKind.CONTENT, "".join(texts))]


class ModelStreamError(Exception):
    """The model reported a failure inside an otherwise healthy stream."""


# What can go wrong with a stream that opened fine but has not produced its first delta yet.
_TRANSIENT_BEFORE_FIRST_TOKEN = (openai.APIConnectionError, httpx2.TransportError)


def backoff_seconds(retry: int) -> float:
    """Exponential with jitter, as the SDK's own retries: 0.5 s, 1 s, 2 s, … capped at 8 s."""
    cap: float = min(0.5 * 2.0 ** (retry - 1), 8.0)
    return cap * random.uniform(0.75, 1.0)


def _responses_input(turns: list[ChatTurn]) -> ResponseInputParam:
    return [{"role": turn.role, "content": turn.content} for turn in turns]


def _chat_messages(turns: list[ChatTurn]) -> list[ChatCompletionMessageParam]:
    return [{"role": turn.role, "content": turn.content} for turn in turns]  # type: ignore[misc]
