"""The worker's SDK client, against the simulator."""

import asyncio
import time

from app.llm.deltas import ChatTurn
from tests.llm.conftest import ModelFactory

# More than aiohttp's and httpx's default connection limits (100).
STREAMS = 150


async def test_one_client_streams_more_answers_at_once_than_default_connection_limits(
    make_model: ModelFactory,
) -> None:
    model = make_model(openai_reasoning_effort="off")
    first_tokens: list[float] = []
    finishes: list[float] = []

    async def answer(index: int) -> None:
        batches = model.stream([ChatTurn("user", f"[sim tokens=3 tps=2 ttft_ms=0] question {index}")])
        await anext(batches)
        first_tokens.append(time.monotonic())
        async for _ in batches:
            pass
        finishes.append(time.monotonic())

    await asyncio.gather(*(answer(index) for index in range(STREAMS)))
    assert len(first_tokens) == len(finishes) == STREAMS
    # Had a connection limit held some back, they would start only after others finished (1.5 s each).
    assert max(first_tokens) < min(finishes)
