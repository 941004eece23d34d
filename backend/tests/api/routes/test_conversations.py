import uuid

import httpx

from app.core.config import get_settings
from tests.api_client import create_conversation, get_conversation


async def test_create_with_and_without_title(api: httpx.AsyncClient) -> None:
    titled = await api.post("/conversations", json={"title": "  Trip planning  "})
    assert titled.status_code == 201
    assert titled.json()["title"] == "Trip planning"

    bodies: tuple[dict[str, str] | None, ...] = (None, {})
    for body in bodies:
        untitled = await api.post("/conversations", json=body)
        assert untitled.status_code == 201
        assert untitled.json()["title"] is None
        assert untitled.json()["first_message"] is None


async def test_get_returns_conversation_with_messages(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api, "empty")
    body = await get_conversation(api, conversation_id)
    assert body["id"] == conversation_id
    assert body["messages"] == []


async def test_list_is_most_recent_first_and_paginated(api: httpx.AsyncClient) -> None:
    ids = [await create_conversation(api, f"listed {n}") for n in range(3)]
    first_page = (await api.get("/conversations", params={"limit": 2})).json()
    assert [c["id"] for c in first_page["data"]] == ids[::-1][:2]
    assert first_page["count"] >= 3
    second_page = (await api.get("/conversations", params={"limit": 2, "cursor": first_page["next_cursor"]})).json()
    assert [c["id"] for c in second_page["data"]] == [ids[0]]
    assert second_page["next_cursor"] is None


async def test_rename(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    renamed = await api.patch(f"/conversations/{conversation_id}", json={"title": "Renamed"})
    assert renamed.status_code == 200
    assert (await get_conversation(api, conversation_id))["title"] == "Renamed"


async def test_delete(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    assert (await api.delete(f"/conversations/{conversation_id}")).status_code == 204
    assert (await api.get(f"/conversations/{conversation_id}")).status_code == 404
    assert (await api.delete(f"/conversations/{conversation_id}")).status_code == 404


async def test_bad_input_is_a_json_4xx(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    unknown = str(uuid.uuid4())
    json_header = {"content-type": "application/json"}
    cases = [
        (api.get(f"/conversations/{unknown}"), 404),
        (api.get("/conversations/not-a-uuid"), 422),
        (api.patch(f"/conversations/{unknown}", json={"title": "x"}), 404),
        (api.patch(f"/conversations/{conversation_id}", json={"title": "   "}), 422),
        (api.patch(f"/conversations/{conversation_id}", json={"title": "x" * 201}), 422),
        (api.patch(f"/conversations/{conversation_id}", json={"title": 5}), 422),
        (api.patch(f"/conversations/{conversation_id}", json={}), 422),
        (api.post("/conversations", json={"title": ["a"]}), 422),
        (api.post("/conversations", content=b"{", headers={"content-type": "application/json"}), 422),
        (api.get("/conversations", params={"limit": 0}), 422),
        (api.get("/conversations", params={"limit": "many"}), 422),
        (api.get("/conversations", params={"limit": 101}), 422),
        (api.get("/conversations", params={"cursor": "not.mine"}), 422),
        # PostgreSQL text cannot hold NUL.
        (api.post("/conversations", json={"title": "a\u0000b"}), 422),
        (api.patch(f"/conversations/{conversation_id}", json={"title": "\u0000"}), 422),
        # Half a surrogate pair, as a JSON escape and as the UTF-8 bytes of one: no character at all.
        (api.post("/conversations", content=b'{"title": "\\ud800"}', headers=json_header), 422),
        (api.post("/conversations", content=b'{"title": "\xed\xa0\x80"}', headers=json_header), 422),
        # Python's JSON parser reads these as numbers, infinity and NaN, which the 422 cannot echo back.
        (api.post("/conversations", content=b'{"title": 1e999999}', headers=json_header), 422),
        (api.patch(f"/conversations/{conversation_id}", content=b'{"title": NaN}', headers=json_header), 422),
        # Not UTF-8 (nor UTF-16 or UTF-32) at all: no JSON to validate.
        (api.post("/conversations", content=b'{"title": "\xff"}', headers=json_header), 400),
    ]
    for request, expected in cases:
        response = await request
        assert response.status_code == expected, (response.request.url, response.request.content, response.text)
        assert "detail" in response.json()
    assert (await get_conversation(api, conversation_id))["title"] is None


async def test_bad_input_is_told_what_is_wrong(api: httpx.AsyncClient) -> None:
    json_header = {"content-type": "application/json"}
    cases = [
        (api.post("/conversations", json={"title": "a\u0000b"}), "Title contains a NUL character"),
        (api.post("/conversations", content=b'{"title": "x\\udfff"}', headers=json_header), "lone surrogate"),
        (api.post("/conversations", content=b'{"title": 1e999999}', headers=json_header), "valid string"),
    ]
    for request, expected in cases:
        response = await request
        assert response.status_code == 422, response.text
        [error] = response.json()["detail"]
        assert error["loc"] == ["body", "title"]
        assert expected in error["msg"], error


async def test_a_title_of_exactly_the_limit_is_kept_and_any_storable_text_comes_back_as_sent(
    api: httpx.AsyncClient,
) -> None:
    conversation_id = await create_conversation(api)
    limit = get_settings().max_title_chars
    for title in ["t" * limit, "\x01 tab\tline\u2028sep 😀 \ufeff"]:
        renamed = await api.patch(f"/conversations/{conversation_id}", json={"title": title})
        assert renamed.status_code == 200, renamed.text
        assert (await get_conversation(api, conversation_id))["title"] == title
