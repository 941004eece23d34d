"""What clients see, and what is stored, when the model misbehaves (faults injected by the simulator).

The test stack allows 2 retries and 2 s of upstream silence (OPENAI_MAX_RETRIES, UPSTREAM_STALL_SECONDS).
"""

from typing import Any

import httpx

from tests.api_client import create_conversation, get_conversation, send_message
from tests.sse_client import SseEvent, assemble, read_stream

RETRIES = 2


async def _answer(api: httpx.AsyncClient, text: str) -> tuple[list[SseEvent], dict[str, Any]]:
    conversation_id = await create_conversation(api)
    accepted = await send_message(api, conversation_id, text)
    events = await read_stream(api, accepted["task_id"])
    answer: dict[str, Any] = (await get_conversation(api, conversation_id))["messages"][-1]
    return events, answer


async def _attempts(simulator: httpx.AsyncClient, marker: str) -> list[dict[str, Any]]:
    """The streamed answer requests for the message carrying ``marker`` (not the title request that quotes it)."""
    requests: list[dict[str, Any]] = (await simulator.get("/_sim/requests")).json()["requests"]
    return [r for r in requests if r["body"].get("stream") is True and marker in _last_message(r["body"])]


def _last_message(body: dict[str, Any]) -> str:
    messages = body.get("input") or body.get("messages") or [""]
    return str(messages[-1])


async def test_rate_limits_and_server_errors_are_retried_before_the_first_token(
    api: httpx.AsyncClient, simulator: httpx.AsyncClient
) -> None:
    for status in (429, 500, 503):
        marker = f"transient {status}"
        events, answer = await _answer(api, f"[sim fail={status} fail_times=2 retry_after=0.1 tokens=6] {marker}")
        assert events[-1].data == {"done": True, "status": "completed"}
        assert answer["status"] == "completed"
        assert answer["content"] == assemble(events)
        assert len(await _attempts(simulator, marker)) == 3


async def test_a_persistent_server_error_fails_after_bounded_retries(
    api: httpx.AsyncClient, simulator: httpx.AsyncClient
) -> None:
    events, answer = await _answer(api, "[sim fail=503 retry_after=0.05] always down")
    assert events[-1].data["status"] == "failed"
    assert "503" in events[-1].data["error"]
    assert (answer["status"], answer["error"]) == ("failed", events[-1].data["error"])
    assert len(await _attempts(simulator, "always down")) == 1 + RETRIES


async def test_a_bad_key_or_unknown_model_fails_at_once_with_a_readable_error(
    api: httpx.AsyncClient, simulator: httpx.AsyncClient
) -> None:
    for status, marker in ((401, "bad key"), (404, "no such model")):
        events, answer = await _answer(api, f"[sim fail={status}] {marker}")
        assert events[-1].data["status"] == "failed"
        assert str(status) in events[-1].data["error"]
        assert answer["status"] == "failed"
        assert len(await _attempts(simulator, marker)) == 1, "not retried"


async def test_a_stream_that_goes_silent_ends_failed_with_the_partial_answer(
    api: httpx.AsyncClient, simulator: httpx.AsyncClient
) -> None:
    events, answer = await _answer(api, "[sim tokens=40 tps=50 stall_after=5 reasoning_tokens=0] goes silent")
    assert events[-1].data["status"] == "failed"
    assert "stopped responding" in events[-1].data["error"]
    assert answer["status"] == "failed"
    assert answer["content"] == assemble(events)
    # At most one event per token: the worker joins tokens that arrive together (more of them under load).
    assert 1 <= sum("content" in e.data for e in events) <= 5
    attempts = await _attempts(simulator, "goes silent")
    assert len(attempts) == 1, "after the first token there is no retry"


async def test_a_stream_cut_mid_answer_ends_failed_with_the_partial_answer(
    api: httpx.AsyncClient, simulator: httpx.AsyncClient
) -> None:
    events, answer = await _answer(api, "[sim tokens=40 tps=100 cut_after=7 reasoning_tokens=0] cut off")
    assert events[-1].data["status"] == "failed"
    assert answer["status"] == "failed"
    assert answer["content"] == assemble(events)
    # At most one event per token: the worker joins tokens that arrive together (more of them under load).
    assert 1 <= sum("content" in e.data for e in events) <= 7
    assert len(await _attempts(simulator, "cut off")) == 1


async def test_silence_before_the_first_token_is_retried_then_fails(
    api: httpx.AsyncClient, simulator: httpx.AsyncClient
) -> None:
    events, answer = await _answer(api, "[sim ttft_ms=10000 tps=10 tokens=3] never starts")
    assert events[-1].data["status"] == "failed"
    assert "stopped responding" in events[-1].data["error"]
    assert (answer["status"], answer["content"]) == ("failed", "")
    attempts = await _attempts(simulator, "never starts")
    assert len(attempts) == 1 + RETRIES
