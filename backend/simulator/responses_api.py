"""The Responses API (`POST /v1/responses`): the request options the simulator honours, the Response object, and the
event sequence a stream carries, shaped like the real API's and checked against the `openai` SDK's types.
"""

import itertools
import secrets
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from simulator.body import JsonObject, optional_field, required_field
from simulator.encoding import HOLE, FrameTemplate, sse_event
from simulator.errors import ApiError
from simulator.pacing import PacedFrame


@dataclass(frozen=True, slots=True)
class ResponsesRequest:
    model: str
    stream: bool
    instructions: str | None
    reasoning_effort: str | None
    reasoning_summary: str | None
    background: bool
    """Generated inside the simulator, independent of the connection, and kept for reattaching; see background.py."""

    @classmethod
    def from_body(cls, body: JsonObject) -> "ResponsesRequest":
        reasoning = optional_field(body, "reasoning", dict) or {}
        background = optional_field(body, "background", bool) or False
        # `store` defaults to true in the real API; background mode refuses only an explicit false.
        if background and optional_field(body, "store", bool) is False:
            raise ApiError(400, "Background mode requires store=true.", param="background")
        return cls(
            model=required_field(body, "model", str),
            stream=optional_field(body, "stream", bool) or False,
            instructions=optional_field(body, "instructions", str),
            reasoning_effort=optional_field(reasoning, "effort", str, param="reasoning.effort"),
            reasoning_summary=optional_field(reasoning, "summary", str, param="reasoning.summary"),
            background=background,
        )

    @property
    def wants_reasoning_summary(self) -> bool:
        return self.reasoning_summary is not None


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(24)}"


class _EventSequence:
    """Writes a stream's events, numbering them in the order written as `sequence_number` requires."""

    def __init__(self) -> None:
        self._numbers = itertools.count()

    def event(self, event_type: str, **fields: object) -> PacedFrame:
        return PacedFrame(None, self._encode(event_type, next(self._numbers), fields))

    def deltas(
        self, event_type: str, tokens: Sequence[str], first_token_index: int, *, is_answer: bool, **fields: object
    ) -> Iterator[PacedFrame]:
        """One delta event per token, each due when its token is; `is_answer` marks answer (not reasoning) tokens."""
        template = FrameTemplate(self._encode(event_type, HOLE, fields | {"delta": HOLE}))
        for offset, token in enumerate(tokens):
            yield PacedFrame(first_token_index + offset, template.fill(token, next(self._numbers)), is_answer)

    @staticmethod
    def _encode(event_type: str, sequence_number: object, fields: dict[str, object]) -> bytes:
        return sse_event(event_type, {"type": event_type, **fields, "sequence_number": sequence_number})


def _output_text(text: str) -> JsonObject:
    return {"type": "output_text", "annotations": [], "logprobs": [], "text": text}


def _summary_text(text: str) -> JsonObject:
    return {"type": "summary_text", "text": text}


