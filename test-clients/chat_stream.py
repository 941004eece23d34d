"""What every test client shares: signing in, the API's refusals, the SSE wire format, the answer a viewer
assembles, and the checks on it.

The stream's contract (README, "The stream"): each event has an `id:` that counts 1, 2, 3, … without gaps and a
JSON `data:` object; `{"content"}` and `{"reasoning"}` append, `{"snapshot"}` replaces everything before it, and
`{"done"}` or `{"error"}` ends the answer. `Answer` applies events under that contract and counts every way a
stream can break it (a missing id, a repeated one, one arriving after a later one).
"""

import argparse
import getpass
import json
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

DEFAULT_API_URL = "http://127.0.0.1:8000"
TEXT_FIELDS = ("content", "reasoning")
# What to do about a refusal, by status; the API's own `detail` says why.
_HINTS = {
    401: "sign in again: pass a valid --token (or CHAT_TOKEN), or --email and --password, or neither to be a guest",
    429: "the API's abuse limits refused it (see Retry-After); on a stack of your own raise them for a test run, "
    "as test-clients/README.md shows",
}


class ApiError(Exception):
    """A request that did not get the answer the API promises. The message is the short reason (method, route and
    status: what reports group by); `explanation` adds the API's own words and, for a 401 or 429, what to do."""

    def __init__(self, reason: str, status: int | None = None, detail: str | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.detail = detail

    @property
    def explanation(self) -> str:
        text = f"{self}: {self.detail}" if self.detail else str(self)
        hint = _HINTS.get(self.status or 0)
        return f"{text}\n  {hint}" if hint else text


def refusal(method: str, path: str, status: int, body: str) -> ApiError:
    """The error for a response with an unexpected status, its body the API's `{"detail": …}` (or anything)."""
    try:
        detail = json.loads(body).get("detail")
    except (ValueError, AttributeError):
        detail = None
    return ApiError(f"{method} {route(path)}: HTTP {status}", status, detail if isinstance(detail, str) else None)


def route(path: str) -> str:
    """The path with ids replaced, so that reasons group in a report: /conversations/{id}/messages."""
    parts = path.split("?", 1)[0].split("/")
    return "/".join("{id}" if index == 2 and parts[1] != "auth" else part for index, part in enumerate(parts))


@dataclass(frozen=True)
class SignIn:
    """Whose session a client acts in: the one of a token it was given, an account's (POST /auth/login), or a new
    guest's (POST /auth/guest). Requests then carry it as `Authorization: Bearer`, never as the cookie (which the
    API's CSRF check refuses without the web app's Origin)."""

    token: str | None = field(default=None, repr=False)
    email: str | None = None
    password: str = field(default="", repr=False)

    def request(self) -> tuple[str, dict[str, str] | None, int]:
        """The request that opens the session: path, JSON body and the status that means success."""
        if self.email is not None:
            return "/auth/login", {"email": self.email, "password": self.password}, 200
        return "/auth/guest", None, 201

    @property
    def is_guest(self) -> bool:
        """A new guest's session, rather than one given or an account's: a client may open one per user."""
        return self.token is None and self.email is None


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class SseEvent:
    id: int
    data: dict[str, Any]
    # Wall-clock time (s since the epoch) at which the client had the whole event.
    received_at: float

    @property
    def is_terminal(self) -> bool:
        return "done" in self.data or "error" in self.data

    @property
    def is_text(self) -> bool:
        return any(name in self.data for name in TEXT_FIELDS)

    @property
    def delivery_latency_ms(self) -> float | None:
        """Receive time minus the worker's append time (`"t"`, present with `?timing=1`); same machine clock."""
        appended_us = self.data.get("t")
        if not isinstance(appended_us, int) or appended_us <= 0:
            return None
        return (self.received_at * 1_000_000 - appended_us) / 1000


class SseParser:
    """Turns the response body, fed in chunks as they arrive, into events.

    Chunks rather than lines: a load client reads thousands of events a second, and splitting each network
    read once costs far less than a library call per line. Comments (keep-alives) and `retry:` are skipped.
    """

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, chunk: bytes) -> list[SseEvent]:
        received_at = time.time()
        if b"\r" in chunk:
            chunk = chunk.replace(b"\r\n", b"\n")
        *blocks, self._pending = (self._pending + chunk).split(b"\n\n")
        events = []
        for block in blocks:
            event = _parse_block(block, received_at)
            if event is not None:
                events.append(event)
        return events


