from typing import Any

import httpx

from app.core.config import Settings
from app.llm.deltas import ChatTurn
from app.llm.tokens import message_tokens
from app.services.history import fit_to_budget
from tests.api_client import create_conversation, get_conversation, send_message
from tests.model_requests import answer_request
from tests.sse_client import read_first, read_stream

SYSTEM = ChatTurn("system", "Be brief.")
TEST_BUDGET = 600  # HISTORY_TOKEN_BUDGET of the test stack (tests/conftest.py)


async def _model_input_for(simulator: httpx.AsyncClient, text: str) -> list[dict[str, Any]]:
    """What the model was sent when asked to answer the user message ``text``."""
    body = await answer_request(simulator, text)
    return [{"role": item["role"], "content": item["content"]} for item in body["input"]]


async def test_the_model_receives_the_system_prompt_and_the_conversation(
    api: httpx.AsyncClient, simulator: httpx.AsyncClient
) -> None:
    conversation_id = await create_conversation(api)
    turns = ["[sim tokens=5 tps=0] My name is Ada.", "[sim tokens=5 tps=0] Who wrote the first program?", "My name?"]
    for turn in turns:
        accepted = await send_message(api, conversation_id, turn)
        await read_stream(api, accepted["task_id"])

    messages = (await get_conversation(api, conversation_id))["messages"]
    sent = await _model_input_for(simulator, turns[-1])
    assert sent[0] == {"role": "system", "content": Settings().system_prompt}
    assert sent[1:] == [{"role": m["role"], "content": m["content"]} for m in messages[:-1]]
    assert len(sent) == 6


async def test_forty_turns_stay_within_the_budget_keeping_the_newest(
    api: httpx.AsyncClient, simulator: httpx.AsyncClient
) -> None:
    conversation_id = await create_conversation(api)
    for n in range(40):
        accepted = await send_message(api, conversation_id, f"[sim tokens=12 tps=0 reasoning_tokens=0] turn {n}")
        await read_stream(api, accepted["task_id"])
    messages = (await get_conversation(api, conversation_id))["messages"]
    assert len(messages) == 80

    sent = await _model_input_for(simulator, "] turn 39")
    assert sum(message_tokens(item["content"]) for item in sent) <= TEST_BUDGET
    history = sent[1:]
    assert 2 < len(history) < 79, "trimmed, but not to nothing"
    newest = [{"role": m["role"], "content": m["content"]} for m in messages[: len(messages) - 1]][-len(history) :]
    assert history == newest, "the kept turns are the newest ones, in order"
    assert history[0]["role"] == "user"


async def test_a_stopped_answer_is_shown_to_the_model_and_a_failed_one_is_not(
    api: httpx.AsyncClient, simulator: httpx.AsyncClient
) -> None:
    conversation_id = await create_conversation(api)
    slow = await send_message(api, conversation_id, "[sim tokens=200 tps=20 reasoning_tokens=0] tell me a long story")
    await read_first(api, slow["task_id"], 5)
    await api.post(f"/stream/{slow['task_id']}/cancel")
    await read_stream(api, slow["task_id"])
    follow_up = await send_message(api, conversation_id, "[sim tokens=3 tps=0] shorter, please")
    await read_stream(api, follow_up["task_id"])

    stopped = (await get_conversation(api, conversation_id))["messages"][1]
    assert stopped["status"] == "cancelled"
    sent = await _model_input_for(simulator, "shorter, please")
    assert {"role": "assistant", "content": stopped["content"]} in sent


def test_the_newest_turn_is_kept_even_over_budget() -> None:
    huge = ChatTurn("user", "word " * 2000)
    assert fit_to_budget(SYSTEM, [ChatTurn("user", "hi"), ChatTurn("assistant", "hello"), huge], 100) == [SYSTEM, huge]


def test_oldest_turns_go_first_and_history_starts_with_the_user() -> None:
    turns = [ChatTurn("user" if n % 2 == 0 else "assistant", f"message number {n}") for n in range(10)]
    per_turn = message_tokens(turns[0].content)
    kept = fit_to_budget(SYSTEM, turns, message_tokens(SYSTEM.content) + 3 * per_turn)
    assert kept == [SYSTEM, turns[8], turns[9]], "three newest fit, but the oldest of them was an answer"


def test_a_history_well_within_budget_is_kept_whole() -> None:
    turns = [ChatTurn("user" if n % 2 == 0 else "assistant", f"message number {n}") for n in range(10)]
    assert fit_to_budget(SYSTEM, turns, 10_000) == [SYSTEM, *turns]
    # Even then it starts with the user.
    assert fit_to_budget(SYSTEM, turns[1:], 10_000) == [SYSTEM, *turns[2:]]
