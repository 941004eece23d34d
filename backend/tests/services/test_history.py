import httpx

from tests.api_client import create_conversation, get_conversation, send_message
from tests.sse_client import read_stream


async def test_the_model_receives_the_whole_conversation(api: httpx.AsyncClient, simulator: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    turns = [
        "[sim tokens=5 tps=0] My name is Ada.",
        "[sim tokens=5 tps=0] Who wrote the first program?",
        "And my name?",
    ]
    for turn in turns:
        accepted = await send_message(api, conversation_id, turn)
        await read_stream(api, accepted["task_id"])

    messages = (await get_conversation(api, conversation_id))["messages"]
    recorded = (await simulator.get("/_sim/requests")).json()["requests"]
    last_input = next(r["body"]["input"] for r in reversed(recorded) if _mentions(r["body"], turns[-1]))
    expected = [{"role": m["role"], "content": m["content"]} for m in messages[:-1]]
    assert [{"role": item["role"], "content": item["content"]} for item in last_input] == expected
    assert len(expected) == 5


def _mentions(body: dict[str, object], text: str) -> bool:
    return text in str(body.get("input"))
