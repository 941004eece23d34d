"""Usage accounting on the real stack: what ``GET /auth/me/usage`` and each answer say they cost is what the model
(the simulator) reported, or a tokenizer estimate when it reported nothing; it is the caller's alone; deleting a
conversation, even mid-answer, takes nothing back; and a daily quota refuses sends once today's tokens reach it."""

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from app.llm.tokens import count_tokens
from tests.api.own_api import client_from, fresh_address, own_api
from tests.api_client import create_conversation, get_conversation, send_message, start_guest
from tests.conftest import Stack
from tests.model_requests import answer_request
from tests.sse_client import iter_events, read_stream

PASSWORD = "correct horse battery"


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


async def _usage(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/auth/me/usage", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _reported_usage(simulator: httpx.AsyncClient, marker: str) -> dict[str, int]:
    """The usage the simulator reported for the answer request carrying ``marker`` (not the title request, which
    quotes the question too): the same request, sent again unstreamed, gets the same answer and the same usage
    object (the simulator is deterministic)."""
    replayed = await simulator.post("/v1/responses", json=await answer_request(simulator, marker) | {"stream": False})
    assert replayed.status_code == 200, replayed.text
    usage: dict[str, int] = replayed.json()["usage"]
    return usage


async def _answer(client: httpx.AsyncClient, conversation_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = (await get_conversation(client, conversation_id))["messages"][-1]
    return answer


async def test_usage_is_what_the_model_reported(api: httpx.AsyncClient, simulator: httpx.AsyncClient) -> None:
    assert await _usage(api) == {"daily_token_quota": 200_000, "days": []}
    conversation_id = await create_conversation(api)
    reported = []
    for n in range(2):
        marker = f"usage {uuid.uuid4().hex}"
        accepted = await send_message(api, conversation_id, f"[sim tokens={7 + n} reasoning_tokens=3] {marker}")
        await read_stream(api, accepted["task_id"])
        reported.append(await _reported_usage(simulator, marker))
        answer = await _answer(api, conversation_id)
        assert answer["status"] == "completed"
        # Reasoning tokens are output tokens.
        assert reported[-1]["output_tokens"] == 7 + n + 3
        assert (answer["input_tokens"], answer["output_tokens"], answer["usage_estimated"]) == (
            reported[-1]["input_tokens"],
            reported[-1]["output_tokens"],
            False,
        )

    assert await _usage(api) == {
        "daily_token_quota": 200_000,
        "days": [
            {
                "day": _today(),
                "input_tokens": sum(r["input_tokens"] for r in reported),
                "output_tokens": sum(r["output_tokens"] for r in reported),
                "answers": 2,
            }
        ],
    }
    # The second prompt held the first turns too.
    assert reported[1]["input_tokens"] > reported[0]["input_tokens"]


async def test_another_user_sees_nothing_of_it(stack: Stack, api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    await read_stream(api, (await send_message(api, conversation_id, "[sim tokens=3] mine"))["task_id"])
    assert len((await _usage(api))["days"]) == 1
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as other:
        registered = await other.post(
            "/auth/register", json={"email": f"usage-{uuid.uuid4().hex}@example.com", "password": PASSWORD}
        )
        assert registered.status_code == 201
        other.cookies.clear()
        other.headers["Authorization"] = f"Bearer {registered.json()['token']}"
        # A registered user has DAILY_TOKEN_QUOTA, unset here: no quota.
        assert await _usage(other) == {"daily_token_quota": None, "days": []}
        assert (await other.get("/auth/me/usage", headers={"Authorization": "Bearer nonsense"})).status_code == 401


async def test_deleting_a_conversation_keeps_its_usage(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    await read_stream(api, (await send_message(api, conversation_id, "[sim tokens=5] delete me later"))["task_id"])
    before = await _usage(api)
    assert before["days"][0]["answers"] == 1
    assert (await api.delete(f"/conversations/{conversation_id}")).status_code == 204
    assert await _usage(api) == before


async def test_deleting_a_conversation_mid_answer_still_costs_the_answer(
    api: httpx.AsyncClient, simulator: httpx.AsyncClient
) -> None:
    conversation_id = await create_conversation(api)
    marker = f"deleted mid-answer {uuid.uuid4().hex}"
    accepted = await send_message(api, conversation_id, f"[sim tokens=60 tps=30 reasoning_tokens=0] {marker}")
    events = []
    async with api.stream("GET", f"/stream/{accepted['task_id']}") as response:
        async for event in iter_events(response):
            events.append(event)
            if len(events) == 3:
                assert (await api.delete(f"/conversations/{conversation_id}")).status_code == 204
            if event.is_terminal:
                break
    # The viewer still sees the answer end; its cost is recorded once it has.
    assert events[-1].data == {"done": True, "status": "completed"}
    reported = await _reported_usage(simulator, marker)
    for _ in range(100):
        days = (await _usage(api))["days"]
        if days:
            break
        await asyncio.sleep(0.1)
    assert days == [
        {
            "day": _today(),
            "input_tokens": reported["input_tokens"],
            "output_tokens": reported["output_tokens"],
            "answers": 1,
        }
    ]


async def test_a_stopped_answer_costs_an_estimate_of_what_it_produced(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    accepted = await send_message(api, conversation_id, "[sim tokens=400 tps=30 reasoning_tokens=2] stop me early")
    async with api.stream("GET", f"/stream/{accepted['task_id']}") as response:
        async for event in iter_events(response):
            if "content" in event.data:
                break
    assert (await api.post(f"/stream/{accepted['task_id']}/cancel")).status_code == 202
    await read_stream(api, accepted["task_id"])

    answer = await _answer(api, conversation_id)
    assert answer["status"] == "cancelled"
    assert answer["usage_estimated"] is True
    # The model reported nothing: the text it produced, counted with the history budget's tokenizer.
    assert answer["output_tokens"] == count_tokens(answer["content"]) + count_tokens(answer["reasoning"])
    assert 0 < answer["output_tokens"] < 400
    # And the prompt it was sent (the system prompt and the question, at least).
    assert answer["input_tokens"] > count_tokens("stop me early")
    day = (await _usage(api))["days"][0]
    assert (day["input_tokens"], day["output_tokens"], day["answers"]) == (
        answer["input_tokens"],
        answer["output_tokens"],
        1,
    )


async def test_days_is_bounded(api: httpx.AsyncClient) -> None:
    assert (await _usage(api, days=1))["days"] == []
    for days in (0, 367, "x"):
        assert (await api.get("/auth/me/usage", params={"days": days})).status_code == 422


# A quota of one token for guests: their first answer spends it. Users get theirs (DAILY_TOKEN_QUOTA) apart.
QUOTAS = {"GUEST_DAILY_TOKEN_QUOTA": "1", "DAILY_TOKEN_QUOTA": "1000000"}


@pytest.fixture(scope="module")
def quota_api(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with own_api(stack, tmp_path_factory.mktemp("quota-logs"), "api-quota", QUOTAS) as url:
        yield url


async def _send_and_finish(client: httpx.AsyncClient, text: str) -> None:
    conversation_id = await create_conversation(client)
    await read_stream(client, (await send_message(client, conversation_id, text))["task_id"])


async def test_a_spent_daily_quota_refuses_sends_until_midnight_utc(stack: Stack, quota_api: str) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as signing_in:
        guest_token = await start_guest(signing_in)
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as signing_up:
        registered = await signing_up.post(
            "/auth/register", json={"email": f"quota-{uuid.uuid4().hex}@example.com", "password": PASSWORD}
        )
        assert registered.status_code == 201
    async with (
        client_from(quota_api, fresh_address(), guest_token) as guest,
        client_from(quota_api, fresh_address(), registered.json()["token"]) as user,
    ):
        await _send_and_finish(guest, "[sim tokens=3] spend it")
        spent = (await _usage(guest))["days"][0]
        tokens = spent["input_tokens"] + spent["output_tokens"]

        conversation_id = await create_conversation(guest)
        refused = await guest.post(f"/conversations/{conversation_id}/messages", json={"content": "one more"})
        assert refused.status_code == 429
        retry_after = int(refused.headers["retry-after"])
        assert 1 <= retry_after <= 24 * 3600
        assert refused.json()["detail"].startswith(
            f"daily token quota reached: {tokens:,} of 1 tokens used today (UTC); try again in "
        )
        assert (await _usage(guest))["daily_token_quota"] == 1
        # Nothing was stored for the refused send.
        assert (await get_conversation(guest, conversation_id))["messages"] == []

        # A registered user's quota is another, far from spent.
        await _send_and_finish(user, "[sim tokens=3] first")
        await _send_and_finish(user, "[sim tokens=3] second")
        assert (await _usage(user))["daily_token_quota"] == 1_000_000
