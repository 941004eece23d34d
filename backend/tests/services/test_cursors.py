"""Cursors give back exactly the position they were made from, for the list they were made for only."""

import base64
import json
import struct
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.services.cursors import ID, REAL, TIMESTAMP, CursorFormat
from app.services.errors import InvalidCursorError

LIST = CursorFormat("list", (TIMESTAMP, ID))
SEARCH = CursorFormat("search", (REAL, TIMESTAMP, ID))


def _float4(number: float) -> float:
    """``number`` as PostgreSQL's real holds it (and asyncpg hands it to Python)."""
    rounded: float = struct.unpack(">f", struct.pack(">f", number))[0]
    return rounded


# The smallest real there is, above zero: a subnormal.
SMALLEST_REAL: float = struct.unpack(">f", b"\0\0\0\1")[0]


@pytest.mark.parametrize("rank", [0.0, _float4(0.0607927), _float4(1e-30), _float4(3.4e38), SMALLEST_REAL])
@pytest.mark.parametrize(
    "instant",
    [
        datetime(2026, 12, 2, 3, 4, 5, 678901, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ],
)
def test_a_position_comes_back_exactly(rank: float, instant: datetime) -> None:
    conversation_id = uuid.uuid4()
    cursor = SEARCH.encode((rank, instant, conversation_id), scope="otters")
    assert SEARCH.decode(cursor, scope="otters") == (rank, instant, conversation_id)
    assert LIST.decode(LIST.encode((instant, conversation_id))) == (instant, conversation_id)


def test_a_timestamp_in_another_zone_is_the_same_instant() -> None:
    instant = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    elsewhere = instant.astimezone(timezone(timedelta(hours=-5)))
    (decoded, _) = LIST.decode(LIST.encode((elsewhere, uuid.UUID(int=0))))
    assert decoded == instant
    assert decoded.tzinfo == UTC


def _forged(name: str, values: object) -> str:
    """A cursor of made-up values with a correct digest: what someone who read app/services/cursors.py could make."""
    data = json.dumps(values).encode()
    digest = CursorFormat(name, ())._digest(data, "")
    return f"{_b64(data)}.{_b64(digest)}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_cursor_for_another_list_or_search_is_refused() -> None:
    position = (datetime.now(UTC), uuid.uuid4())
    listed = LIST.encode(position)
    searched = SEARCH.encode((_float4(0.5), *position), scope="otters")
    for cursor, format_, scope in [
        (listed, SEARCH, ""),
        (listed, LIST, "otters"),
        (searched, SEARCH, "otter"),
        (searched, SEARCH, ""),
        (searched, LIST, "otters"),
    ]:
        with pytest.raises(InvalidCursorError, match="another list's"):
            format_.decode(cursor, scope=scope)


@pytest.mark.parametrize(
    "cursor",
    ["", ".", "abc", "abc.", ".abc", "a.b.c", "====.====", "a" * 5 + "." + "b" * 5, "é.é", "\x00.\x00", "YQ.YQ"],
)
def test_malformed_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursorError):
        LIST.decode(cursor)


def test_an_altered_cursor_is_refused() -> None:
    cursor = LIST.encode((datetime.now(UTC), uuid.uuid4()))
    for index in range(len(cursor)):
        if cursor[index] == ".":
            continue
        altered = cursor[:index] + ("B" if cursor[index] == "A" else "A") + cursor[index + 1 :]
        with pytest.raises(InvalidCursorError):
            LIST.decode(altered)


@pytest.mark.parametrize(
    "values",
    [
        # Values no field takes, in a cursor whose digest is right: only a forger makes one.
        [True, "0" * 32],
        [1.5, "0" * 32],
        [10**30, "0" * 32],
        [-(10**30), "0" * 32],
        [0, "z" * 32],
        [0, "0" * 31],
        [0, 7],
        [0],
        [0, "0" * 32, 1],
        {"a": 1},
        "text",
    ],
)
def test_a_forged_cursor_of_values_no_field_takes_is_refused(values: object) -> None:
    with pytest.raises(InvalidCursorError, match="not one this API made"):
        LIST.decode(_forged("list", values))


@pytest.mark.parametrize("bits", [0x7F800000, 0xFF800000, 0x7FC00000, -1, 2**32])
def test_a_forged_rank_that_is_no_finite_real_is_refused(bits: int) -> None:
    with pytest.raises(InvalidCursorError, match="not one this API made"):
        SEARCH.decode(_forged("search", [bits, 0, "0" * 32]))


def test_a_forged_cursor_of_no_json_is_refused() -> None:
    data = b"\xff not json"
    forged = f"{_b64(data)}.{_b64(CursorFormat('list', ())._digest(data, ''))}"
    with pytest.raises(InvalidCursorError, match="not one this API made"):
        LIST.decode(forged)
