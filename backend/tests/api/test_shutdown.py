"""An API process that shuts down ends its open streams cleanly; clients resume on another process."""

import asyncio
from pathlib import Path

import httpx

from devstack.processes import Supervisor
from tests.api_client import create_conversation, get_conversation, send_message, signed_in, start_guest
from tests.conftest import Stack, start_test_api
from tests.sse_client import SseEvent, assemble, iter_events, read_stream


async def test_shutdown_ends_streams_without_a_terminal_event_and_they_resume_elsewhere(
    stack: Stack, tmp_path: Path
) -> None:
    with Supervisor(tmp_path) as supervisor:
        leaving_url = start_test_api(supervisor, "api-leaving", stack.env)
        async with httpx.AsyncClient(base_url=leaving_url, timeout=30) as leaving:
            token = await start_guest(leaving)
            conversation_id = await create_conversation(leaving)
            accepted = await send_message(leaving, conversation_id, "[sim tokens=200 tps=40 reasoning_tokens=0]")
            before: list[SseEvent] = []
            async with leaving.stream("GET", f"/stream/{accepted['task_id']}") as response:
                async for event in iter_events(response):
                    before.append(event)
                    if len(before) == 3:
                        # Stop the process while this response is open; the loop must then end by itself.
                        stopping = asyncio.create_task(asyncio.to_thread(supervisor.stop_all))
            await stopping

    assert not any(event.is_terminal for event in before), "the stream ended early, not with the answer"
    async with signed_in(stack.api_url, token, timeout=30) as staying:
        after = await read_stream(staying, accepted["task_id"], last_event_id=before[-1].id)
        events = before + after
        assert [e.id for e in events] == list(range(1, len(events) + 1))
        answer = (await get_conversation(staying, conversation_id))["messages"][-1]
        assert answer["status"] == "completed"
        assert assemble(events) == answer["content"]
