#!/usr/bin/env python3
"""Load test client (aiohttp): N users at once, each creating a conversation, sending one message and reading
its answer's stream with `?timing=1`, then checking the stored answer against what it streamed.

Reports successes and failures (with reasons), time to first chunk, per-chunk delivery latency (receive time
minus the worker's append time "t", same machine clock; over the whole run, and over the steady part while
every user was streaming, none starting or finishing), completion time, lost / duplicated / out-of-order
events (from the gapless ids) and stored-versus-streamed mismatches, and throughput. Exits 0 only when every
user succeeded. Every request has a timeout and the run has a deadline (--timeout): it always ends by itself.

    python test_load.py --users 100 --tokens 200 --tps 10 [--ramp-seconds 5] [--reconnect-every 50] [--json out.json]

Several API processes: --api-url http://127.0.0.1:8000,http://127.0.0.1:8001 spreads users round-robin.

Each user is a guest of its own (POST /auth/guest), as the API's limits are per user; every user is signed in
before the timed part begins, and the sign-in is reported on its own line, outside every other figure. With
--token or --email all users act in that one session instead, so its user's limits apply to all of them together
(MAX_ANSWERS_AT_ONCE_PER_USER answers at once, 3 by default).

Limits: against a default `make dev` stack, many users from one address are refused (429) past
RATE_LIMIT_GUESTS_PER_IP (30 guests an hour) and RATE_LIMIT_SENDS_PER_IP (40 messages a minute). For a load
run, start the stack with both raised (the API reads them from the environment):
    RATE_LIMIT_GUESTS_PER_IP=100000/hour RATE_LIMIT_SENDS_PER_IP=100000/minute make dev

Why aiohttp: this client shares the machine with the server it measures, so its own cost per event matters;
aiohttp parses HTTP in C and keeps thousands of streaming connections on one event loop cheaply.
"""

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from tqdm import tqdm

from aio_chat import AioChat, Reconnects, new_session, share_session
from chat_stream import (
    Answer,
    ApiError,
    SignIn,
    SseEvent,
    add_common_arguments,
    parse_arguments,
    persisted_mismatches,
    sim_directive,
)
from load_stats import describe, distribution

# Without a progress bar (output not a terminal), a status line this often.
STATUS_EVERY_SECONDS = 10.0
# Margin of the default --timeout over the slowest answer's expected duration.
DEFAULT_TIMEOUT_MARGIN_SECONDS = 60.0
# Guests signing in at once, before the timed part.
SIGN_IN_CONCURRENCY = 50
# How often the report's timeline samples the streams open and the events received (to set beside what the servers
# report over time, such as Prometheus's gauges and counters).
TIMELINE_EVERY_SECONDS = 0.2
# Arguments left out of the report's config: secrets, and how the output goes.
UNREPORTED_ARGUMENTS = {"json", "no_progress", "signed_in_file", "token", "password", "sign_in"}
# What the API (or the way to it) can do to a user; anything else is a bug in this client.
API_FAILURES = (ApiError, aiohttp.ClientError, TimeoutError)


@dataclass
class UserRun:
    """One user's progress and outcome; filled in as it goes, so a run cut by its deadline still reports."""

    index: int
    phase: str = "signing in"
    sign_in_s: float | None = None
    sent_at: float | None = None  # wall clock, like the events' receive times
    first_chunk_at: float | None = None
    finished_at: float | None = None
    chunks: int = 0
    connections: int = 0
    stored_mismatch: bool = False
    answer: Answer = field(default_factory=Answer)
    failure: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.failure is None and self.phase == "done"


class LoadRun:
    def __init__(self, args: argparse.Namespace, api_urls: list[str]) -> None:
        self.args = args
        self.api_urls = api_urls
        self.users = [UserRun(index) for index in range(args.users)]
        # (worker append time in s, delivery latency in ms) per chunk.
        self.latencies: list[tuple[float, float]] = []
        self.open_streams = 0
        self.peak_open_streams = 0
        # Every event received, of any kind, on any stream; and (wall clock, streams open, events so far) samples.
        self.events_received = 0
        self.timeline: list[tuple[float, int, int]] = []
        self.message = sim_directive(args) + "Explain how a resumable stream survives a dropped connection."
        self.reconnects = Reconnects(
            after=args.reconnect_every or args.reconnect_after, repeat=bool(args.reconnect_every)
        )
        # The API's words for each kind of refusal seen (its first), and what to do about it.
        self.refusals: dict[str, str] = {}
        self.sign_in_seconds = 0.0
        # This process's CPU time when the timed part began: the report counts from there.
        self.cpu_at_start = 0.0

    def start_offset(self, index: int) -> float:
        """Users start evenly spread over the ramp."""
        ramp: float = self.args.ramp_seconds
        return ramp * index / len(self.users)

    async def sign_in(self, chats: list[AioChat]) -> None:
        """Before the timed part: each user a guest of its own, or all in the one session the arguments name."""
        how: SignIn = self.args.sign_in
        started = time.monotonic()
        if how.is_guest:
            slots = asyncio.Semaphore(SIGN_IN_CONCURRENCY)

            async def guest(user: UserRun) -> None:
                async with slots:
                    began = time.monotonic()
                    try:
                        await chats[user.index].sign_in(how)
                    except API_FAILURES as error:
                        self._fail(user, error)
                        return
                    user.sign_in_s = time.monotonic() - began

            await asyncio.gather(*(guest(user) for user in self.users))
        else:
            try:
                await share_session(chats, how)
            except API_FAILURES as error:
                for user in self.users:  # the one sign-in failed, and with it every user
                    self._fail(user, error)
        self.sign_in_seconds = time.monotonic() - started
        for user in self.users:
            user.phase = "waiting to start"

    def _fail(self, user: UserRun, error: ApiError | aiohttp.ClientError | TimeoutError) -> None:
        if isinstance(error, ApiError):
            user.failure = str(error)
            self.refusals.setdefault(user.failure, error.explanation)
        elif isinstance(error, aiohttp.ClientError):
            user.failure = f"{user.phase}: {type(error).__name__}"
        else:
            user.failure = f"{user.phase}: no answer within --request-timeout"

    async def run_user(self, chat: AioChat, user: UserRun) -> None:
        if user.failure is not None:
            return  # could not sign in
        await asyncio.sleep(self.start_offset(user.index))
        try:
            user.phase = "sending the message"
            user.sent_at = time.time()
            conversation_id, task_id = await chat.start_conversation(f"load user {user.index}", self.message)
            user.phase = "streaming"
            self.open_streams += 1
            self.peak_open_streams = max(self.peak_open_streams, self.open_streams)
            try:
                user.connections = await chat.follow(
                    task_id, user.answer, timing=True, reconnects=self.reconnects, on_event=self._recorder(user)
                )
            finally:
                self.open_streams -= 1
            user.phase = "checking the stored answer"
            stored = await chat.conversation(conversation_id)
        except API_FAILURES as error:
            self._fail(user, error)
            return
        user.phase = "done"
        user.stored_mismatch = bool(persisted_mismatches(stored, task_id, user.answer))
        if user.answer.status != "completed":
            user.failure = f"answer ended {user.answer.status}: {user.answer.error or ''}".rstrip(": ")
        elif user.answer.id_problems():
            user.failure = "events lost, duplicated or out of order"
        elif user.stored_mismatch:
            user.failure = "stored answer differs from the streamed one"

    def _recorder(self, user: UserRun) -> Callable[[SseEvent], None]:
        def record(event: SseEvent) -> None:
            self.events_received += 1
            if event.is_text:
                user.chunks += 1
                if user.first_chunk_at is None:
                    user.first_chunk_at = event.received_at
                latency = event.delivery_latency_ms
                if latency is not None:
                    self.latencies.append((event.received_at - latency / 1000, latency))
            if event.is_terminal:
                user.finished_at = event.received_at

        return record

    async def sample_timeline(self) -> None:
        """Until cancelled, every TIMELINE_EVERY_SECONDS: the wall clock, the streams open, the events received."""
        while True:
            self.timeline.append((time.time(), self.open_streams, self.events_received))
            await asyncio.sleep(TIMELINE_EVERY_SECONDS)

    def cut_short(self) -> None:
        """Called at the deadline: whoever has not finished failed, saying where it was."""
        for user in self.users:
            if user.phase != "done" and user.failure is None:
                user.failure = f"run timeout while {user.phase}"

    def report(self, wall_seconds: float) -> dict[str, Any]:
        users = self.users
        succeeded = sum(user.succeeded for user in users)
        sent = [user.sent_at for user in users if user.sent_at is not None]
        finished = [user.finished_at for user in users if user.finished_at is not None]
        window = max(finished) - min(sent) if sent and finished else 0.0
        chunks = sum(user.chunks for user in users)
        completed = sum(user.answer.status == "completed" for user in users)
        answer_tokens = (self.args.tokens or 0) + (self.args.reasoning_tokens or 0)
        signed_in = [user.sign_in_s * 1000 for user in users if user.sign_in_s is not None]
        return {
            "config": {key: value for key, value in vars(self.args).items() if key not in UNREPORTED_ARGUMENTS},
            "users": len(users),
            "succeeded": succeeded,
            "failed": len(users) - succeeded,
            "failure_reasons": dict(Counter(user.failure for user in users if user.failure).most_common()),
            "refusals": self.refusals,
            # Before the timed part, and in none of the figures below: how long signing every user in took, and
            # each guest's POST /auth/guest (none when all share the one session given).
            "sign_in": {"wall_s": round(self.sign_in_seconds, 3), "guest_ms": distribution(signed_in)},
            "time_to_first_chunk_ms": distribution(
                [(u.first_chunk_at - u.sent_at) * 1000 for u in users if u.first_chunk_at and u.sent_at]
            ),
            "delivery_latency_ms": distribution([latency for _, latency in self.latencies]),
            **self._steady_latency(),
            "completion_s": distribution([u.finished_at - u.sent_at for u in users if u.finished_at and u.sent_at]),
            "chunks": chunks,
            "lost": sum(user.answer.lost for user in users),
            "duplicated": sum(user.answer.duplicated for user in users),
            "out_of_order": sum(user.answer.out_of_order for user in users),
            "snapshots": sum(user.answer.snapshots for user in users),
            "stored_mismatches": sum(user.stored_mismatch for user in users),
            "stream_connections": sum(user.connections for user in users),
            "peak_open_streams": self.peak_open_streams,
            "events_received": self.events_received,
            "timeline": [[round(at, 3), open_streams, events] for at, open_streams, events in self.timeline],
            "throughput": {
                "window_s": round(window, 3),
                "chunks_per_s": round(chunks / window, 1) if window else None,
                # The tokens asked for, per completed answer (a chunk may carry several).
                "tokens_per_s": round(completed * answer_tokens / window, 1) if window and answer_tokens else None,
            },
            "wall_s": round(wall_seconds, 3),
            "client_cpu_s": round(time.process_time() - self.cpu_at_start, 3),
        }

    def _steady_latency(self) -> dict[str, Any]:
        """Latency of the chunks appended while every user was streaming: after the last first chunk and
        before the first answer ended, so that no user was starting or finishing (both cost the servers
        far more than a chunk does)."""
        no_steady_part = {"steady_window_s": None, "delivery_latency_steady_ms": distribution([])}
        first_chunks = [user.first_chunk_at for user in self.users if user.first_chunk_at is not None]
        finishes = [user.finished_at for user in self.users if user.finished_at is not None]
        sent = [user.sent_at for user in self.users if user.sent_at is not None]
        if len(first_chunks) < len(self.users) or not finishes or not sent:
            return no_steady_part
        start, end = max(first_chunks), min(finishes)
        if start >= end:
            return no_steady_part
        steady = [latency for appended, latency in self.latencies if start <= appended <= end]
        return {
            "steady_window_s": [round(start - min(sent), 3), round(end - min(sent), 3)],
            "delivery_latency_steady_ms": distribution(steady),
        }


async def _watch(run: LoadRun, tasks: list["asyncio.Task[None]"], show_bar: bool) -> None:
    """A progress bar on a terminal, else a status line every STATUS_EVERY_SECONDS."""
    started = time.monotonic()
    with tqdm(total=len(tasks), unit="user", disable=not show_bar, file=sys.stderr) as bar:
        last_status = started
        while True:
            done = sum(task.done() for task in tasks)
            failed = sum(user.failure is not None for user in run.users)
            bar.update(done - bar.n)
            bar.set_postfix(streaming=run.open_streams, failed=failed, refresh=False)
            now = time.monotonic()
            if not show_bar and now - last_status >= STATUS_EVERY_SECONDS:
                last_status = now
                print(f"{now - started:6.0f} s: {done}/{len(tasks)} users done, {run.open_streams} streaming, "
                      f"{failed} failed", file=sys.stderr, flush=True)  # fmt: skip
            if done == len(tasks):
                return
            await asyncio.sleep(0.5)


async def run_load(args: argparse.Namespace, api_urls: list[str]) -> dict[str, Any]:
    run = LoadRun(args, api_urls)
    # Each user holds one stream and briefly one request connection.
    async with new_session(connections=2 * args.users + 10) as session:
        # Round-robin over the API processes, as a load balancer would.
        chats = [AioChat(session, api_urls[user.index % len(api_urls)], args.request_timeout) for user in run.users]
        await run.sign_in(chats)
        signed_in = sum(user.failure is None for user in run.users)
        kind = "guests of their own" if args.sign_in.is_guest else "one session"
        print(f"{signed_in:,} of {args.users:,} users signed in ({kind}) in {run.sign_in_seconds:.1f} s; "
              "the timed part begins", file=sys.stderr, flush=True)  # fmt: skip
        if args.signed_in_file is not None:
            args.signed_in_file.touch()
        started, run.cpu_at_start = time.monotonic(), time.process_time()
        tasks = [asyncio.create_task(run.run_user(chats[user.index], user)) for user in run.users]
        watcher = asyncio.create_task(_watch(run, tasks, show_bar=not args.no_progress and sys.stderr.isatty()))
        sampler = asyncio.create_task(run.sample_timeline())
        _, pending = await asyncio.wait(tasks, timeout=args.timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await watcher
        sampler.cancel()
    run.cut_short()
    return run.report(time.monotonic() - started)


def print_report(report: dict[str, Any]) -> None:
    print(f"\nusers: {report['users']:,}, succeeded {report['succeeded']:,}, failed {report['failed']:,} "
          f"(peak {report['peak_open_streams']:,} streams open at once)")  # fmt: skip
    for reason, count in report["failure_reasons"].items():
        print(f"  {count:>6,}: {reason}")
    for explanation in report["refusals"].values():
        print(f"  {explanation}")
    sign_in = report["sign_in"]
    print(f"{describe('sign-in per guest', sign_in['guest_ms'], 'ms')}; {sign_in['wall_s']} s in all, not timed")
    print(describe("time to first chunk", report["time_to_first_chunk_ms"], "ms"))
    print(describe("delivery latency/chunk", report["delivery_latency_ms"], "ms"))
    if (window := report["steady_window_s"]) is not None:
        label = f"  steady ({window[0]:.0f}-{window[1]:.0f} s)"
        print(describe(label, report["delivery_latency_steady_ms"], "ms"))
    print(describe("completion time", report["completion_s"], "s"))
    print(f"events lost {report['lost']}, duplicated {report['duplicated']}, out of order {report['out_of_order']}; "
          f"snapshots {report['snapshots']}; stored answers differing {report['stored_mismatches']}")  # fmt: skip
    throughput = report["throughput"]
    print(f"{report['chunks']:,} chunks over {throughput['window_s']} s: {throughput['chunks_per_s']} chunks/s, "
          f"{throughput['tokens_per_s']} tokens/s; {report['stream_connections']:,} stream connections; "
          f"client CPU {report['client_cpu_s']} s in {report['wall_s']} s")  # fmt: skip


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(parser, tokens=200, tps=10, ttft_ms=0, reasoning_tokens=0)
    parser.add_argument("--users", type=int, default=10, help="concurrent users (default: %(default)s)")
    parser.add_argument(
        "--ramp-seconds", type=float, default=0.0, help="users start evenly within this window (default: all at once)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        help="deadline for the timed part (after signing in), s (default: from the answer shape)",
    )
    resume = parser.add_mutually_exclusive_group()
    resume.add_argument("--reconnect-after", type=int, metavar="K", help="drop each stream once after K events")
    resume.add_argument("--reconnect-every", type=int, metavar="K", help="drop each stream after every K events")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write every figure to this JSON file")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--signed-in-file",
        type=Path,
        metavar="PATH",
        help="create this file once every user is signed in, as the timed part begins (for a harness that measures "
        "the servers over the timed part only, such as benchmarks/load.py)",
    )
    args = parse_arguments(parser, argv)
    if args.users < 1:
        parser.error("--users must be at least 1")
    for name in ("reconnect_after", "reconnect_every"):
        if (getattr(args, name) or 1) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.timeout is None:
        args.timeout = args.ramp_seconds + 3 * expected_answer_seconds(args) + DEFAULT_TIMEOUT_MARGIN_SECONDS
    return args


def expected_answer_seconds(args: argparse.Namespace) -> float:
    tokens = (args.tokens or 0) + (args.reasoning_tokens or 0)
    return (args.ttft_ms or 0) / 1000 + (tokens / args.tps if args.tps else 0.0)


def main() -> int:
    args = parse_args()
    api_urls = [url.strip() for url in args.api_url.split(",") if url.strip()]
    print(f"{args.users:,} users against {', '.join(api_urls)}: {args.tokens} tokens at {args.tps:g}/s each, "
          f"ramp {args.ramp_seconds:g} s, deadline {args.timeout:.0f} s", file=sys.stderr)  # fmt: skip
    report = asyncio.run(run_load(args, api_urls))
    print_report(report)
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
    return 0 if report["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
