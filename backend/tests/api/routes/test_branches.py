"""Messages form a tree: regenerate an answer, edit a question (a new branch), switch between versions; the model is
sent exactly the branch, as the simulator's request log shows."""

import uuid
from typing import Any

import httpx

from tests.api_client import create_conversation, get_conversation, send_message
from tests.model_requests import answer_request
from tests.sse_client import read_first, read_stream

QUICK = "[sim tokens=4 tps=0 reasoning_tokens=0]"


async def _ask(api: httpx.AsyncClient, conversation_id: str, text: str, **body: Any) -> dict[str, Any]:
    response = await api.post(f"/conversations/{conversation_id}/messages", json={"content": text, **body})
    assert response.status_code == 202, response.text
    accepted: dict[str, Any] = response.json()
    await read_stream(api, accepted["task_id"])
    return accepted


async def _regenerate(api: httpx.AsyncClient, answer_id: str) -> dict[str, Any]:
    response = await api.post(f"/messages/{answer_id}/regenerate")
    assert response.status_code == 202, response.text
    accepted: dict[str, Any] = response.json()
    await read_stream(api, accepted["task_id"])
    return accepted


async def _model_input(simulator: httpx.AsyncClient, marker: str) -> list[dict[str, str]]:
    """The non-system turns of the newest model request whose input mentions ``marker``."""
    body = await answer_request(simulator, marker)
    return [{"role": item["role"], "content": item["content"]} for item in body["input"] if item["role"] != "system"]


def _shown(conversation: dict[str, Any]) -> list[tuple[str, str]]:
    return [(m["role"], m["content"]) for m in conversation["messages"]]


async def test_regenerate_adds_a_version_of_the_answer_without_repeating_the_question(
    api: httpx.AsyncClient, simulator: httpx.AsyncClient
) -> None:
    conversation_id = await create_conversation(api)
    first = await _ask(api, conversation_id, f"{QUICK} regenerate me {uuid.uuid4().hex}")
    again = await _regenerate(api, first["assistant_message_id"])
    third = await _regenerate(api, first["assistant_message_id"])

    assert again["message_id"] == third["message_id"] == first["message_id"], "the same question is answered"
    conversation = await get_conversation(api, conversation_id)
    question, answer = conversation["messages"]
    assert [m["role"] for m in conversation["messages"]] == ["user", "assistant"], "the question is not repeated"
    assert answer["id"] == third["assistant_message_id"], "the newest version is shown"
    assert answer["status"] == "completed"
    assert answer["parent_id"] == question["id"]
    expected = [first["assistant_message_id"], again["assistant_message_id"], third["assistant_message_id"]]
    assert answer["sibling_ids"] == expected, "the versions, oldest first"
    assert question["sibling_ids"] == [question["id"]]
    # The model was asked the question once, not twice.
    assert await _model_input(simulator, question["content"]) == [{"role": "user", "content": question["content"]}]


