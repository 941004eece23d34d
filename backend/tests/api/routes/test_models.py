"""The models a conversation may pick (the simulator lists two) and its own instructions, as the model receives
them."""

import uuid
from typing import Any

import httpx

from app.core.config import Settings
from tests.api_client import create_conversation, send_message
from tests.model_requests import answer_request
from tests.sse_client import read_stream


async def _model_request_of_an_answer(
    api: httpx.AsyncClient, simulator: httpx.AsyncClient, conversation_id: str
) -> dict[str, Any]:
    """Send a message, read its answer to the end, and return the request the model service got for it."""
    marker = uuid.uuid4().hex
    await read_stream(api, (await send_message(api, conversation_id, f"[sim tokens=3] {marker}"))["task_id"])
    return await answer_request(simulator, marker)


async def test_the_models_offered_are_the_model_services_own_listing(api: httpx.AsyncClient) -> None:
    listed = (await api.get("/models")).json()
    assert listed["default"] == Settings().openai_model
    assert [model["id"] for model in listed["data"]] == ["gpt-5-mini", "gpt-5-nano"], "the simulator's /v1/models"
    assert all(model["simulated"] for model in listed["data"])


async def test_a_conversation_answers_with_its_model_and_instructions(
    api: httpx.AsyncClient, simulator: httpx.AsyncClient
) -> None:
    conversation_id = await create_conversation(api)
    changed = await api.patch(
        f"/conversations/{conversation_id}", json={"model": "gpt-5-nano", "instructions": "Answer like a pirate."}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["model"], changed.json()["instructions"]) == ("gpt-5-nano", "Answer like a pirate.")

    sent = await _model_request_of_an_answer(api, simulator, conversation_id)
    assert sent["model"] == "gpt-5-nano"
    assert sent["input"][0] == {"role": "system", "content": "Answer like a pirate."}
    answer = (await api.get(f"/conversations/{conversation_id}")).json()["messages"][-1]
    assert answer["model"] == "gpt-5-nano"

    # Null goes back to the defaults; a title change keeps them.
    await api.patch(f"/conversations/{conversation_id}", json={"title": "Renamed"})
    assert (await api.get(f"/conversations/{conversation_id}")).json()["model"] == "gpt-5-nano"
    reset = await api.patch(f"/conversations/{conversation_id}", json={"model": None, "instructions": None})
    assert (reset.json()["model"], reset.json()["instructions"], reset.json()["title"]) == (None, None, "Renamed")
    sent = await _model_request_of_an_answer(api, simulator, conversation_id)
    assert sent["model"] == Settings().openai_model
    assert sent["input"][0] == {"role": "system", "content": Settings().system_prompt}


async def test_a_model_not_offered_and_bad_instructions_are_refused(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    url = f"/conversations/{conversation_id}"
    refused = await api.patch(url, json={"model": "gpt-0"})
    assert refused.status_code == 404, "a model this server does not have"
    assert "gpt-5-mini, gpt-5-nano" in refused.json()["detail"]
    assert (await api.post("/conversations", json={"model": "gpt-0"})).status_code == 404
    assert (await api.patch(url, json={"instructions": " "})).status_code == 422
    assert (await api.patch(url, json={"instructions": "x" * 8_001})).status_code == 422
    assert (await api.patch(url, json={})).status_code == 422
    assert (await api.patch(url, json={"title": None})).status_code == 422
    created = await api.post("/conversations", json={"model": "gpt-5-nano", "instructions": "Be terse."})
    assert created.status_code == 201
    assert (created.json()["model"], created.json()["instructions"]) == ("gpt-5-nano", "Be terse.")
