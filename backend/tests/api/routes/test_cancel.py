"""Stop is not disconnect: a stop request ends the generation for every viewer and keeps the partial answer."""

import asyncio
from typing import Any

import httpx

from tests.api_client import create_conversation, get_conversation, send_message
from tests.sse_client import SseEvent, assemble, iter_events, read_stream


async def _simulator_outcome(simulator: httpx.AsyncClient, marker: str) -> str:
    """How the model request that carried ``marker`` ended, once it has ended."""
    for _ in range(100):
        requests: list[dict[str, Any]] = (await simulator.get("/_sim/requests")).json()["requests"]
        outcome: str = next(r["outcome"] for r in reversed(requests) if marker in str(r["body"]))
        if outcome != "in_progress":
            return outcome
        await asyncio.sleep(0.05)
    raise AssertionError("the model request never ended")


async def _wait_for_model_request(simulator: httpx.AsyncClient, marker: str) -> None:
    for _ in range(200):
        requests: list[dict[str, Any]] = (await simulator.get("/_sim/requests")).json()["requests"]
        if any(marker in str(r["body"]) for r in requests):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the model never got the request")


async def test_stop_with_two_viewers_on_two_api_processes(
    api: httpx.AsyncClient, second_api: httpx.AsyncClient, simulator: httpx.AsyncClient
) -> None:
    first, second = api, second_api
    conversation_id = await create_conversation(first)
    marker = "stop me two viewers"
    accepted = await send_message(first, conversation_id, f"[sim tokens=400 tps=40 reasoning_tokens=0] {marker}")
    task_id = accepted["task_id"]
    started = asyncio.Event()

    async def view(client: httpx.AsyncClient) -> list[SseEvent]:
        events = []
        async with client.stream("GET", f"/stream/{task_id}") as response:
            async for event in iter_events(response):
                events.append(event)
                if len(events) == 5:
                    started.set()
                if event.is_terminal:
                    break
        return events

    viewers = [asyncio.create_task(view(first)), asyncio.create_task(view(second))]
    await started.wait()
    stop = await second.post(f"/stream/{task_id}/cancel")
    assert stop.status_code == 202
    assert stop.json() == {"task_id": task_id, "status": "streaming"}
    one, other = await asyncio.gather(*viewers)

    assert one == other
    assert one[-1].data == {"done": True, "status": "cancelled"}
    answer = (await get_conversation(first, conversation_id))["messages"][-1]
    assert answer["status"] == "cancelled"
    assert answer["content"] == assemble(one)
    assert 5 <= sum("content" in e.data for e in one) < 400
    assert await _simulator_outcome(simulator, marker) == "disconnected", "the upstream request was closed"

    again = await first.post(f"/stream/{task_id}/cancel")
    assert again.status_code == 202
    assert again.json()["status"] == "cancelled"
    # The conversation is free for the next message.
    await send_message(first, conversation_id, "[sim tokens=2 tps=0] next")


async def test_stop_works_while_the_model_is_silent(api: httpx.AsyncClient, simulator: httpx.AsyncClient) -> None:
    """Twenty seconds to the first token: only an immediate stop yields a cancelled, empty answer."""
    conversation_id = await create_conversation(api)
    marker = "stop me while silent"
    accepted = await send_message(api, conversation_id, f"[sim ttft_ms=20000 tokens=5 tps=10] {marker}")
    await _wait_for_model_request(simulator, marker)  # the model has the request, and says nothing yet
    assert (await api.post(f"/stream/{accepted['task_id']}/cancel")).status_code == 202

    events = await read_stream(api, accepted["task_id"])
    assert events[-1].data == {"done": True, "status": "cancelled"}
    answer = (await get_conversation(api, conversation_id))["messages"][-1]
    assert (answer["status"], answer["content"]) == ("cancelled", "")
    assert await _simulator_outcome(simulator, marker) == "disconnected"


async def test_stopping_a_finished_answer_changes_nothing(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    accepted = await send_message(api, conversation_id, "[sim tokens=4 tps=0]")
    events = await read_stream(api, accepted["task_id"])
    stop = await api.post(f"/stream/{accepted['task_id']}/cancel")
    assert stop.json() == {"task_id": accepted["task_id"], "status": "completed"}
    assert (await get_conversation(api, conversation_id))["messages"][-1]["content"] == assemble(events)


async def test_stopping_an_unknown_task_is_404(api: httpx.AsyncClient) -> None:
    response = await api.post("/stream/no-such-task/cancel")
    assert response.status_code == 404
    assert "detail" in response.json()
