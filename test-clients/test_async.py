#!/usr/bin/env python3
"""Asynchronous test client (aiohttp): the same round trip as test_sync.py for several conversations at once.
Each creates a conversation, sends a message and follows its stream; then each answer is checked against what
PostgreSQL kept. One conversation prints its answer as it streams; several print a line each as they finish.
Exits 0 when every answer matched, 1 on a mismatch, 2 when the API failed (or refused: a 401 or 429 says why).
Each conversation is a new guest's (a guest may have one answer in progress at a time); with --token or --email
they are all that one user's, which may have MAX_ANSWERS_AT_ONCE_PER_USER (3 by default) in progress at once.

    python test_async.py [--api-url http://127.0.0.1:8000] [--conversations 5] [--tokens 40 --tps 20]
"""

import argparse
import asyncio
import sys
import time

import aiohttp

from aio_chat import AioChat, new_session, share_session
from chat_stream import (
    Answer,
    ApiError,
    LiveText,
    SignIn,
    add_common_arguments,
    parse_arguments,
    persisted_mismatches,
    sim_directive,
)

EXIT_MISMATCH = 1
EXIT_API_FAILED = 2
# What the API (or the way to it) can do to a conversation; anything else is a bug in this client.
API_FAILURES = (ApiError, aiohttp.ClientError, TimeoutError, ValueError)


async def converse(chat: AioChat, number: int, message: str, live: bool, guest: bool) -> list[str]:
    """One conversation's round trip, as a new guest if `guest`; returns its mismatches (empty when stream and
    storage agree)."""
    if guest:
        await chat.sign_in(SignIn())
    conversation_id = await chat.create_conversation(f"test_async {number}")
    task_id = await chat.send_message(conversation_id, message)
    started = time.monotonic()
    answer = Answer()
    await chat.follow(task_id, answer, on_event=LiveText().show if live else lambda event: None)
    took = time.monotonic() - started
    stored = await chat.conversation(conversation_id)
    problems = persisted_mismatches(stored, task_id, answer) + answer.id_problems()
    verdict = "MISMATCH" if problems else "stored as streamed"
    if live:
        print("\n")
    print(f"[conversation {number}: {answer.status} in {took:.2f} s, {answer.last_id} events, {verdict}]", flush=True)
    return problems


async def run(args: argparse.Namespace) -> int:
    message = sim_directive(args) + args.message
    numbers = range(1, args.conversations + 1)
    async with new_session(connections=2 * args.conversations) as session:
        chats = [AioChat(session, args.api_url, args.request_timeout) for _ in numbers]
        guests = args.sign_in.is_guest
        if not guests:
            try:
                await share_session(chats, args.sign_in)
            except API_FAILURES as error:
                print(f"signing in failed: {_failure(error)}", file=sys.stderr)
                return EXIT_API_FAILED
        live = args.conversations == 1
        outcomes = await asyncio.gather(
            *(converse(chat, number, message, live, guests) for number, chat in zip(numbers, chats, strict=True)),
            return_exceptions=True,
        )
    failed = mismatched = 0
    for number, outcome in zip(numbers, outcomes, strict=True):
        if isinstance(outcome, API_FAILURES):
            failed += 1
            print(f"FAILED conversation {number}: {_failure(outcome)}", file=sys.stderr)
        elif isinstance(outcome, BaseException):
            raise outcome  # a bug in this client, not an API failure
        elif outcome:
            mismatched += 1
            for problem in outcome:
                print(f"MISMATCH conversation {number}: {problem}", file=sys.stderr)
    correct = args.conversations - failed - mismatched
    print(f"{correct} of {args.conversations} conversations streamed and stored correctly")
    if failed:
        return EXIT_API_FAILED
    return EXIT_MISMATCH if mismatched else 0


def _failure(error: BaseException) -> str:
    return error.explanation if isinstance(error, ApiError) else repr(error)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(parser)
    parser.add_argument("--message", default="Explain resumable streams in two paragraphs.")
    parser.add_argument("--conversations", type=int, default=3, help="conversations at once (default: %(default)s)")
    args = parse_arguments(parser)
    if args.conversations < 1:
        parser.error("--conversations must be at least 1")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
