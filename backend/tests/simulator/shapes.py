"""Checks payloads against the installed `openai` SDK's types, which is what clients of the real API parse with."""

from typing import TypeVar

from openai.types.responses import ResponseStreamEvent
from pydantic import BaseModel, TypeAdapter

_Model = TypeVar("_Model", bound=BaseModel)
_STREAM_EVENT: TypeAdapter[ResponseStreamEvent] = TypeAdapter(ResponseStreamEvent)


def unknown_fields(model: BaseModel, path: str = "$") -> list[str]:
    """Fields the SDK type does not declare, at any depth; its models accept them silently, hiding misspellings."""
    found = [f"{path}.{name}" for name in model.model_extra or {}]
    for name, value in model:
        children = value if isinstance(value, list) else [value]
        for index, child in enumerate(children):
            if isinstance(child, BaseModel):
                suffix = f"[{index}]" if isinstance(value, list) else ""
                found += unknown_fields(child, f"{path}.{name}{suffix}")
    return found


def strictly(model: _Model) -> _Model:
    assert unknown_fields(model) == []
    return model


def stream_event(payload: object) -> ResponseStreamEvent:
    return strictly(_STREAM_EVENT.validate_python(payload))
