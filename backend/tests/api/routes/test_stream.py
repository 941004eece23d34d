import asyncio
import time

import httpx
from redis.asyncio import Redis

from app.core import redis_keys
from simulator.text import answer_tokens
from tests.api_client import create_conversation, get_conversation, send_message
from tests.http_chunks import get_chunked
from tests.sse_client import assemble, iter_events, read_first, read_stream


async def _wait_until_finished(api: httpx.AsyncClient, conversation_id: str) -> dict[str, object]:
    for _ in range(300):
        answer: dict[str, object] = (await get_conversation(api, conversation_id))["messages"][-1]
        if answer["status"] not in {"pending", "streaming"}:
            return answer
        await asyncio.sleep(0.05)
    raise AssertionError("the answer never finished")


def _joins_whole_tokens(texts: list[str], tokens: tuple[str, ...]) -> bool:
    """Whether ``texts`` are ``tokens`` in order, each text one token or several consecutive ones joined."""
    remaining = list(tokens)
    for text in texts:
        joined = ""
        while remaining and len(joined) < len(text):
            joined += remaining.pop(0)
        if not text or joined != text:
            return False
    return not remaining


async def test_streamed_answer_equals_persisted_answer(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    accepted = await send_message(api, conversation_id, "[sim tokens=25 tps=200] Explain streams.")
    events = await read_stream(api, accepted["task_id"])

    assert [e.id for e in events] == list(range(1, len(events) + 1)), "ids are gapless from 1"
    assert events[-1].data == {"done": True, "status": "completed"}
    # Tokens that reach the worker together may go out as one event (how many do depends on timing, a cold
    # worker joining more), so the events are checked as runs of the simulator's tokens, not counted.
    contents = [e.data["content"] for e in events if "content" in e.data]
    assert _joins_whole_tokens(contents, answer_tokens("Explain streams.", 25)), contents
    answer = (await get_conversation(api, conversation_id))["messages"][-1]
    # Persisted before the terminal event was published: visible the moment "done" arrives.
    assert answer["status"] == "completed"
    assert answer["content"] == assemble(events)
    assert answer["reasoning"] == assemble(events, "reasoning")
    assert answer["reasoning"], "reasoning summaries are requested and streamed by default"
    assert answer["simulated"] is True
    assert answer["model"]


async def test_resume_after_any_event_gives_exactly_the_rest(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    accepted = await send_message(api, conversation_id, "[sim tokens=12 tps=0 reasoning_tokens=2]")
    full = await read_stream(api, accepted["task_id"])
    for cursor in range(len(full)):
        by_query = await read_stream(api, accepted["task_id"], after=cursor)
        by_header = await read_stream(api, accepted["task_id"], last_event_id=cursor, after=0)
        assert by_query == full[cursor:]
        assert by_header == full[cursor:]


async def test_resume_mid_stream(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    accepted = await send_message(api, conversation_id, "[sim tokens=40 tps=40 reasoning_tokens=0]")
    received = await read_first(api, accepted["task_id"], 5)
    received += await read_stream(api, accepted["task_id"], last_event_id=received[-1].id)
    assert [e.id for e in received] == list(range(1, len(received) + 1))
    answer = await _wait_until_finished(api, conversation_id)
    assert assemble(received) == answer["content"]


async def test_disconnect_does_not_stop_generation(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    accepted = await send_message(api, conversation_id, "[sim tokens=30 tps=30 reasoning_tokens=0]")
    async with api.stream("GET", f"/stream/{accepted['task_id']}") as response:
        seen = 0
        async for _ in iter_events(response):
            seen += 1
            if seen == 3:
                break  # the client goes away mid-answer

    answer = await _wait_until_finished(api, conversation_id)
    assert answer["status"] == "completed"
    events = await read_stream(api, accepted["task_id"])
    assert answer["content"] == assemble(events)
    # At most one event per token: the worker joins tokens that arrive together (more of them under load).
    assert 1 <= sum("content" in e.data for e in events) <= 30


async def test_many_viewers_receive_identical_streams(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    accepted = await send_message(api, conversation_id, "[sim tokens=30 tps=60]")
    streams = await asyncio.gather(*(read_stream(api, accepted["task_id"]) for _ in range(5)))
    assert all(stream == streams[0] for stream in streams)
    assert streams[0][-1].data["done"] is True


async def test_expired_events_are_served_from_the_database(api: httpx.AsyncClient, redis_url: str) -> None:
    conversation_id = await create_conversation(api)
    accepted = await send_message(api, conversation_id, "[sim tokens=8 tps=0 reasoning_tokens=3]")
    live = await read_stream(api, accepted["task_id"])
    redis = Redis.from_url(redis_url)
    try:
        assert await redis.delete(redis_keys.stream_events_key(accepted["task_id"])) == 1
    finally:
        await redis.aclose()

    replayed = await read_stream(api, accepted["task_id"])
    assert assemble(replayed) == assemble(live)
    assert assemble(replayed, "reasoning") == assemble(live, "reasoning")
    assert replayed[-1].data == {"done": True, "status": "completed"}


async def test_bad_stream_requests_are_json_4xx(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    accepted = await send_message(api, conversation_id, "[sim tokens=2 tps=0]")
    await read_stream(api, accepted["task_id"])
    cases = [
        (api.get("/stream/00000000-0000-0000-0000-000000000000"), 404),
        (api.get("/stream/" + "a" * 65), 422),
        (api.get("/stream/has%20space"), 422),
        (api.get(f"/stream/{accepted['task_id']}", params={"after": -1}), 422),
        (api.get(f"/stream/{accepted['task_id']}", params={"after": "x"}), 422),
        (api.get(f"/stream/{accepted['task_id']}", headers={"Last-Event-ID": "abc"}), 400),
        # An event id has 18 digits at most: the bound of `after` and of the header alike.
        (api.get(f"/stream/{accepted['task_id']}", params={"after": 10**18}), 422),
        (api.get(f"/stream/{accepted['task_id']}", params={"after": 2**64}), 422),
    ]
    bad_ids = [b"", b"-1", b"1.0", b"0x1", b"9" * 19, str(2**63).encode(), str(2**64).encode(), b"9" * 100_000]
    # "²" and "¹" (latin-1, as the server reads header bytes): digits to str.isdigit, not to int().
    bad_ids += [b"\xb2", b"1\xb9"]
    cases += [(api.get(f"/stream/{accepted['task_id']}", headers=[(b"last-event-id", bad)]), 400) for bad in bad_ids]
    for request, expected in cases:
        response = await request
        assert response.status_code == expected, (response.request.url, response.request.headers, response.text)
        assert "detail" in response.json()


async def test_the_largest_cursor_is_past_a_finished_answer(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    accepted = await send_message(api, conversation_id, "[sim tokens=2 tps=0]")
    await read_stream(api, accepted["task_id"])
    url = f"/stream/{accepted['task_id']}"
    assert (await api.get(url, params={"after": 10**18 - 1})).status_code == 204
    assert (await api.get(url, headers={"Last-Event-ID": "9" * 18})).status_code == 204
    assert (await api.get(url, headers={"Last-Event-ID": "0" * 18})).status_code == 200


async def test_idle_streams_are_kept_alive_and_never_buffered(api: httpx.AsyncClient) -> None:
    """The test stack pings every 0.5 s (SSE_PING_SECONDS); the first token takes 1.5 s."""
    conversation_id = await create_conversation(api)
    accepted = await send_message(api, conversation_id, "[sim ttft_ms=1500 tps=10 tokens=2 reasoning_tokens=0]")
    lines_before_data = []
    async with api.stream("GET", f"/stream/{accepted['task_id']}") as response:
        assert response.headers["x-accel-buffering"] == "no"
        assert response.headers["cache-control"] == "no-store"
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                break
            lines_before_data.append(line)
    assert any(line.startswith(":") for line in lines_before_data), lines_before_data


async def test_timing_adds_the_append_time_of_each_event(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    accepted = await send_message(api, conversation_id, "[sim tokens=5 tps=100 reasoning_tokens=0]")
    before_us = time.time_ns() // 1000
    timed = []
    async with api.stream("GET", f"/stream/{accepted['task_id']}", params={"timing": "1"}) as response:
        async for event in iter_events(response):
            timed.append((event, time.time_ns() // 1000))
            if event.is_terminal:
                break
    for event, received_us in timed:
        assert before_us <= event.data["t"] <= received_us
    plain = await read_stream(api, accepted["task_id"])
    assert [{k: v for k, v in e.data.items() if k != "t"} for e, _ in timed] == [e.data for e in plain]
    assert all("t" not in e.data for e in plain)


async def test_events_that_are_ready_together_go_out_in_one_chunk(api: httpx.AsyncClient) -> None:
    """A finished answer is all backlog: after the reconnection hint, one send (one HTTP chunk) holds it all."""
    conversation_id = await create_conversation(api)
    accepted = await send_message(api, conversation_id, "[sim tokens=12 tps=0 reasoning_tokens=2]")
    events = await read_stream(api, accepted["task_id"])
    chunks = []
    path = f"/stream/{accepted['task_id']}"
    credentials = {"Authorization": api.headers["Authorization"]}
    async with get_chunked(api.base_url.host, api.base_url.port or 80, path, headers=credentials) as response:
        while (chunk := await asyncio.wait_for(response.next_chunk(), 10)) is not None:
            if chunk != b": ping\n\n":  # in case the machine is slow enough for a keep-alive to come first
                chunks.append(chunk)
    assert chunks[0] == b"retry: 1000\n\n"
    assert len(chunks) == 2
    ids = [block.partition(b"\n")[0] for block in chunks[1].split(b"\n\n") if block]
    assert ids == [b"id: %d" % event.id for event in events]


async def test_a_viewer_that_goes_away_is_unsubscribed(api: httpx.AsyncClient, redis_url: str) -> None:
    conversation_id = await create_conversation(api)
    # Ten seconds of answer: long after the test has given up waiting for the unsubscription.
    accepted = await send_message(api, conversation_id, "[sim tokens=200 tps=20 reasoning_tokens=0]")
    channel = redis_keys.stream_channel(accepted["task_id"])
    redis = Redis.from_url(redis_url)

    async def subscribers() -> int:
        [(_, count)] = await redis.pubsub_numsub(channel)
        return int(count)

    try:
        async with api.stream("GET", f"/stream/{accepted['task_id']}") as response:
            async for _ in iter_events(response):
                # Checked here: leaving the loop closes the event reader, and with it the response.
                assert await subscribers() == 1, "the API process follows the answer for its viewer"
                break
        for _ in range(100):
            if await subscribers() == 0:
                break
            await asyncio.sleep(0.05)
        assert await subscribers() == 0, "the viewer hung up, but the API still follows the answer"
    finally:
        await redis.aclose()