def _parse_block(block: bytes, received_at: float) -> SseEvent | None:
    event_id: bytes | None = None
    data: list[bytes] = []
    for line in block.split(b"\n"):
        name, _, value = line.partition(b":")
        value = value.removeprefix(b" ")
        if name == b"id":
            event_id = value
        elif name == b"data":
            data.append(value)
    if not data:
        return None
    if event_id is None or not event_id.isdigit():
        raise ValueError(f"an event without a numeric id: {block!r}")
    payload = json.loads(b"\n".join(data))
    if not isinstance(payload, dict):
        raise ValueError(f"event data is not a JSON object: {block!r}")
    return SseEvent(int(event_id), payload, received_at)


@dataclass
class Answer:
    """The text a viewer shows, assembled from events, with a count of every breach of the id contract."""

    content: str = ""
    reasoning: str = ""
    status: str | None = None
    error: str | None = None
    duplicated: int = 0
    out_of_order: int = 0
    snapshots: int = 0
    _received: set[int] = field(default_factory=set)
    _highest: int = 0
    # Ids up to this one were replaced by a snapshot: not receiving them is not a loss.
    _covered_through: int = 0
    _terminal_id: int | None = None

    @property
    def last_id(self) -> int:
        """The cursor to resume from (`Last-Event-ID`)."""
        return self._highest

    @property
    def finished(self) -> bool:
        return self.status is not None

    @property
    def lost(self) -> int:
        """Ids before the last one received (the terminal one, once there) that never arrived."""
        last = self._terminal_id if self._terminal_id is not None else self._highest
        return sum(1 for seq in range(self._covered_through + 1, last + 1) if seq not in self._received)

    def id_problems(self) -> list[str]:
        """Breaches of the id contract, as sentences; empty when the stream kept it."""
        counts = {"lost": self.lost, "duplicated": self.duplicated, "out of order": self.out_of_order}
        return [f"{count} event(s) {kind}" for kind, count in counts.items() if count]

    def apply(self, event: SseEvent) -> None:
        if event.id in self._received:
            self.duplicated += 1
            return  # applying it again would repeat its text
        if event.id < self._highest:
            self.out_of_order += 1
        self._received.add(event.id)
        self._highest = max(self._highest, event.id)
        data = event.data
        if "snapshot" in data:
            self.snapshots += 1
            self.content = data["snapshot"].get("content", "")
            self.reasoning = data["snapshot"].get("reasoning", "")
            self._covered_through = max(self._covered_through, event.id - 1)
        self.content += data.get("content", "")
        self.reasoning += data.get("reasoning", "")
        if event.is_terminal:
            self.status = str(data.get("status", "completed" if data.get("done") else "failed"))
            self.error = data.get("error")
            self._terminal_id = event.id


class LiveText:
    """Prints an answer as it streams: reasoning (dimmed on a terminal) first, then the content."""

    def __init__(self) -> None:
        self._shown_reasoning = False
        self._shown_content = False

    def show(self, event: SseEvent) -> None:
        data = event.data
        if "snapshot" in data:
            self._print(f"\n[snapshot: the events before it had expired]\n{data['snapshot'].get('content', '')}")
            self._shown_content = True
        if data.get("reasoning"):
            dim, plain = ("\033[2m", "\033[0m") if sys.stdout.isatty() else ("", "")
            self._print(f"{dim}{data['reasoning']}{plain}")
            self._shown_reasoning = True
        if data.get("content"):
            if self._shown_reasoning and not self._shown_content:
                self._print("\n\n")
            self._print(data["content"])
            self._shown_content = True
        if "error" in data:
            self._print(f"\n[error] {data['error']}")

    @staticmethod
    def _print(text: str) -> None:
        print(text, end="", flush=True)


