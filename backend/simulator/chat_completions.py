"""The Chat Completions API (`POST /v1/chat/completions`): the request options the simulator honours, the
`chat.completion` object, and the chunk sequence a stream carries, shaped like the real API's.
"""

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from simulator.body import JsonObject, optional_field, required_field
from simulator.encoding import HOLE, SSE_DONE, FrameTemplate, sse_data
from simulator.pacing import PacedFrame

_SYSTEM_FINGERPRINT = "fp_simulator"


@dataclass(frozen=True, slots=True)
class ChatCompletionsRequest:
    model: str
    stream: bool
    include_usage: bool

    @classmethod
    def from_body(cls, body: JsonObject) -> "ChatCompletionsRequest":
        stream_options = optional_field(body, "stream_options", dict) or {}
        return cls(
            model=required_field(body, "model", str),
            stream=optional_field(body, "stream", bool) or False,
            include_usage=optional_field(stream_options, "include_usage", bool, param="stream_options.include_usage")
            or False,
        )


@dataclass(frozen=True, slots=True)
class SimulatedCompletion:
    request: ChatCompletionsRequest
    prompt_tokens: int
    answer: tuple[str, ...]
    id: str = field(default_factory=lambda: f"chatcmpl-{secrets.token_hex(15)}")
    created: int = field(default_factory=lambda: int(time.time()))

    @property
    def token_count(self) -> int:
        return len(self.answer)

    def final_object(self) -> JsonObject:
        message: JsonObject = {"role": "assistant", "content": "".join(self.answer), "refusal": None, "annotations": []}
        choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
        return self._envelope("chat.completion", [choice]) | {"usage": self._usage()}

    def frames(self) -> Iterator[PacedFrame]:
        # The role chunk travels with the first token, as the real API sends it once generation has started.
        yield PacedFrame(0, self._chunk({"role": "assistant", "content": "", "refusal": None}))
        content = FrameTemplate(self._chunk({"content": HOLE}))
        for index, token in enumerate(self.answer):
            yield PacedFrame(index, content.fill(token), is_answer_delta=True)
        yield PacedFrame(None, self._chunk({}, finish_reason="stop"))
        if self.request.include_usage:
            yield PacedFrame(None, sse_data(self._envelope("chat.completion.chunk", []) | {"usage": self._usage()}))
        yield PacedFrame(None, SSE_DONE)

    def _envelope(self, object_type: str, choices: list[JsonObject]) -> JsonObject:
        return {
            "id": self.id,
            "object": object_type,
            "created": self.created,
            "model": self.request.model,
            "service_tier": "default",
            "system_fingerprint": _SYSTEM_FINGERPRINT,
            "choices": choices,
        }

    def _chunk(self, delta: JsonObject, finish_reason: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        chunk = self._envelope("chat.completion.chunk", [choice])
        # Asked for usage, every chunk has the field, null on all but the last (the usage chunk).
        return sse_data(chunk | {"usage": None} if self.request.include_usage else chunk)

    def _usage(self) -> JsonObject:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.token_count,
            "total_tokens": self.prompt_tokens + self.token_count,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }
