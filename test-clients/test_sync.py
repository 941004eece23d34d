#!/usr/bin/env python3
"""Synchronous test client (requests): one conversation, one message, the answer printed as it streams, then a
check that PostgreSQL kept exactly what was streamed. Exits 0 when it did, 1 when not, 2 when the API failed
(or refused: a 401 or 429 says why). Signs in as a new guest unless given --token or --email.

    python test_sync.py [--api-url http://127.0.0.1:8000] [--message "…"] [--tokens 40 --tps 20]
"""

import argparse
import sys
import time
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import requests

from chat_stream import (
    Answer,
    ApiError,
    LiveText,
    SignIn,
    SseParser,
    add_common_arguments,
    bearer,
    parse_arguments,
    persisted_mismatches,
    refusal,
    sim_directive,
)

EXIT_MISMATCH = 1
EXIT_API_FAILED = 2
MAX_CONNECTIONS = 6  # one, plus resumes if the server ends the stream early (say, an API restart)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(parser)
    parser.add_argument("--message", default="Explain resumable streams in two paragraphs.")
    args = parse_arguments(parser)
    with requests.Session() as http:
        # No cookies: the session goes as a Bearer token (the cookie without the web app's Origin is refused).
        http.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        api = SyncApi(http, args.api_url, args.request_timeout)
        try:
            api.sign_in(args.sign_in)
            conversation_id = api.call("POST", "/conversations", 201, {"title": "test_sync"})["id"]
            content = sim_directive(args) + args.message
            task_id = api.call("POST", f"/conversations/{conversation_id}/messages", 202, {"content": content})[
                "task_id"
            ]
            print(f"conversation {conversation_id}, task {task_id}\n", flush=True)
            started = time.monotonic()
            answer = Answer()
            live = LiveText()
            for _ in range(MAX_CONNECTIONS):
                api.read_stream(task_id, answer, live)
                if answer.finished:
                    break
            else:
                print(f"\nthe stream ended {MAX_CONNECTIONS} times without its terminal event", file=sys.stderr)
                return EXIT_API_FAILED
            stored = api.call("GET", f"/conversations/{conversation_id}", 200)
        except ApiError as error:
            print(f"\nrefused: {error.explanation}", file=sys.stderr)
            return EXIT_API_FAILED
        except requests.RequestException as error:
            print(f"\nAPI request failed: {error}", file=sys.stderr)
            return EXIT_API_FAILED
    print(f"\n\n[{answer.status} in {time.monotonic() - started:.2f} s, {answer.last_id} events]")
    problems = persisted_mismatches(stored, task_id, answer)
    problems += answer.id_problems()
    for problem in problems:
        print(f"MISMATCH {problem}", file=sys.stderr)
    if problems:
        return EXIT_MISMATCH
    print("persisted answer matches the stream")
    return 0


class SyncApi:
    """The API calls of this client, over one requests session."""

    def __init__(self, http: requests.Session, api_url: str, timeout: float) -> None:
        self._http = http
        self._api = api_url.rstrip("/")
        self._timeout = timeout

    def sign_in(self, how: SignIn) -> None:
        """Open the session `how` says (a given token is taken as it is); later calls carry it."""
        token = how.token
        if token is None:
            path, body, expected = how.request()
            token = str(self.call("POST", path, expected, body)["token"])
        self._http.headers.update(bearer(token))

    def call(self, method: str, path: str, expected: int, body: object = None) -> dict[str, Any]:
        response = self._http.request(method, self._api + path, json=body, timeout=self._timeout)
        if response.status_code != expected:
            raise refusal(method, path, response.status_code, response.text)
        result: dict[str, Any] = response.json()
        return result

    def read_stream(self, task_id: str, answer: Answer, live: LiveText) -> None:
        """Read events into `answer`, printing its text live, until the terminal event or the end of the response."""
        path = f"/stream/{task_id}"
        headers = {"Last-Event-ID": str(answer.last_id)} if answer.last_id else {}
        # (connect, read): the read timeout is the longest silence tolerated; keep-alive comments come every 15 s.
        timeouts = (self._timeout, self._timeout)
        with self._http.get(self._api + path, headers=headers, stream=True, timeout=timeouts) as response:
            if response.status_code != 200:
                raise refusal("GET", path, response.status_code, response.text)
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
