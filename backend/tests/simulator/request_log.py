"""Reads the simulator's request log, where each generation request's outcome is written once it has ended."""

import asyncio

import httpx
import orjson

_SETTLE_POLLS = 100
_SETTLE_POLL_SECONDS = 0.05


async def settled_outcomes(http: httpx.AsyncClient, marker: str) -> list[str]:
    """The outcomes of the logged requests whose body contains `marker`, oldest first, once none is in progress
    (a server notices a client hanging up only a moment later).
    """
    outcomes: list[str] = []
    for _ in range(_SETTLE_POLLS):
        entries = (await http.get("/_sim/requests")).json()["requests"]
        outcomes = [entry["outcome"] for entry in entries if marker in orjson.dumps(entry["body"]).decode()]
        if "in_progress" not in outcomes:
            break
        await asyncio.sleep(_SETTLE_POLL_SECONDS)
    return outcomes
