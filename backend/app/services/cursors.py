"""Cursors of keyset pagination: an opaque, URL-safe token for the position just after a page's last row.

A cursor is a position, not a permission: every query it goes into selects the caller's own rows only, so a forged
cursor can at most start a page elsewhere in the caller's own list. It carries a check digest (unkeyed, so not a
signature) over its position and the list it belongs to: a cursor that was cut short, edited, or made for another
list (a listing's given to a search, one search's to another) is refused with a 422 rather than silently starting
a page from somewhere else.

Every value survives the round trip exactly, so that the next page starts exactly after the last row: timestamps as
whole microseconds (PostgreSQL's resolution), PostgreSQL ``real`` numbers (such as ``ts_rank``'s) as their 32 bits.
"""

import base64
import binascii
import hashlib
import json
import math
import struct
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from app.services.errors import InvalidCursorError

# Far longer than any cursor made here (about 100 characters); the query parameter's own limit.
MAX_CURSOR_CHARS = 500
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"

_DIGEST_BYTES = 9
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


T = TypeVar("T")


class _Field(Protocol[T]):
    def dump(self, value: T) -> int | str: ...

    def load(self, value: object) -> T: ...


def _integer(value: object) -> int:
    # bool is an int to Python, not to a cursor.
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidCursorError("the cursor is not one this API made")
    return value


class _Timestamp:
    def dump(self, value: datetime) -> int:
        return (value - _EPOCH) // timedelta(microseconds=1)

    def load(self, value: object) -> datetime:
        try:
            return _EPOCH + timedelta(microseconds=_integer(value))
        except OverflowError:
            raise InvalidCursorError("the cursor is not one this API made") from None


class _Id:
    def dump(self, value: uuid.UUID) -> str:
        return value.hex

    def load(self, value: object) -> uuid.UUID:
        if not isinstance(value, str) or len(value) != 32:
            raise InvalidCursorError("the cursor is not one this API made")
        try:
            return uuid.UUID(hex=value)
        except ValueError:
            raise InvalidCursorError("the cursor is not one this API made") from None


class _Real:
    """A PostgreSQL ``real`` (float4), which Python holds exactly as a float; its bits, so that no decimal rounding
    moves it."""

    def dump(self, value: float) -> int:
        bits: int = struct.unpack(">I", struct.pack(">f", value))[0]
        return bits

    def load(self, value: object) -> float:
        bits = _integer(value)
        if not 0 <= bits < 2**32:
            raise InvalidCursorError("the cursor is not one this API made")
        number: float = struct.unpack(">f", struct.pack(">I", bits))[0]
        if not math.isfinite(number):
            raise InvalidCursorError("the cursor is not one this API made")
        return number


TIMESTAMP = _Timestamp()
ID = _Id()
REAL = _Real()


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class CursorFormat:
    """The position of one kind of list, field by field (TIMESTAMP, ID, REAL)."""

    name: str
    fields: tuple[_Field[Any], ...]

    def encode(self, position: tuple[Any, ...], *, scope: str = "") -> str:
        """The cursor for ``position``; ``scope`` (such as a search's words) is what else the list depends on: the
        cursor is valid for that scope only."""
        payload = json.dumps([field.dump(value) for field, value in zip(self.fields, position, strict=True)])
        data = payload.encode()
        return f"{_b64encode(data)}.{_b64encode(self._digest(data, scope))}"

    def decode(self, cursor: str, *, scope: str = "") -> tuple[Any, ...]:
        """The position ``cursor`` names; InvalidCursorError unless this format made it for ``scope``."""
        payload, _, digest = cursor.partition(".")
        try:
            data, check = _b64decode(payload), _b64decode(digest)
        except (binascii.Error, ValueError):
            raise InvalidCursorError("the cursor is not one this API made") from None
        if check != self._digest(data, scope):
            raise InvalidCursorError(f"the cursor is not one of this {self.name}: it was altered or is another list's")
        # Digested as this API made it: what follows can only fail on a forged cursor.
        try:
            values = json.loads(data)
        except (UnicodeDecodeError, ValueError):
            raise InvalidCursorError("the cursor is not one this API made") from None
        if not isinstance(values, list) or len(values) != len(self.fields):
            raise InvalidCursorError("the cursor is not one this API made")
        return tuple(field.load(value) for field, value in zip(self.fields, values, strict=True))

    def _digest(self, data: bytes, scope: str) -> bytes:
        # Framed as JSON, so that no (name, scope) reads as another's.
        framed = json.dumps([self.name, scope]).encode() + b"\x00" + data
        return hashlib.blake2b(framed, digest_size=_DIGEST_BYTES, person=b"chat-cursor").digest()
