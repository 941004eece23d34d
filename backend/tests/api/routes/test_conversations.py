import uuid

import httpx

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
    second_page = (await api.get("/conversations", params={"limit": 2, "offset": 1})).json()
    assert second_page["data"][0]["id"] == ids[1]


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
        (api.get("/conversations", params={"offset": -1}), 422),
    ]
    for request, expected in cases:
        response = await request
        assert response.status_code == expected, (response.request.url, response.text)
        assert "detail" in response.json()