@dataclass(frozen=True, slots=True)
class SimulatedResponse:
    """One simulated response; `reasoning_summary` is None when the request asked for no summary, which leaves the
    reasoning item out of the output entirely.
    """

    request: ResponsesRequest
    input_tokens: int
    answer: tuple[str, ...]
    reasoning_summary: tuple[str, ...] | None
    id: str = field(default_factory=lambda: _new_id("resp"))
    message_id: str = field(default_factory=lambda: _new_id("msg"))
    reasoning_id: str = field(default_factory=lambda: _new_id("rs"))
    created_at: int = field(default_factory=lambda: int(time.time()))

    @property
    def token_count(self) -> int:
        """Every paced token: the reasoning summary's, then the answer's."""
        return len(self.reasoning_summary or ()) + len(self.answer)

    def final_object(self) -> JsonObject:
        output = [self._message_item("completed", [_output_text("".join(self.answer))])]
        if self.reasoning_summary is not None:
            output.insert(0, self._reasoning_item(self._summary_parts()))
        reasoning_tokens = len(self.reasoning_summary or ())
        usage = {
            "input_tokens": self.input_tokens,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": self.token_count,
            "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
            "total_tokens": self.input_tokens + self.token_count,
        }
        return self._response("completed", output, usage) | {"completed_at": int(time.time())}

    def unfinished_object(self, status: str) -> JsonObject:
        """The Response object before its output exists (queued, in progress) or once it never will (cancelled)."""
        return self._response(status, output=[], usage=None)

    def frames(self) -> Iterator[PacedFrame]:
        """Every event of the stream, one frame each, numbered from 0: a frame's place is its `sequence_number`."""
        events = _EventSequence()
        in_progress = self.unfinished_object("in_progress")
        if self.request.background:
            # A background response is queued before it runs, and its stream says so first.
            queued = self.unfinished_object("queued")
            yield events.event("response.created", response=queued)
            yield events.event("response.queued", response=queued)
        else:
            yield events.event("response.created", response=in_progress)
        yield events.event("response.in_progress", response=in_progress)
        if self.reasoning_summary is not None:
            yield from self._reasoning_frames(self.reasoning_summary, events)
        yield from self._message_frames(events)
        yield events.event("response.completed", response=self.final_object())

    def _response(self, status: str, output: list[JsonObject], usage: JsonObject | None) -> JsonObject:
        return {
            "id": self.id,
            "object": "response",
            "created_at": self.created_at,
            "status": status,
            "background": self.request.background,
            "error": None,
            "incomplete_details": None,
            "instructions": self.request.instructions,
            "max_output_tokens": None,
            "metadata": {},
            "model": self.request.model,
            "output": output,
            "parallel_tool_calls": True,
            "previous_response_id": None,
            "reasoning": {"effort": self.request.reasoning_effort, "summary": self.request.reasoning_summary},
            "service_tier": "default",
            "temperature": 1.0,
            "text": {"format": {"type": "text"}, "verbosity": "medium"},
            "tool_choice": "auto",
            "tools": [],
            "top_p": 1.0,
            "truncation": "disabled",
            "usage": usage,
            "user": None,
        }

    def _summary_parts(self) -> list[JsonObject]:
        return [_summary_text("".join(self.reasoning_summary))] if self.reasoning_summary else []

    def _reasoning_item(self, summary: list[JsonObject]) -> JsonObject:
        return {"id": self.reasoning_id, "type": "reasoning", "summary": summary}

    def _message_item(self, status: str, content: list[JsonObject]) -> JsonObject:
        return {"id": self.message_id, "type": "message", "status": status, "role": "assistant", "content": content}

    def _reasoning_frames(self, summary: tuple[str, ...], events: _EventSequence) -> Iterator[PacedFrame]:
        yield events.event("response.output_item.added", output_index=0, item=self._reasoning_item([]))
        if summary:
            location: dict[str, Any] = {"item_id": self.reasoning_id, "output_index": 0, "summary_index": 0}
            text = "".join(summary)
            yield events.event("response.reasoning_summary_part.added", **location, part=_summary_text(""))
            yield from events.deltas("response.reasoning_summary_text.delta", summary, 0, is_answer=False, **location)
            yield events.event("response.reasoning_summary_text.done", **location, text=text)
            yield events.event("response.reasoning_summary_part.done", **location, part=_summary_text(text))
        item_done = self._reasoning_item(self._summary_parts())
        yield events.event("response.output_item.done", output_index=0, item=item_done)

    def _message_frames(self, events: _EventSequence) -> Iterator[PacedFrame]:
        output_index = 0 if self.reasoning_summary is None else 1
        text = "".join(self.answer)
        item_added = self._message_item("in_progress", [])
        yield events.event("response.output_item.added", output_index=output_index, item=item_added)
        location: dict[str, Any] = {"item_id": self.message_id, "output_index": output_index, "content_index": 0}
        yield events.event("response.content_part.added", **location, part=_output_text(""))
        first_token_index = len(self.reasoning_summary or ())
        yield from events.deltas(
            "response.output_text.delta", self.answer, first_token_index, is_answer=True, **location, logprobs=[]
        )
        yield events.event("response.output_text.done", **location, text=text, logprobs=[])
        yield events.event("response.content_part.done", **location, part=_output_text(text))
        item_done = self._message_item("completed", [_output_text(text)])
        yield events.event("response.output_item.done", output_index=output_index, item=item_done)
