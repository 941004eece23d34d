import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import httpx

from app.core.config import get_settings
from tests.api_client import create_conversation, get_conversation, send_message
from tests.sse_client import read_stream


async def test_send_returns_at_once_and_stores_both_turns(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    accepted = await send_message(api, conversation_id, "[sim tokens=40 tps=20] take your time")
    assert set(accepted) == {"task_id", "message_id", "assistant_message_id", "status"}

    # Answered long before the 2 s the simulated answer takes: the API does not wait for the model.
    messages = (await get_conversation(api, conversation_id))["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert messages[0]["id"] == accepted["message_id"]
    assert messages[0]["content"] == "[sim tokens=40 tps=20] take your time"
    assert messages[1]["id"] == accepted["assistant_message_id"]
    assert messages[1]["task_id"] == accepted["task_id"]
    assert messages[1]["status"] in {"pending", "streaming"}
    await read_stream(api, accepted["task_id"])


async def test_one_answer_at_a_time_per_conversation(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    first = await send_message(api, conversation_id, "[sim tokens=30 tps=30] first")
    second = await api.post(f"/conversations/{conversation_id}/messages", json={"content": "second"})
    assert second.status_code == 409
    assert first["task_id"] in second.json()["detail"]
    await read_stream(api, first["task_id"])
    await send_message(api, conversation_id, "[sim tokens=3] now it is my turn")


async def test_concurrent_sends_to_one_conversation_start_one_answer(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    url = f"/conversations/{conversation_id}/messages"
    responses = await asyncio.gather(
        *(api.post(url, json={"content": f"[sim tokens=20 tps=20] racing {n}"}) for n in range(5))
    )
    assert sorted(r.status_code for r in responses) == [202, 409, 409, 409, 409]


async def test_bad_input_is_a_json_4xx_and_stores_nothing(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    url = f"/conversations/{conversation_id}/messages"
    json_header = {"content-type": "application/json"}
    max_bytes = get_settings().max_request_bytes
    cases = [
        (api.post(url, json={"content": ""}), 422),
        (api.post(url, json={"content": " \n\t "}), 422),
        (api.post(url, json={"content": "x" * 32_001}), 422),
        (api.post(url, json={"content": 42}), 422),
        (api.post(url, json={"content": None}), 422),
        (api.post(url, json={"content": ["a"]}), 422),
        (api.post(url, json={}), 422),
        (api.post(url, json=["content"]), 422),
        (api.post(url, content=b'{"content": "unterminated', headers=json_header), 422),
        (api.post(url, content=b"\xff\xfe", headers=json_header), 422),
        (api.post(url, content=b"content=hi", headers={"content-type": "application/x-www-form-urlencoded"}), 422),
        (api.post(url, json={"content": "a\u0000b"}), 422),
        (api.post(url, content=b'{"content": "\\ud800"}', headers=json_header), 422),
        (api.post(url, content=b'{"content": 1e999999}', headers=json_header), 422),
        (api.post(url, content=b'{"content": "\xff"}', headers=json_header), 400),
        (api.post(url, json={"content": "x" * max_bytes}), 413),
        # Without a declared length, the limit is found while the body is read: the same 413.
        (api.post(url, content=_in_chunks(b"x" * (max_bytes + 1)), headers=json_header), 413),
        (api.post(f"/conversations/{uuid.uuid4()}/messages", json={"content": "hi"}), 404),
        (api.post("/conversations/123/messages", json={"content": "hi"}), 422),
    ]
    for request, expected in cases:
        response = await request
        assert response.status_code == expected, (response.request.content[:60], response.text[:300])
        assert "detail" in response.json()
    assert (await get_conversation(api, conversation_id))["messages"] == []


async def _in_chunks(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 64 * 1024):
        yield body[start : start + 64 * 1024]


async def test_a_message_of_exactly_the_limit_is_accepted_however_it_is_written(api: httpx.AsyncClient) -> None:
    limit = get_settings().max_message_chars
    url_of = "/conversations/{}/messages".format
    # One character more is refused (the list above), this many is not: as UTF-8, and as JSON that escapes
    # every character, 12 bytes for an emoji (still within MAX_REQUEST_BYTES).
    for content, body in [
        ("x" * limit, None),
        ("😀" * limit, json.dumps({"content": "😀" * limit}, ensure_ascii=True).encode()),
    ]:
        conversation_id = await create_conversation(api)
        if body is None:
            response = await api.post(url_of(conversation_id), json={"content": content})
        else:
            response = await api.post(
                url_of(conversation_id), content=body, headers={"content-type": "application/json"}
            )
        assert response.status_code == 202, response.text[:300]
        await read_stream(api, response.json()["task_id"])
        assert (await get_conversation(api, conversation_id))["messages"][0]["content"] == content
    too_long = await api.post(url_of(conversation_id), json={"content": "x" * (limit + 1)})
    assert too_long.status_code == 422
    # As a sentence, without pydantic's "Value error, " before it.
    assert too_long.json()["detail"][0]["msg"] == f"Message is {limit + 1:,} characters long; the limit is {limit:,}."