async def test_regenerate_refuses_a_question_a_foreign_answer_and_an_answer_in_progress(
    api: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    conversation_id = await create_conversation(api)
    # Paced (2 s an answer), so that the regenerated answer is still in progress when it is asked for again.
    first = await _ask(api, conversation_id, "[sim tokens=40 tps=20 reasoning_tokens=0] hello")
    assert (await api.post(f"/messages/{first['message_id']}/regenerate")).status_code == 404
    assert (await api.post(f"/messages/{uuid.uuid4()}/regenerate")).status_code == 404
    foreign = await stranger.post(f"/messages/{first['assistant_message_id']}/regenerate")
    assert foreign.status_code == 404
    assert foreign.json() == {"detail": "no such answer"}

    slow = await api.post(f"/messages/{first['assistant_message_id']}/regenerate")
    assert slow.status_code == 202
    busy = await api.post(f"/messages/{first['assistant_message_id']}/regenerate")
    assert busy.status_code == 409, "one answer at a time per conversation holds for regenerates too"
    await read_stream(api, slow.json()["task_id"])
    assert len((await get_conversation(api, conversation_id))["messages"][1]["sibling_ids"]) == 2


async def test_an_edited_question_starts_a_branch_and_the_model_sees_only_that_branch(
    api: httpx.AsyncClient, simulator: httpx.AsyncClient
) -> None:
    conversation_id = await create_conversation(api)
    one = await _ask(api, conversation_id, f"{QUICK} one")
    two = await _ask(api, conversation_id, f"{QUICK} two")
    await _ask(api, conversation_id, f"{QUICK} three")
    before_edit = _shown(await get_conversation(api, conversation_id))

    # Edit "two": a new question after the first answer.
    edited = await _ask(api, conversation_id, f"{QUICK} two, edited", parent_id=one["assistant_message_id"])
    conversation = await get_conversation(api, conversation_id)
    assert _shown(conversation)[:3] == [*before_edit[:2], ("user", f"{QUICK} two, edited")]
    assert conversation["messages"][3]["id"] == edited["assistant_message_id"]
    assert conversation["messages"][2]["sibling_ids"] == [two["message_id"], edited["message_id"]]
    assert await _model_input(simulator, "two, edited") == [
        {"role": role, "content": content} for role, content in [*before_edit[:2], ("user", f"{QUICK} two, edited")]
    ], "exactly the branch: not 'two', its answer or 'three'"

    # Following on from there continues the new branch.
    await _ask(api, conversation_id, f"{QUICK} four")
    after = await _model_input(simulator, "] four")
    assert [turn["content"] for turn in after if turn["role"] == "user"] == [
        f"{QUICK} one",
        f"{QUICK} two, edited",
        f"{QUICK} four",
    ]


async def test_editing_the_first_question_makes_a_new_root(
    api: httpx.AsyncClient, simulator: httpx.AsyncClient
) -> None:
    conversation_id = await create_conversation(api)
    first = await _ask(api, conversation_id, f"{QUICK} original start")
    await _ask(api, conversation_id, f"{QUICK} more")
    restart = await _ask(api, conversation_id, f"{QUICK} a fresh start", parent_id=None)

    conversation = await get_conversation(api, conversation_id)
    assert [m["content"] for m in conversation["messages"] if m["role"] == "user"] == [f"{QUICK} a fresh start"]
    assert conversation["messages"][0]["parent_id"] is None
    assert conversation["messages"][0]["sibling_ids"] == [first["message_id"], restart["message_id"]]
    assert await _model_input(simulator, "a fresh start") == [{"role": "user", "content": f"{QUICK} a fresh start"}]


async def test_a_parent_must_be_an_answer_of_the_conversation(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    other_conversation = await create_conversation(api)
    asked = await _ask(api, conversation_id, f"{QUICK} hi")
    elsewhere = await _ask(api, other_conversation, f"{QUICK} hi there")
    url = f"/conversations/{conversation_id}/messages"
    for parent in (asked["message_id"], elsewhere["assistant_message_id"], str(uuid.uuid4())):
        refused = await api.post(url, json={"content": "follow that", "parent_id": parent})
        assert refused.status_code == 404, refused.text
        assert "parent_id" in refused.json()["detail"]
    assert (await api.post(url, json={"content": "x", "parent_id": "not-a-uuid"})).status_code == 422
    assert len((await get_conversation(api, conversation_id))["messages"]) == 2, "nothing was stored"


async def test_switching_versions_is_the_conversations_so_every_device_sees_it(
    api: httpx.AsyncClient, second_api: httpx.AsyncClient
) -> None:
    conversation_id = await create_conversation(api)
    one = await _ask(api, conversation_id, f"{QUICK} one")
    two = await _ask(api, conversation_id, f"{QUICK} two")
    await _ask(api, conversation_id, f"{QUICK} two's follow-up")
    edited = await _ask(api, conversation_id, f"{QUICK} two, edited", parent_id=one["assistant_message_id"])

    # Back to the first version of "two": the branch goes on down to the newest message under it.
    switched = await api.post(f"/conversations/{conversation_id}/branch", json={"message_id": two["message_id"]})
    assert switched.status_code == 200, switched.text
    contents = [m["content"] for m in switched.json()["messages"] if m["role"] == "user"]
    assert contents == [f"{QUICK} one", f"{QUICK} two", f"{QUICK} two's follow-up"]
    # Another device of the same user (another client of the same session here) reads the same branch.
    async with httpx.AsyncClient(
        base_url=api.base_url, headers={"Authorization": api.headers["Authorization"]}
    ) as other:
        assert _shown(await get_conversation(other, conversation_id)) == _shown(switched.json())

    # And to the edited version again.
    await api.post(f"/conversations/{conversation_id}/branch", json={"message_id": edited["message_id"]})
    shown = await get_conversation(api, conversation_id)
    assert shown["messages"][-1]["id"] == edited["assistant_message_id"]

    # A plain send follows the branch shown.
    follow = await _ask(api, conversation_id, f"{QUICK} after the edit")
    shown = await get_conversation(api, conversation_id)
    assert shown["messages"][-2]["id"] == follow["message_id"]
    assert shown["messages"][-2]["parent_id"] == edited["assistant_message_id"]


async def test_switching_refuses_what_is_not_the_conversations(
    api: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    conversation_id = await create_conversation(api)
    other = await create_conversation(api)
    elsewhere = await _ask(api, other, f"{QUICK} hello")
    url = f"/conversations/{conversation_id}/branch"
    assert (await api.post(url, json={"message_id": elsewhere["message_id"]})).status_code == 404
    assert (await api.post(url, json={"message_id": "nope"})).status_code == 422
    assert (await api.post(url, json={})).status_code == 422
    foreign = await stranger.post(f"/conversations/{other}/branch", json={"message_id": elsewhere["message_id"]})
    assert foreign.status_code == 404


async def test_a_stopped_answer_regenerated_is_a_new_version(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    slow = await send_message(api, conversation_id, "[sim tokens=300 tps=20 reasoning_tokens=0] a long story")
    await read_first(api, slow["task_id"], 3)
    await api.post(f"/stream/{slow['task_id']}/cancel")
    await read_stream(api, slow["task_id"])
    retried = await _regenerate(api, slow["assistant_message_id"])
    conversation = await get_conversation(api, conversation_id)
    assert [m["role"] for m in conversation["messages"]] == ["user", "assistant"]
    assert conversation["messages"][1]["sibling_ids"] == [slow["assistant_message_id"], retried["assistant_message_id"]]
    assert conversation["messages"][1]["status"] == "completed"
