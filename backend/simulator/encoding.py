"""Wire encoding with orjson: JSON bodies, server-sent-event frames, and frame templates that let a stream encode
each token's frame without re-encoding the parts that never change.
"""

import secrets
from typing import Final

import orjson
from starlette.responses import JSONResponse


class JsonResponse(JSONResponse):
    def render(self, content: object) -> bytes:
        return orjson.dumps(content)


class _Hole:
    """Marks where a frame template takes a per-token value."""


HOLE: Final = _Hole()
# Random, so no text a client sends can be mistaken for a hole when a template is split.
_HOLE_TEXT: Final = f"hole-{secrets.token_hex(16)}"
_ENCODED_HOLE: Final = orjson.dumps(_HOLE_TEXT)


def _encode_hole(value: object) -> str:
    if value is HOLE:
        return _HOLE_TEXT
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _json(payload: object) -> bytes:
    return orjson.dumps(payload, default=_encode_hole)


def sse_event(event: str, payload: object) -> bytes:
    """A named event, as the Responses API streams them."""
    return b"event: " + event.encode() + b"\ndata: " + _json(payload) + b"\n\n"


def sse_data(payload: object) -> bytes:
    """An unnamed event, as the Chat Completions API streams them."""
    return b"data: " + _json(payload) + b"\n\n"


SSE_DONE: Final = b"data: [DONE]\n\n"


class FrameTemplate:
    """A frame encoded once with `HOLE`s in its payload; `fill` supplies the holes' values in payload order."""

    def __init__(self, frame: bytes) -> None:
        self._pieces = frame.split(_ENCODED_HOLE)

    def fill(self, *values: object) -> bytes:
        encoded = [self._pieces[0]]
        for value, piece in zip(values, self._pieces[1:], strict=True):
            encoded += (orjson.dumps(value), piece)
        return b"".join(encoded)
