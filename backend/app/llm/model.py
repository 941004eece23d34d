"""Streams one answer from the configured API style as content and reasoning deltas.

In Responses API background mode (OPENAI_BACKGROUND) the answer is generated upstream independently of the
connection reading it, so a stream can be reattached to the same upstream response where an earlier one (this
worker's or a dead one's) stopped reading: each batch carries that position, an `UpstreamCursor`.
"""

import asyncio
import logging
import random
from collections.abc import AsyncGenerator
from contextlib import AbstractAsyncContextManager, aclosing
from typing import Any

import httpx2
import openai
from openai import AsyncAPIResponse, AsyncOpenAI, Omit, omit
from openai.types.chat import ChatCompletionMessageParam
from openai.types.responses import (
    ResponseInputParam,
)
from openai.types.shared_params import Reasoning

from app.core.config import ApiStyle, Settings
from app.llm.deltas import ChatTurn, ModelBatch, ModelDelta, ModelUsage, UpstreamCursor, coalesced
from app.llm.faults import ModelStreamError, count_failure, error_fault
from app.llm.sse_lines import json_payloads
from app.streaming.events import EventKind

logger = logging.getLogger(__name__)


class _UpstreamPosition:
    """The response a resumable stream reads and the last event it has read of it, kept across a retry so the
    retry reattaches there; updated once per network read."""

    __slots__ = ("response_id", "sequence_number")

    def __init__(self, resume: UpstreamCursor | None) -> None:
        # None until the stream's `response.created` event names the response.
        self.response_id = resume.response_id if resume is not None else None
        self.sequence_number = resume.sequence_number if resume is not None else -1

    def cursor(self) -> UpstreamCursor | None:
        return None if self.response_id is None else UpstreamCursor(self.response_id, self.sequence_number)


