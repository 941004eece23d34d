from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.llm.sse_lines import json_payloads


async def _batches(*chunks: bytes) -> list[list[dict[str, Any]]]:
    async def source() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    return [batch async for batch in json_payloads(source())]


async def _payloads(*lines: str) -> list[dict[str, Any]]:
    """The payloads of a stream sent one line per network read."""
    batches = await _batches(*(f"{line}\n".encode() for line in lines))
    return [payload for batch in batches for payload in batch]


async def test_events_with_names_comments_and_either_data_spacing() -> None:
    lines = ("event: a", 'data: {"n": 1}', "", ": keep-alive", "", 'data:{"n": 2}', "")
    assert await _payloads(*lines) == [{"n": 1}, {"n": 2}]


async def test_a_data_field_may_span_lines() -> None:
    assert await _payloads('data: {"n":', "data: 3}", "") == [{"n": 3}]


async def test_done_ends_the_stream() -> None:
    assert await _payloads('data: {"n": 1}', "", "data: [DONE]", "", 'data: {"n": 2}', "") == [{"n": 1}]


async def test_a_last_event_without_its_blank_line_still_counts() -> None:
    assert await _payloads('data: {"n": 1}', "", 'data: {"n": 2}') == [{"n": 1}, {"n": 2}]


async def test_non_object_payloads_are_skipped() -> None:
    assert await _payloads("data: [1, 2]", "", 'data: "text"', "", 'data: {"n": 1}', "") == [{"n": 1}]


async def test_events_completed_by_one_read_come_as_one_batch() -> None:
    batches = await _batches(b'data: {"n": 1}\n\ndata: {"n": 2}\n\ndata: {"n"', b": 3}\n\n")
    assert batches == [[{"n": 1}, {"n": 2}], [{"n": 3}]]


@pytest.mark.parametrize(
    "chunks",
    [
        (b'data: {"n": 1}\r\n\r\ndata: {"n": 2}\r\n\r\n',),
        (b'data: {"n": 1}\r', b"\n\r", b'\ndata: {"n": 2}\r\n\r\n'),  # a CRLF split across reads
        (b'data: {"n": 1}\r\rdata: {"n": 2}\r\r',),
    ],
)
async def test_crlf_and_cr_line_ends(chunks: tuple[bytes, ...]) -> None:
    batches = await _batches(*chunks)
    assert [payload for batch in batches for payload in batch] == [{"n": 1}, {"n": 2}]


async def test_utf8_split_across_reads() -> None:
    encoded = 'data: {"t": "é€"}\n\n'.encode()
    assert await _batches(encoded[:12], encoded[12:]) == [[{"t": "é€"}]]


async def test_a_data_line_after_an_event_line_and_data_spread_around_it() -> None:
    lines = (
        "event: delta",
        'data: {"n": 1}',
        "",
        'data: {"n":',
        "event: x",
        "data: 2}",
        "",
        "id: 3",
        'data: {"n": 3}',
        "",
    )
    assert await _payloads(*lines) == [{"n": 1}, {"n": 2}, {"n": 3}]
