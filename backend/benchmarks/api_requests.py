"""API CPU per request, by endpoint: what a user's requests cost the API besides streaming, and what accounts add.

Starts a private Redis and PostgreSQL, the simulator, a worker and one API process, with the abuse limits relaxed
(devstack/relaxed_limits.py). Signs in GUESTS guests (request i acts as guest i % GUESTS), and has the worker
write the finished answers that the stream endpoints replay; then stops the worker: the measured routes need none,
and it would share the machine. Each endpoint is then called --requests times from CONCURRENCY keep-alive
connections, the endpoints in turn, for --rounds rounds. The API process's CPU time (/proc) over one endpoint's
requests, divided by their number, is one sample; the report gives each endpoint's median and range over the
rounds. A second pass counts PostgreSQL transactions per request (pg_stat_database), among them the streams of a
short and of a long answer: what a stream costs the database must not grow with its events. Last, sign-ins with a
wrong password and with an unknown email are timed one at a time, interleaved.

Run: `make bench-api-requests`; the results and how to read them are in docs/benchmarks/api-requests.md.
`--no-auth` measures an API from before accounts (commit 564e1d5), which has no sign-in: no guests, no
GET /auth/me and no sign-in timing.
"""

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from benchmarks.load import code_version, machine_facts
from benchmarks.private_stack import private_stack
from benchmarks.proc_stats import load_average
from devstack.components import start_api, start_simulator, start_worker
from devstack.ports import free_port

CONCURRENCY = 50
GUESTS = CONCURRENCY
WARM_UP_REQUESTS = 200
# The answers the stream endpoints replay: GUESTS short ones (one each), and a few long ones for the database pass.
# Slow enough that each token is an event of its own (tokens that reach the worker together share one).
SHORT_ANSWER = "[sim tokens=20 tps=20 ttft_ms=0 reasoning_tokens=0] an answer to replay"
LONG_ANSWER = "[sim tokens=1000 tps=100 ttft_ms=0 reasoning_tokens=0] a long answer to replay"
LONG_ANSWERS = 5
TRANSACTION_PASS_REQUESTS = 200
# PostgreSQL (15) reports an idle backend's counts within 10 s (PGSTAT_IDLE_INTERVAL); read after this long.
STATS_FLUSH_SECONDS = 11.0
ACCOUNT_PASSWORD = "the benchmark's password"

Call = Callable[[int], Awaitable[bytes]]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Finished:
    """A finished answer: its task, its conversation, its last event id (= its number of events), its owner."""

    task_id: str
    conversation_id: str
    terminal_id: int
    owner: int