class ChatModel:
    def __init__(self, client: AsyncOpenAI, settings: Settings) -> None:
        self._client = client
        self._settings = settings

    @property
    def label(self) -> str:
        """The default model: for conversations that picked none, and for chores such as titles."""
        return self._settings.openai_model

    async def close(self) -> None:
        """Close the kept-alive connections to the model service."""
        await self._client.close()

    async def complete(self, turns: list[ChatTurn], max_tokens: int) -> str:
        """A short answer in one piece, without reasoning (for titles and similar chores)."""
        try:
            return await self._complete(turns, max_tokens)
        except Exception as error:
            count_failure(error_fault(error), retried=False)
            raise

    async def _complete(self, turns: list[ChatTurn], max_tokens: int) -> str:
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

    async def stream(
        self, turns: list[ChatTurn], resume: UpstreamCursor | None = None, *, model: str | None = None
    ) -> AsyncGenerator[ModelBatch]:
        """The answer by ``model`` (else the default) as batches of deltas, one batch per network read, adjacent
        deltas of one kind joined (usually one token; more arrive together when the worker falls behind). In
        background mode each batch carries its upstream cursor.

        With `resume`, no response is created: the stream reattaches to the cursor's background response and
        yields what followed the cursor (nothing when that was the end; a failed response raises as usual).

        Failures before the first delta are retried with backoff (the SDK retries the opening request
        itself; this also covers a stream that opened and then went silent or broke before saying
        anything); once the upstream response is known, a retry reattaches to it rather than creating
        another. Once a delta has been yielded, a failure is the caller's."""
        position = self._upstream_position(resume)
        model = model or self.label
        retries = 0
        try:
            while True:
                started = False
                try:
                    async with aclosing(self._open_stream(turns, model, position)) as batches:
                        async for batch in batches:
                            started = True
                            yield batch
                    return
                except _TRANSIENT_BEFORE_FIRST_TOKEN as error:
                    if started or retries >= self._settings.openai_max_retries:
                        raise
                    count_failure(error_fault(error), retried=True)
                    retries += 1
                    await asyncio.sleep(backoff_seconds(retries))
        except Exception as error:
            # The failure that ends the call (the SDK counts the attempts it retried itself: app/llm/client.py).
            count_failure(error_fault(error), retried=False)
            raise

    async def cancel_upstream(self, response_id: str) -> None:
        """Asks the model service to stop generating a background response (a user stopped the answer).
        Best effort: a failure is logged, not raised, since the answer ends either way."""
        try:
            await self._client.responses.cancel(response_id)
        except openai.OpenAIError as error:
            logger.warning("could not cancel upstream response %s: %r", response_id, error)

    def _upstream_position(self, resume: UpstreamCursor | None) -> _UpstreamPosition | None:
        """Where the stream is in its upstream response, tracked only when it can be reattached."""
        if self._settings.openai_api_style is ApiStyle.CHAT_COMPLETIONS:
            if resume is not None:
                raise ValueError("only a Responses API background response can be resumed")
            return None
        if resume is None and not self._settings.openai_background:
            return None
        return _UpstreamPosition(resume)

    def _open_stream(
        self, turns: list[ChatTurn], model: str, position: _UpstreamPosition | None
    ) -> AsyncGenerator[ModelBatch]:
        if self._settings.openai_api_style is ApiStyle.CHAT_COMPLETIONS:
            return self._stream_chat_completions(turns, model)
        return self._stream_responses(turns, model, position)

    def _open_responses(
        self, turns: list[ChatTurn], model: str, position: _UpstreamPosition | None
    ) -> AbstractAsyncContextManager[AsyncAPIResponse[Any]]:
        """The raw streaming response: the SDK builds, sends and retries the request and maps error statuses
        to its exceptions; the events themselves are parsed in app.llm.sse_lines (per-token cost)."""
        if position is not None and position.response_id is not None:
            return self._client.responses.with_streaming_response.retrieve(
                position.response_id, stream=True, starting_after=position.sequence_number
            )
        # "off" leaves the parameter out entirely (not null), for servers that do not know it.
        effort = self._settings.openai_reasoning_effort
        reasoning: Reasoning | Omit = omit if effort == "off" else {"effort": effort, "summary": "auto"}
        background = position is not None
        return self._client.responses.with_streaming_response.create(
            model=model,
            input=_responses_input(turns),
            reasoning=reasoning,
            stream=True,
            # Background mode requires a stored response; otherwise nothing is kept upstream.
            background=True if background else omit,
            store=background,
        )

    async def _stream_responses(
        self, turns: list[ChatTurn], model: str, position: _UpstreamPosition | None
    ) -> AsyncGenerator[ModelBatch]:
        async with self._open_responses(turns, model, position) as response:
            async for events in json_payloads(response.iter_bytes()):
                deltas: list[ModelDelta] = []
                failure: str | None = None
                usage: ModelUsage | None = None
                for event in events:
                    kind = event.get("type")
                    if kind == "response.output_text.delta":
                        deltas.append(ModelDelta(EventKind.CONTENT, event["delta"]))
                    elif kind == "response.reasoning_summary_text.delta":
                        deltas.append(ModelDelta(EventKind.REASONING, event["delta"]))
                    elif kind in _RESPONSE_ENDED:
                        # The whole response's usage, also when this stream was reattached to it part-way.
                        usage = _usage((event.get("response") or {}).get("usage"), "input_tokens", "output_tokens")
                    elif kind == "error":
                        failure = str(event.get("message") or "the model reported an error")
                        break
                    elif kind == "response.failed":
                        error = (event.get("response") or {}).get("error") or {}
                        failure = str(error.get("message") or "the model reported a failure")
                        break
                    elif kind == "response.created" and position is not None:
                        position.response_id = event["response"]["id"]
                if position is not None:
                    position.sequence_number = events[-1].get("sequence_number", position.sequence_number)
                if deltas or usage is not None:
                    # What came before a failure in the same read is kept.
                    yield ModelBatch(coalesced(deltas), None if position is None else position.cursor(), usage)
                if failure is not None:
                    raise ModelStreamError(failure)

    async def _stream_chat_completions(self, turns: list[ChatTurn], model: str) -> AsyncGenerator[ModelBatch]:
        async with self._client.chat.completions.with_streaming_response.create(
            model=model,
            messages=_chat_messages(turns),
            stream=True,
            # The usage comes in one more chunk before [DONE], with no choices (a broken stream never sends it).
            stream_options={"include_usage": True},
        ) as response:
            async for chunks in json_payloads(response.iter_bytes()):
                texts = [
                    text
                    for chunk in chunks
                    for choice in chunk.get("choices") or ()
                    if (text := (choice.get("delta") or {}).get("content"))
                ]
                # Null on every chunk but the last; some servers send running totals on each: the last one wins.
                usage: ModelUsage | None = None
                for chunk in chunks:
                    usage = _usage(chunk.get("usage"), "prompt_tokens", "completion_tokens") or usage
                if texts or usage is not None:
                    yield ModelBatch([ModelDelta(EventKind.CONTENT, "".join(texts))] if texts else [], None, usage)


# The events that end a Responses API stream with the response's usage (`response.failed` ends it in an error).
_RESPONSE_ENDED = frozenset({"response.completed", "response.incomplete"})


def _usage(reported: object, input_field: str, output_field: str) -> ModelUsage | None:
    """A usage object as the API reports it (`input_tokens`/`output_tokens` for Responses, `prompt_tokens`/
    `completion_tokens` for Chat Completions), or None when there is none or it is not one."""
    if not isinstance(reported, dict):
        return None
    input_tokens, output_tokens = reported.get(input_field), reported.get(output_field)
    if not isinstance(input_tokens, int) or not isinstance(output_tokens, int):
        return None
    return ModelUsage(max(input_tokens, 0), max(output_tokens, 0))


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
