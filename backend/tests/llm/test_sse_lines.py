from collections.abc import AsyncIterator
from typing import Any

from app.llm.sse_lines import json_payloads


async def _payloads(*lines: str) -> list[dict[str, Any]]:
    async def source() -> AsyncIterator[str]:
        for line in lines:
            yield line

    return [payload async for payload in json_payloads(source())]


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
