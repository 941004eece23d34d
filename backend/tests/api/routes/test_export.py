"""A conversation exported as Markdown (its branch) and JSON (its branch, or the whole tree)."""

import json

import httpx

from tests.api_client import create_conversation, get_conversation, send_message
from tests.sse_client import read_stream

QUICK = "[sim tokens=4 tps=0 reasoning_tokens=0]"


async def _conversation_with_two_versions(api: httpx.AsyncClient) -> tuple[str, list[str]]:
    conversation_id = await create_conversation(api, "Trip: Lisbon / Porto")
    asked = await send_message(api, conversation_id, f"{QUICK} plan a trip")
    await read_stream(api, asked["task_id"])
    again = (await api.post(f"/messages/{asked['assistant_message_id']}/regenerate")).json()
    await read_stream(api, again["task_id"])
    return conversation_id, [asked["message_id"], asked["assistant_message_id"], again["assistant_message_id"]]


async def test_markdown_holds_the_current_branch(api: httpx.AsyncClient) -> None:
    conversation_id, (*_, new_answer) = await _conversation_with_two_versions(api)
    shown = (await get_conversation(api, conversation_id))["messages"]

    response = await api.get(f"/conversations/{conversation_id}/export/markdown")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="trip-lisbon-porto.md"'
    text = response.text
    assert text.startswith("# Trip: Lisbon / Porto\n")
    assert f"## You\n\n{QUICK} plan a trip\n" in text
    assert shown[1]["id"] == new_answer
    assert shown[1]["content"] in text
    assert text.count("## Assistant") == 1, "one branch: the version shown, not the other"


async def test_json_holds_the_branch_or_the_whole_tree(api: httpx.AsyncClient) -> None:
    conversation_id, written = await _conversation_with_two_versions(api)
    branch = await api.get(f"/conversations/{conversation_id}/export/json")
    assert branch.status_code == 200
    assert branch.headers["content-disposition"] == 'attachment; filename="trip-lisbon-porto.json"'
    body = json.loads(branch.content)
    assert body["scope"] == "branch"
    assert [m["id"] for m in body["messages"]] == [written[0], written[2]]

    tree = (await api.get(f"/conversations/{conversation_id}/export/json", params={"scope": "tree"})).json()
    assert tree["scope"] == "tree"
    assert [m["id"] for m in tree["messages"]] == written, "every message, in the order written"
    assert [m["parent_id"] for m in tree["messages"]] == [None, written[0], written[0]]
    assert tree["title"] == "Trip: Lisbon / Porto"


async def test_export_refuses_other_users_and_unknown_scopes(
    api: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    conversation_id = await create_conversation(api, "x")
    url = f"/conversations/{conversation_id}/export"
    assert (await api.get(f"{url}/json", params={"scope": "forest"})).status_code == 422
    assert (await api.get(f"{url}/pdf")).status_code == 404
    assert (await stranger.get(f"{url}/json")).status_code == 404
    assert (await stranger.get(f"{url}/markdown")).status_code == 404
