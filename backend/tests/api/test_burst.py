import asyncio

import httpx

from tests.api_client import get_conversation, start_guest
from tests.sse_client import assemble, read_stream

USERS = 100


async def _one_user(api_url: str, start: asyncio.Barrier, n: int) -> bool:
    async with httpx.AsyncClient(base_url=api_url, timeout=120) as api:
        await start_guest(api)  # each user a guest of their own, signed in before the burst
        await start.wait()
        return await _converse(api, n)


async def _converse(api: httpx.AsyncClient, n: int) -> bool:
    created = await api.post("/conversations", json={"title": f"burst {n}"})
    assert created.status_code == 201, created.text
    conversation_id = created.json()["id"]
    sent = await api.post(
        f"/conversations/{conversation_id}/messages", json={"content": f"[sim tokens=20 tps=100] user {n}"}
    )
    assert sent.status_code == 202, sent.text
    events = await read_stream(api, sent.json()["task_id"])
    answer = (await get_conversation(api, conversation_id))["messages"][-1]
    return (
        events[-1].data.get("done") is True
        and answer["status"] == "completed"
        and answer["content"] == assemble(events)
    )


async def test_a_hundred_users_at_the_same_instant_all_get_complete_answers(api_url: str) -> None:
    """The spec's own code failed most of these: sync DB calls on the event loop and a too-small pool."""
    # The burst starts when every user has signed in.
    start = asyncio.Barrier(USERS)
    users = [asyncio.create_task(_one_user(api_url, start, n)) for n in range(USERS)]
    results = await asyncio.gather(*users)
    assert results.count(True) == USERS
