"""CPU per token of reading a model's stream in the worker, by the SDK's HTTP transport: httpx2 or aiohttp.

Runs the simulator, then streams the same answers through `app.llm.model.ChatModel` (the worker's own read
path) with each transport in turn, several rounds alternating, and prints the CPU time this process spent
per token. Run: `make bench-model-read`.
"""

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import httpx2
import uvloop
from openai import AsyncOpenAI, DefaultAioHttpClient, DefaultAsyncHttpxClient
from pydantic import AnyUrl

from app.core.config import Settings
from app.llm.client import CONNECTION_LIMITS
from app.llm.deltas import ChatTurn
from app.llm.model import ChatModel
from devstack.components import start_simulator
from devstack.ports import free_port
from devstack.processes import Supervisor
from devstack.scratch import scratch_dir

TRANSPORTS: dict[str, Callable[[], httpx2.AsyncClient]] = {
    "httpx2": lambda: DefaultAsyncHttpxClient(limits=CONNECTION_LIMITS),
    "aiohttp": lambda: DefaultAioHttpClient(limits=CONNECTION_LIMITS),
}


async def cpu_per_token(base_url: str, transport: str, streams: int, tokens: int) -> float:
    """µs of this process's CPU per token, streams answers read concurrently (connections already warm)."""
    settings = Settings(simulator_url=AnyUrl(base_url), openai_reasoning_effort="off")
    client = AsyncOpenAI(api_key="bench", base_url=base_url, http_client=TRANSPORTS[transport](), max_retries=0)
    model = ChatModel(client, settings)

    async def one(index: int) -> None:
        turns = [ChatTurn("user", f"[sim tokens={tokens} tps=200 ttft_ms=0] question {index % 3}")]
        async for _ in model.stream(turns):
            pass

    try:
        await asyncio.gather(*(one(i) for i in range(streams)))  # opens the connections
        started = time.process_time()
        await asyncio.gather(*(one(i) for i in range(streams)))
        return (time.process_time() - started) / (streams * tokens) * 1e6
    finally:
        await model.close()


async def compare(base_url: str, rounds: int, streams: int, tokens: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {name: [] for name in TRANSPORTS}
    for _ in range(rounds):
        for name in TRANSPORTS:
            results[name].append(await cpu_per_token(base_url, name, streams, tokens))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--streams", type=int, default=50, help="answers read at once (default: %(default)s)")
    parser.add_argument("--tokens", type=int, default=400, help="tokens per answer, 200/s (default: %(default)s)")
    args = parser.parse_args()
    with scratch_dir("bench-model-read-") as root, Supervisor(Path(root)) as supervisor:
        base_url = start_simulator(supervisor, {}, free_port())
        results = uvloop.run(compare(base_url, args.rounds, args.streams, args.tokens))
    print(f"{args.streams} answers at once, {args.tokens} tokens each, {args.rounds} rounds; CPU µs per token:")
    for name, values in results.items():
        rounds = ", ".join(f"{value:.1f}" for value in values)
        print(f"  {name:8} median {statistics.median(values):5.1f}  (rounds: {rounds})")


if __name__ == "__main__":
    main()