class ApiBench:
    def __init__(self, http: aiohttp.ClientSession, url: str, pid: int, auth: bool) -> None:
        self.http = http
        self.url = url
        self.pid = pid
        self.auth = auth
        # Headers of each guest; one without any when the API has no accounts.
        self.users: list[dict[str, str]] = [{}]
        self.account = f"bench-{uuid.uuid4().hex[:8]}@example.com"
        self.short: list[Finished] = []
        self.long: list[Finished] = []
        # The conversations that this round's POST /conversations made, by request: the round's sends go to them.
        self.created: dict[int, str] = {}

    async def call(
        self, method: str, path: str, user: int | None, expected: int, body: object = None, **headers: str
    ) -> bytes:
        """One request as guest `user` (None: signed out), read to its end; anything but `expected` stops the run."""
        sent_headers = (self.users[user % len(self.users)] if user is not None else {}) | headers
        async with self.http.request(method, self.url + path, json=body, headers=sent_headers) as response:
            data = await response.read()
            if response.status != expected:
                raise RuntimeError(f"{method} {path}: HTTP {response.status} instead of {expected}: {data[:300]!r}")
            return data

    async def prepare(self) -> None:
        if self.auth:
            tokens = await asyncio.gather(*(self.call("POST", "/auth/guest", None, 201) for _ in range(GUESTS)))
            self.users = [{"Authorization": f"Bearer {json.loads(body)['token']}"} for body in tokens]
            credentials = {"email": self.account, "password": ACCOUNT_PASSWORD}
            await self.call("POST", "/auth/register", None, 201, credentials)
        self.short = list(await asyncio.gather(*(self._answer(SHORT_ANSWER, k) for k in range(GUESTS))))
        self.long = list(await asyncio.gather(*(self._answer(LONG_ANSWER, k) for k in range(LONG_ANSWERS))))

    async def _answer(self, content: str, user: int) -> Finished:
        conversation_id = json.loads(await self.call("POST", "/conversations", user, 201, {"title": "bench"}))["id"]
        path = f"/conversations/{conversation_id}/messages"
        task_id = json.loads(await self.call("POST", path, user, 202, {"content": content}))["task_id"]
        # Read to its end: the answer is saved as finished before its last event is sent.
        stream = await self.call("GET", f"/stream/{task_id}", user, 200)
        ids = [line for line in stream.splitlines() if line.startswith(b"id: ")]
        return Finished(task_id, conversation_id, int(ids[-1].removeprefix(b"id: ")), user)

    def endpoints(self) -> dict[str, Call]:
        """Each measured endpoint, as a call taking the request's number (which says the guest and the item)."""

        def at_the_end(index: int) -> Awaitable[bytes]:
            answer = self.short[index % len(self.short)]
            return self._replay(self.short, index, **{"Last-Event-ID": str(answer.terminal_id)})

        def read(index: int) -> Awaitable[bytes]:
            answer = self.short[index % len(self.short)]
            return self.call("GET", f"/conversations/{answer.conversation_id}", answer.owner, 200)

        def send(index: int) -> Awaitable[bytes]:
            return self.call("POST", f"/conversations/{self.created[index]}/messages", index, 202, {"content": "hi"})

        calls: dict[str, Call] = {"GET /healthz": lambda index: self.call("GET", "/healthz", index, 200)}
        if self.auth:
            calls["GET /auth/me"] = lambda index: self.call("GET", "/auth/me", index, 200)
        return calls | {
            "POST /conversations": self._create,
            "GET /conversations/{id}": read,
            "POST /conversations/{id}/messages": send,
            "GET /stream/{id}, finished, to its end": lambda index: self._replay(self.short, index),
            "GET /stream/{id}, Last-Event-ID at its end (204)": at_the_end,
        }

    def _replay(self, answers: list[Finished], index: int, **headers: str) -> Awaitable[bytes]:
        """A stream of one of `answers`, read to its end; with Last-Event-ID at its end, the 204."""
        answer = answers[index % len(answers)]
        expected = 204 if headers else 200
        return self.call("GET", f"/stream/{answer.task_id}", answer.owner, expected, **headers)

    async def _create(self, index: int) -> bytes:
        body = await self.call("POST", "/conversations", index, 201, {"title": "bench"})
        self.created[index] = json.loads(body)["id"]
        return body

    async def cpu_rounds(self, requests: int, rounds: int) -> dict[str, list[float]]:
        """µs of API CPU per request, one sample per endpoint per round."""
        calls = self.endpoints()
        for call in calls.values():  # warm-up: pools, caches, connections, the statements' compilation
            await _run(call, WARM_UP_REQUESTS)
        samples: dict[str, list[float]] = {name: [] for name in calls}
        for round_number in range(1, rounds + 1):
            for name, call in calls.items():
                before = cpu_seconds(self.pid)
                await _run(call, requests)
                samples[name].append((cpu_seconds(self.pid) - before) / requests * 1e6)
            print(f"  round {round_number} of {rounds}: " + ", ".join(
                f"{name} {values[-1]:.0f}" for name, values in samples.items()
            ) + " µs", flush=True)  # fmt: skip
        return samples

    async def transactions(self, database_url: str, requests: int) -> dict[str, dict[str, float]]:
        """PostgreSQL transactions (each autocommit statement is one) per request, by endpoint, and the API's CPU per
        request in this pass; the long answer's stream is measured here only."""
        long_one = f"GET /stream/{{id}}, finished, to its end ({self.long[0].terminal_id} events)"
        calls = self.endpoints() | {long_one: lambda index: self._replay(self.long, index)}
        database = await asyncpg.connect(database_url)
        try:

            async def committed() -> int:
                await asyncio.sleep(STATS_FLUSH_SECONDS)
                count: int = await database.fetchval(
                    "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
                )
                return count

            results: dict[str, dict[str, float]] = {}
            last = await committed()
            for name, call in calls.items():
                cpu_before = cpu_seconds(self.pid)
                await _run(call, requests)
                cpu = (cpu_seconds(self.pid) - cpu_before) / requests * 1e6
                count = await committed()
                # Less this pass's own reading transaction.
                results[name] = {"transactions": (count - last - 1) / requests, "cpu_us": cpu}
                last = count
                print(f"  {name}: {results[name]['transactions']:.2f} transactions per request", flush=True)
            return results
        finally:
            await database.close()

    async def login_pace(self, tries: int) -> dict[str, dict[str, list[float]]]:
        """Wall time (ms) and API CPU (µs, at the kernel's tick resolution) of each refused sign-in, one at a time,
        the two kinds interleaved: a wrong password (an argon2 verify against the account's hash) and an unknown
        email (the same verify against the stand-in hash)."""
        cases = {
            "wrong password": {"email": self.account, "password": "not the password at all"},
            "unknown email": {"email": "nobody-here@example.com", "password": "not the password at all"},
        }
        results: dict[str, dict[str, list[float]]] = {name: {"ms": [], "cpu_us": []} for name in cases}
        for _ in range(tries):
            for name, credentials in cases.items():
                cpu_before, started = cpu_seconds(self.pid), time.perf_counter()
                await self.call("POST", "/auth/login", None, 401, credentials)
                results[name]["ms"].append((time.perf_counter() - started) * 1000)
                results[name]["cpu_us"].append((cpu_seconds(self.pid) - cpu_before) * 1e6)
        return results


