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
