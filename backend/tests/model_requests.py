"""What the model service was asked, from the simulator's request log."""

from typing import Any

import httpx


async def answer_request(simulator: httpx.AsyncClient, marker: str) -> dict[str, Any]:
    """The body of the newest answer's request whose input mentions ``marker``. Answers are streamed; the title
    requested after a first answer is not, and it quotes the question, so it would otherwise match too."""
    recorded = (await simulator.get("/_sim/requests")).json()["requests"]
    body: dict[str, Any] = next(
        r["body"] for r in reversed(recorded) if r["body"].get("stream") and marker in str(r["body"].get("input"))
    )
    return body
