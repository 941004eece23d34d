#!/usr/bin/env python3
"""Synchronous test client (requests): one conversation, one message, the answer printed as it streams, then a
check that PostgreSQL kept exactly what was streamed. Exits 0 when it did, 1 when not, 2 when the API failed.

    python test_sync.py [--api-url http://127.0.0.1:8000] [--message "…"] [--tokens 40 --tps 20]
"""

import argparse
import sys
import time

import requests

from chat_stream import Answer, LiveText, SseParser, add_common_arguments, persisted_mismatches, sim_directive

EXIT_MISMATCH = 1
EXIT_API_FAILED = 2
MAX_CONNECTIONS = 6  # one, plus resumes if the server ends the stream early (say, an API restart)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(parser)
    parser.add_argument("--message", default="Explain resumable streams in two paragraphs.")
    args = parser.parse_args()
    api = args.api_url.rstrip("/")
    timeout = args.request_timeout
    with requests.Session() as http:
        try:
            created = http.post(f"{api}/conversations", json={"title": "test_sync"}, timeout=timeout)
            created.raise_for_status()
            conversation_id = created.json()["id"]
            sent = http.post(
                f"{api}/conversations/{conversation_id}/messages",
                json={"content": sim_directive(args) + args.message},
                timeout=timeout,
            )
            sent.raise_for_status()
            task_id = sent.json()["task_id"]
            print(f"conversation {conversation_id}, task {task_id}\n", flush=True)
            started = time.monotonic()
            answer = Answer()
            live = LiveText()
            for _ in range(MAX_CONNECTIONS):
                _read_stream(http, f"{api}/stream/{task_id}", answer, live, timeout)
                if answer.finished:
                    break
            else:
                print(f"\nthe stream ended {MAX_CONNECTIONS} times without its terminal event", file=sys.stderr)
                return EXIT_API_FAILED
            stored = http.get(f"{api}/conversations/{conversation_id}", timeout=timeout)
            stored.raise_for_status()
        except requests.RequestException as error:
            print(f"\nAPI request failed: {error}", file=sys.stderr)
            return EXIT_API_FAILED
    print(f"\n\n[{answer.status} in {time.monotonic() - started:.2f} s, {answer.last_id} events]")
    problems = persisted_mismatches(stored.json(), task_id, answer)
    problems += answer.id_problems()
    for problem in problems:
        print(f"MISMATCH {problem}", file=sys.stderr)
    if problems:
        return EXIT_MISMATCH
    print("persisted answer matches the stream")
    return 0


def _read_stream(http: requests.Session, url: str, answer: Answer, live: LiveText, timeout: float) -> None:
    """Read events into `answer`, printing its text live, until the terminal event or the end of the response."""
    headers = {"Last-Event-ID": str(answer.last_id)} if answer.last_id else {}
    # (connect, read): the read timeout is the longest silence tolerated; keep-alive comments come every 15 s.
    with http.get(url, headers=headers, stream=True, timeout=(timeout, timeout)) as response:
        response.raise_for_status()
        parser = SseParser()
        # chunk_size=None: each piece as it arrives, not once a buffer fills.
        for chunk in response.iter_content(chunk_size=None):
            for event in parser.feed(chunk):
                answer.apply(event)
                live.show(event)
                if answer.finished:
                    return


if __name__ == "__main__":
    sys.exit(main())
