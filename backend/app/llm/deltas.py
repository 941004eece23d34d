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
