"""GET /conversations/{id} for a long conversation with branches: latency and API CPU per read, by size.

Starts a private Redis and PostgreSQL and one API process (no worker: nothing is generated). For each size, one
guest's conversation is written straight into PostgreSQL: a branch of SIZE messages (question, answer, ...), and on
every VERSIONS_EVERY-th turn two more versions of the answer and one edited question with its answer, so the tree
holds more messages than the branch shown. Then the conversation is read --reads times, one request at a time over
one keep-alive connection, after a warm-up; each read's wall time is a sample, and the API process's CPU time
(/proc) over all of them divided by their number is its CPU per read.

Run: `make bench-conversation-read`; the results are in docs/benchmarks/conversation-read.md.
"""

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import asyncpg

from benchmarks.api_requests import cpu_seconds
from benchmarks.load import code_version, machine_facts
from benchmarks.private_stack import private_stack
from devstack.components import start_api
from devstack.ports import free_port

SIZES = (10, 100, 500)
VERSIONS_EVERY = 10
WARM_UP_READS = 50
# About a paragraph each way: what a chat answer and question weigh.
QUESTION = "Could you explain how this part works, with an example? " * 3
ANSWER = "Here is how it works, step by step, with an example you can run. " * 12


def _rows(conversation_id: uuid.UUID, size: int) -> tuple[list[tuple[Any, ...]], uuid.UUID]:
    """The messages of a conversation whose branch shown is ``size`` messages long, and the end of that branch."""
    rows: list[tuple[Any, ...]] = []
    now = datetime.now(UTC)

    def add(parent: uuid.UUID | None, role: str, content: str) -> uuid.UUID:
        message_id = uuid.uuid4()
        at = now + timedelta(microseconds=len(rows))
        rows.append((message_id, conversation_id, parent, role, content, "", "completed", at, at))
        return message_id

    end: uuid.UUID | None = None
    for turn in range(size // 2):
        question = add(end, "user", QUESTION)
        if turn % VERSIONS_EVERY == VERSIONS_EVERY - 1:
            add(question, "assistant", ANSWER)
            add(question, "assistant", ANSWER)
            add(add(end, "user", QUESTION), "assistant", ANSWER)
        end = add(question, "assistant", ANSWER)
    assert end is not None
    return rows, end


async def _write(database_url: str, user_id: uuid.UUID, size: int) -> tuple[uuid.UUID, int]:
    conversation_id = uuid.uuid4()
    rows, end = _rows(conversation_id, size)
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute(
            "INSERT INTO conversation (id, user_id, title, current_message_id, created_at, updated_at)"
            " VALUES ($1, $2, $3, $4, now(), now())",
            conversation_id,
            user_id,
            f"{size} messages",
            end,
        )
        await connection.copy_records_to_table(
            "message",
            records=rows,
            columns=[
                "id",
                "conversation_id",
                "parent_id",
                "role",
                "content",
                "reasoning",
                "status",
                "created_at",
                "updated_at",
            ],
        )
        await connection.execute("ANALYZE message")
    finally:
        await connection.close()
    return conversation_id, len(rows)


async def _reads(url: str, token: str, conversation_id: uuid.UUID, pid: int, reads: int, size: int) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers, cookie_jar=aiohttp.DummyCookieJar()) as http:

        async def read() -> None:
            async with http.get(f"{url}/conversations/{conversation_id}") as response:
                body = await response.json()
                assert response.status == 200, body
                assert len(body["messages"]) == size, (len(body["messages"]), size)

        for _ in range(WARM_UP_READS):
            await read()
        samples: list[float] = []
        cpu_before = cpu_seconds(pid)
        for _ in range(reads):
            started = time.perf_counter()
            await read()
            samples.append((time.perf_counter() - started) * 1000)
        samples.append((cpu_seconds(pid) - cpu_before) * 1000 / reads)
    return samples


async def _guest(url: str) -> tuple[str, uuid.UUID]:
    async with aiohttp.ClientSession() as http, http.post(f"{url}/auth/guest") as response:
        body = await response.json()
    return body["token"], uuid.UUID(body["user"]["id"])


def _percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reads", type=int, default=500, help="reads per size (default: %(default)s)")
    args = parser.parse_args()
    with private_stack("bench-conversation-read-") as stack:
        supervisor, env = stack.supervisor, stack.env
        url = start_api(supervisor, env, free_port(), access_log=False)
        pid = supervisor.child("api").pid
        token, user_id = asyncio.run(_guest(url))
        print(f"GET /conversations/{{id}}, {args.reads} reads one at a time ({code_version()}; {machine_facts()})")
        print(f"{'branch shown':>13} {'in the tree':>12} {'p50 ms':>8} {'p99 ms':>8} {'API CPU ms/read':>16}")
        for size in SIZES:
            conversation_id, stored = asyncio.run(_write(stack.postgres_url, user_id, size))
            *wall, cpu = asyncio.run(_reads(url, token, conversation_id, pid, args.reads, size))
            ordered = sorted(wall)
            p50, p99 = statistics.median(ordered), _percentile(ordered, 0.99)
            print(f"{size:>13} {stored:>12} {p50:>8.2f} {p99:>8.2f} {cpu:>16.2f}", flush=True)
    print("command: python -m benchmarks.conversation_read " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
