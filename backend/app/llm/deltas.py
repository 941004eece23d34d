"""What a model stream yields, independent of the API that produced it."""

from dataclasses import dataclass
from typing import Literal

from app.streaming.events import EventKind

DeltaKind = Literal[EventKind.CONTENT, EventKind.REASONING]


@dataclass(frozen=True, slots=True)
class ModelDelta:
    kind: DeltaKind
    text: str


@dataclass(frozen=True, slots=True)
class UpstreamCursor:
    """A position in an upstream Responses API background response, from which a stream can be reattached."""

    response_id: str
    sequence_number: int  # of the last upstream event consumed in this batch


@dataclass(frozen=True, slots=True)
class ModelUsage:
    """The tokens a response cost, as the model reported them at its end (reasoning tokens are output tokens)."""

    input_tokens: int
    output_tokens: int


@dataclass(frozen=True, slots=True)
class ModelBatch:
    """What one network read of the model's stream produced: its deltas, and where the upstream response stands
    after it when the stream can be reattached (Responses API background mode), else None. The read that brings
    the model's usage report carries it (its deltas may then be empty)."""

    deltas: list[ModelDelta]
    cursor: UpstreamCursor | None
    usage: ModelUsage | None = None


@dataclass(frozen=True, slots=True)
class ChatTurn:
    role: Literal["system", "user", "assistant"]
    content: str


def coalesced(deltas: list[ModelDelta]) -> list[ModelDelta]:
    """Adjacent deltas of one kind joined into one: tokens that arrived in one network read become one
    event, so a worker that falls behind writes fewer, larger events instead of falling further behind."""
    merged: list[ModelDelta] = []
    for delta in deltas:
        if merged and merged[-1].kind is delta.kind:
            merged[-1] = ModelDelta(delta.kind, merged[-1].text + delta.text)
        else:
            merged.append(delta)
    return merged