def persisted_mismatches(conversation: dict[str, Any], task_id: str, answer: Answer) -> list[str]:
    """How the answer stored in PostgreSQL (GET /conversations/{id}) differs from the streamed one; empty if not."""
    stored = next((m for m in conversation.get("messages", []) if m.get("task_id") == task_id), None)
    if stored is None:
        return [f"no stored message has task_id {task_id}"]
    problems = []
    if stored.get("status") != answer.status:
        problems.append(f"status: stored {stored.get('status')!r}, streamed {answer.status!r}")
    for name in TEXT_FIELDS:
        streamed = getattr(answer, name)
        kept = stored.get(name) or ""
        if kept != streamed:
            problems.append(f"{name}: stored {len(kept)} characters, streamed {len(streamed)}, differing")
    return problems


def sim_directive(args: argparse.Namespace) -> str:
    """The simulator directive for the answer shape asked on the command line ("" when nothing was asked)."""
    settings = {
        "tokens": args.tokens,
        "tps": args.tps,
        "ttft_ms": args.ttft_ms,
        "reasoning_tokens": args.reasoning_tokens,
    }
    chosen = " ".join(f"{name}={value:g}" for name, value in settings.items() if value is not None)
    return f"[sim {chosen}] " if chosen else ""


def parse_arguments(parser: argparse.ArgumentParser, argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line (set up by add_common_arguments) and settle how to sign in: `args.sign_in`."""
    args = parser.parse_args(argv)
    if args.password is not None and args.email is None:
        parser.error("--password goes with --email")
    if args.email is None and args.token is None:
        args.token = os.environ.get("CHAT_TOKEN") or None
    password = args.password or os.environ.get("CHAT_PASSWORD")
    if args.email is not None and not password:
        if not sys.stdin.isatty():
            parser.error("--email needs a password: --password or CHAT_PASSWORD")
        password = getpass.getpass(f"Password for {args.email}: ")
    args.sign_in = SignIn(token=args.token, email=args.email, password=password or "")
    return args


def add_common_arguments(
    parser: argparse.ArgumentParser,
    *,
    tokens: int | None = None,
    tps: float | None = None,
    ttft_ms: int | None = None,
    reasoning_tokens: int | None = None,
) -> None:
    """--api-url, how to sign in, the answer's shape (a simulator directive; None leaves the server's default) and
    timeouts. Parse with parse_arguments."""
    parser.add_argument("--api-url", default=DEFAULT_API_URL, help="the API's base URL (default: %(default)s)")
    account = parser.add_argument_group("signing in (default: as a new guest, POST /auth/guest)")
    who = account.add_mutually_exclusive_group()
    who.add_argument("--token", help="a session token to act in (default: env CHAT_TOKEN, if set)")
    who.add_argument("--email", help="sign in to this account (POST /auth/login)")
    account.add_argument("--password", help="the account's password (default: env CHAT_PASSWORD, else asked)")
    shape = parser.add_argument_group("answer shape (a [sim …] directive; ignored by a real model)")
    shape.add_argument("--tokens", type=int, default=tokens, help="answer tokens (default: %(default)s)")
    shape.add_argument("--tps", type=float, default=tps, help="tokens per second, 0 = at once (default: %(default)s)")
    shape.add_argument("--ttft-ms", type=int, default=ttft_ms, help="ms before the first token (default: %(default)s)")
    shape.add_argument(
        "--reasoning-tokens", type=int, default=reasoning_tokens, help="reasoning summary tokens (default: %(default)s)"
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=30.0,
        help="seconds for one request, and the longest silence tolerated on a stream (default: %(default)s)",
    )
