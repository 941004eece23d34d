"""Answers under fault, and the checks every chaos test makes of them.

Each check is what a user would notice: the answer ended (a terminal event reached the viewer, the row is final),
the viewer's text is the stored text, no event came twice and none is missing (ids only jump into a snapshot,
which replaces the text when Redis lost the events in between), and the conversation takes the next message.
"""

import asyncio
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis

from app.core import redis_keys
from tests.api_client import create_conversation, get_conversation, send_message
from tests.chaos.stack import ChaosStack
from tests.chaos.viewer import Viewer

# Generous: the answers here take a few seconds, a takeover about LEASE_SECONDS, a PostgreSQL outage 15 s.
FOLLOW_TIMEOUT_SECONDS = 120.0


@dataclass
class Answer:
    conversation_id: str
    task_id: str
    viewer: Viewer
    following: "asyncio.Task[Viewer]"


async def start_answers(stack: ChaosStack, count: int, directive: str) -> list[Answer]:
    """``count`` answers in as many conversations, each followed by a viewer from its first event on."""
    answers = []
    async with stack.client() as api:
        for _ in range(count):
            conversation_id = await create_conversation(api)
            accepted = await send_message(api, conversation_id, f"{directive} Tell me a story.")
            viewer = Viewer(stack.api_url, accepted["task_id"], stack.token)
            following = asyncio.create_task(viewer.follow(within=FOLLOW_TIMEOUT_SECONDS))
            answers.append(Answer(conversation_id, accepted["task_id"], viewer, following))
    return answers


async def until_streaming(answers: list[Answer], events: int = 3, within: float = 30) -> None:
    """Wait until every answer has streamed ``events`` events: the fault then strikes mid-answer."""
    deadline = time.monotonic() + within
    while any(len(answer.viewer.events) < events for answer in answers):
        assert time.monotonic() < deadline, "the answers did not start streaming"
        await asyncio.sleep(0.05)


async def lease_fields(stack: ChaosStack, task_id: str) -> dict[str, str]:
    redis = Redis.from_url(stack.redis.url)
    try:
        fields = await redis.hgetall(redis_keys.lease_key(task_id))
    finally:
        await redis.aclose()
    return {_text(key): _text(value) for key, value in fields.items()}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


async def busiest_worker(stack: ChaosStack, answers: list[Answer]) -> tuple[str, list[Answer]]:
    """The worker holding the most of these answers, and those answers."""
    held: dict[str, list[Answer]] = {}
    for answer in answers:
        owner = (await lease_fields(stack, answer.task_id)).get("owner", "")
        pid = int(owner.rpartition(":")[2])
        held.setdefault(stack.worker_by_pid(pid), []).append(answer)
    name = max(held, key=lambda worker: len(held[worker]))
    return name, held[name]


async def assert_whole(stack: ChaosStack, answers: list[Answer]) -> list[dict[str, Any]]:
    """Every check, for every answer; returns each answer's stored message."""
    stored = []
    async with stack.client() as api:
        for answer in answers:
            viewer = await answer.following
            message = next(
                m
                for m in (await get_conversation(api, answer.conversation_id))["messages"]
                if m["task_id"] == answer.task_id
            )
            assert message["status"] in ("completed", "cancelled", "failed"), message
            terminal = viewer.terminal
            assert terminal is not None
            assert terminal.data.get("status") == message["status"], (terminal.data, message["status"])
            _assert_ids_whole(viewer)
            assert viewer.text == message["content"], f"{answer.task_id}: the viewer's text is not the stored text"
            # A viewer arriving afterwards, from the start, sees the same answer.
            late = await Viewer(stack.api_url, answer.task_id, stack.token).follow(within=30)
            assert late.text == message["content"]
            _assert_ids_whole(late)
            stored.append(message)
        for answer in answers:
            await _assert_takes_the_next_message(stack, api, answer.conversation_id)
    return stored


def _assert_ids_whole(viewer: Viewer) -> None:
    ids = [event.id for event in viewer.events]
    assert ids
    assert ids[0] >= 1
    for previous, event in zip(viewer.events, viewer.events[1:], strict=False):
        assert event.id > previous.id, f"{viewer.task_id}: event {event.id} came again (after {previous.id})"
        if event.id != previous.id + 1:
            assert "snapshot" in event.data, f"{viewer.task_id}: events {previous.id + 1}..{event.id - 1} are missing"
    if ids[0] != 1:
        assert "snapshot" in viewer.events[0].data, f"{viewer.task_id}: events before {ids[0]} are missing"


async def _assert_takes_the_next_message(stack: ChaosStack, api: httpx.AsyncClient, conversation_id: str) -> None:
    accepted = await send_message(api, conversation_id, "[sim tokens=3] And then?")
    viewer = await Viewer(stack.api_url, accepted["task_id"], stack.token).follow(within=60)
    assert viewer.terminal is not None
    assert viewer.terminal.data.get("status") == "completed"


def record(fault: str, *, sees: str, viewers: list[Viewer], fault_at: float, **extra: object) -> None:
    """For the fault table (make reliability): what the viewers saw of this fault, one JSON line per run. Called
    after the checks passed, so every run recorded lost no event and no text."""
    path = os.environ.get("CHAOS_RECORD")
    if not path:
        return
    row = {
        "fault": fault,
        "sees": sees,
        "answers": len(viewers),
        "resumed_after": [viewer.resumed_after(fault_at) for viewer in viewers],
        "ended_after": [(viewer.arrivals[-1] - fault_at) if viewer.arrivals else None for viewer in viewers],
        "reconnects": [viewer.reconnects for viewer in viewers],
        **extra,
    }
    with Path(path).open("a") as out:
        out.write(json.dumps(row) + "\n")
