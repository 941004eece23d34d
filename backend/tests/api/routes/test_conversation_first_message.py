"""POST /conversations with its first message: the conversation and the message are stored together or not at all,
and the message counts against the limits a send does (the send limit, answers at once, the daily quota), while a
conversation created empty spends none of them."""

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.core.config import get_settings
from tests.api.own_api import client_from, fresh_address, own_api
from tests.api_client import get_conversation, start_guest
from tests.conftest import Stack
from tests.sse_client import read_stream

# Tight for guests' answers and quota, and for accounts' sends: each test below uses the kind it needs.
LIMITS = {
    "MAX_ANSWERS_AT_ONCE_PER_GUEST": "1",
    "GUEST_DAILY_TOKEN_QUOTA": "1",
    "RATE_LIMIT_SENDS_PER_USER": "1/minute",
}
SLOW = "[sim tokens=40 tps=20]"


@pytest.fixture(scope="module")
def limited_api(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with own_api(stack, tmp_path_factory.mktemp("first-message-logs"), "api-first-message", LIMITS) as url:
        yield url


async def _create(client: httpx.AsyncClient, body: dict[str, Any] | None) -> httpx.Response:
    return await client.post("/conversations", json=body)


async def _count(client: httpx.AsyncClient) -> int:
    response = await client.get("/conversations")
    assert response.status_code == 200, response.text
    count: int = response.json()["count"]
    return count


async def test_a_conversation_created_with_its_first_message_answers_it(api: httpx.AsyncClient) -> None:
    model = (await api.get("/models")).json()["default"]
    body = {"title": "Greeting", "model": model, "instructions": "Answer briefly.", "message": "[sim tokens=3] hi"}
    created = await _create(api, body)
    assert created.status_code == 201, created.text
    conversation = created.json()
    first = conversation["first_message"]
    assert set(first) == {"task_id", "message_id", "assistant_message_id", "status"}
    assert first["status"] == "processing"
    assert (conversation["title"], conversation["model"], conversation["instructions"]) == (
        "Greeting",
        model,
        "Answer briefly.",
    )
    # Stored as the reply says, in the one statement that also stored both turns.
    at_once = await get_conversation(api, conversation["id"])
    fields = ["title", "model", "instructions", "created_at", "updated_at"]
    assert {name: at_once[name] for name in fields} == {name: conversation[name] for name in fields}
    assert [m["id"] for m in at_once["messages"]] == [first["message_id"], first["assistant_message_id"]]

    events = await read_stream(api, first["task_id"])
    assert events[-1].data.get("done") is True, events[-1]
    stored = await get_conversation(api, conversation["id"])
    assert [(m["id"], m["role"]) for m in stored["messages"]] == [
        (first["message_id"], "user"),
        (first["assistant_message_id"], "assistant"),
    ]
    assert stored["messages"][0]["content"] == "[sim tokens=3] hi"
    assert (stored["model"], stored["instructions"]) == (model, "Answer briefly.")
    listed = (await api.get("/conversations")).json()["data"]
    assert [c["id"] for c in listed] == [conversation["id"]]


async def test_an_invalid_first_message_creates_nothing(api: httpx.AsyncClient) -> None:
    limit = get_settings().max_message_chars
    for message in ["x" * (limit + 1), " \n ", "a\u0000b"]:
        refused = await _create(api, {"title": "Kept?", "message": message})
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"][0]["loc"] == ["body", "message"]
    assert await _count(api) == 0


async def test_a_first_message_refused_for_answers_at_once_or_the_quota_leaves_no_conversation(
    stack: Stack, limited_api: str
) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as signing_in:
        token = await start_guest(signing_in)
    async with client_from(limited_api, fresh_address(), token) as guest:
        first = await _create(guest, {"message": f"{SLOW} the one answer a guest may have at once"})
        assert first.status_code == 201, first.text

        busy = await _create(guest, {"message": "a second answer at once"})
        assert busy.status_code == 429, busy.text
        assert busy.json()["detail"].startswith("you already have 1 answer(s) being generated")
        assert await _count(guest) == 1

        # The first answer spends the guest's quota of one token.
        await read_stream(guest, first.json()["first_message"]["task_id"])
        spent = await _create(guest, {"title": "After the quota", "message": "one more"})
        assert spent.status_code == 429, spent.text
        assert spent.json()["detail"].startswith("daily token quota reached")
        assert await _count(guest) == 1

        # Without a message nothing is spent: an empty conversation is still created.
        empty = await _create(guest, {})
        assert empty.status_code == 201, empty.text
        assert empty.json()["first_message"] is None
        assert await _count(guest) == 2


async def test_the_send_limit_counts_first_messages_and_only_them(stack: Stack, limited_api: str) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as signing_up:
        email = f"first-message-{uuid.uuid4().hex}@example.com"
        registered = await signing_up.post("/auth/register", json={"email": email, "password": "correct horse battery"})
        assert registered.status_code == 201, registered.text
    async with client_from(limited_api, fresh_address(), registered.json()["token"]) as user:
        for _ in range(3):
            assert (await _create(user, None)).status_code == 201
        sent = await _create(user, {"message": "[sim tokens=1] the one message a minute"})
        assert sent.status_code == 201, sent.text

        limited = await _create(user, {"message": "a second within the minute"})
        assert limited.status_code == 429, limited.text
        assert limited.json()["detail"].startswith("too many messages: at most 1 per minute")
        assert int(limited.headers["retry-after"]) >= 1
        assert await _count(user) == 4
        # The same limit as a send to an existing conversation: spent for that too.
        conversation_id = sent.json()["id"]
        again = await user.post(f"/conversations/{conversation_id}/messages", json={"content": "and another"})
        assert again.status_code == 429, again.text