async def _run(call: Call, count: int) -> None:
    slots = asyncio.Semaphore(CONCURRENCY)

    async def one(index: int) -> None:
        async with slots:
            await call(index)

    await asyncio.gather(*(one(index) for index in range(count)))


def _session() -> aiohttp.ClientSession:
    # No cookie jar: guests act by Bearer token, as scripts must (a cookie without an Origin is refused).
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY), cookie_jar=aiohttp.DummyCookieJar())


async def _prepare(url: str, pid: int, auth: bool) -> ApiBench:
    async with _session() as http:
        bench = ApiBench(http, url, pid, auth)
        await bench.prepare()
    return bench


async def _measure(bench: ApiBench, args: argparse.Namespace, database_url: str) -> dict[str, Any]:
    async with _session() as http:
        bench.http = http
        print(f"API CPU per request: {args.rounds} rounds of {args.requests} requests per endpoint", flush=True)
        samples = await bench.cpu_rounds(args.requests, args.rounds)
        print(f"PostgreSQL transactions per request ({TRANSACTION_PASS_REQUESTS} requests per endpoint)", flush=True)
        transactions = await bench.transactions(database_url, TRANSACTION_PASS_REQUESTS)
        logins = await bench.login_pace(args.login_tries) if bench.auth else {}
    return {"cpu_us": samples, "transactions": transactions, "logins": logins}


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"median": statistics.median(ordered), "min": ordered[0], "max": ordered[-1], "count": len(ordered)}


def print_report(results: dict[str, Any]) -> None:
    print(f"\none API process ({results['code_version']}); {results['rounds']} rounds of {results['requests']} "
          f"requests per endpoint from {CONCURRENCY} connections; API CPU per request, median (min-max) of the "
          "rounds:")  # fmt: skip
    for name, values in results["cpu_us"].items():
        stats = summary(values)
        xacts = results["transactions"][name]["transactions"]
        print(f"  {name:52} {stats['median']:6.0f} µs ({stats['min']:.0f}-{stats['max']:.0f}); "
              f"{xacts:.2f} PostgreSQL transactions")  # fmt: skip
    for name, figures in results["transactions"].items():
        if name not in results["cpu_us"]:
            print(f"  {name:52} {figures['cpu_us']:6.0f} µs (one pass); {figures['transactions']:.2f} transactions")
    for name, figures in results["logins"].items():
        ms, cpu = summary(figures["ms"]), summary(figures["cpu_us"])
        mean_cpu = statistics.mean(figures["cpu_us"]) / 1000
        print(f"  POST /auth/login, {name:15} {ms['median']:6.1f} ms median ({ms['min']:.1f}-{ms['max']:.1f}) over "
              f"{ms['count']}; API CPU {cpu['median'] / 1000:.0f} ms median, {mean_cpu:.1f} ms mean")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="per endpoint per round (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=5, help="(default: %(default)s)")
    parser.add_argument("--login-tries", type=int, default=50, help="sign-ins of each kind (default: %(default)s)")
    parser.add_argument("--no-auth", action="store_true", help="the API has no accounts (before commit 2e720c0)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write every figure to this JSON file")
    args = parser.parse_args()
    if args.requests < WARM_UP_REQUESTS:
        parser.error(f"--requests must be at least {WARM_UP_REQUESTS}")
    version, started, load_before = code_version(), time.monotonic(), load_average()
    with private_stack("bench-api-requests-") as stack:
        supervisor, env = stack.supervisor, stack.env
        env["SIMULATOR_URL"] = start_simulator(supervisor, env, free_port())
        worker = start_worker(supervisor, env, concurrency=GUESTS + LONG_ANSWERS)
        url = start_api(supervisor, env, free_port(), access_log=False)
        pid = supervisor.child("api").pid
        bench = asyncio.run(_prepare(url, pid, auth=not args.no_auth))
        worker.stop()
        measured = asyncio.run(_measure(bench, args, stack.postgres_url))
    results = {
        "code_version": version,
        "machine": machine_facts(),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "command": " ".join(["python -m benchmarks.api_requests", *sys.argv[1:]]),
        "python": platform.python_version(),
        "requests": args.requests,
        "rounds": args.rounds,
        "concurrency": CONCURRENCY,
        "answers": {"short": [asdict(a) for a in bench.short], "long": [asdict(a) for a in bench.long]},
        "load_average": {"before": load_before, "after": load_average()},
        "wall_s": round(time.monotonic() - started),
        **measured,
    }
    print_report(results)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
