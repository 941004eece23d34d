"""The API calls of the asyncio clients (test_async.py, test_load.py), over one shared aiohttp session."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from chat_stream import Answer, SseEvent, SseParser

# A stream that ends without its terminal event was interrupted (say, an API process restarted) and is resumed;
# this many interruptions in a row without a single new event means the server is not recovering.
MAX_FRUITLESS_RESUMES = 5


class ApiError(Exception):
    """A request that did not get the answer the API promises; the message is the reason shown in reports."""


@dataclass(frozen=True)
class Reconnects:
    """When a client drops its stream on purpose and resumes it: after `after` events, once or `repeat`edly."""

    after: int | None = None
    repeat: bool = False

    def limit(self, connection_index: int) -> int | None:
        """How many events to take on connection number `connection_index` (0 first) before dropping it."""
        if self.after is None or (connection_index > 0 and not self.repeat):
            return None
        return self.after


class AioChat:
    def __init__(self, session: aiohttp.ClientSession, api_url: str, request_timeout: float) -> None:
        self._session = session
        self._api_url = api_url.rstrip("/")
        self._request_timeout = aiohttp.ClientTimeout(total=request_timeout)
        # No total for a stream, which lasts as long as the answer; silence longer than this is a dead stream
        # (the API sends keep-alive comments every 15 s by default).
        self._stream_timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=request_timeout, sock_read=request_timeout
        )

    async def create_conversation(self, title: str) -> str:
        body = await self._json("POST", "/conversations", 201, {"title": title})
        return str(body["id"])

    async def send_message(self, conversation_id: str, content: str) -> str:
        """Send a message; returns the task id of its answer."""
        body = await self._json("POST", f"/conversations/{conversation_id}/messages", 202, {"content": content})
        return str(body["task_id"])

    async def conversation(self, conversation_id: str) -> dict[str, Any]:
        return await self._json("GET", f"/conversations/{conversation_id}", 200)

    async def follow(
        self,
        task_id: str,
        answer: Answer,
        *,
        timing: bool = False,
        reconnects: Reconnects = Reconnects(),
        on_event: Callable[[SseEvent], None] = lambda event: None,
    ) -> int:
        """Read the answer's stream into `answer` until its terminal event, resuming with Last-Event-ID whenever
        the connection is dropped (on purpose, per `reconnects`, or by the server); returns the connections used."""
        connections = 0
        fruitless = 0
        while not answer.finished:
            if fruitless > MAX_FRUITLESS_RESUMES:
                raise ApiError(f"stream: ended {fruitless} times in a row without a new event")
            before = answer.last_id
            await self._read_stream(task_id, answer, timing, reconnects.limit(connections), on_event)
            connections += 1
            fruitless = fruitless + 1 if answer.last_id == before else 0
        return connections

    async def _read_stream(
        self,
        task_id: str,
        answer: Answer,
        timing: bool,
        event_limit: int | None,
        on_event: Callable[[SseEvent], None],
    ) -> None:
        params = {"timing": "1"} if timing else {}
        headers = {"Last-Event-ID": str(answer.last_id)} if answer.last_id else {}
        url = f"{self._api_url}/stream/{task_id}"
        async with self._session.get(url, params=params, headers=headers, timeout=self._stream_timeout) as response:
            if response.status == 204 and answer.last_id:
                raise ApiError("stream: 204 (nothing more) before the client saw a terminal event")
            if response.status != 200:
                raise ApiError(f"GET /stream: HTTP {response.status}")
            parser = SseParser()
            taken = 0
            async for chunk in response.content.iter_any():
                for event in parser.feed(chunk):
                    answer.apply(event)
                    on_event(event)
                    taken += 1
                    if answer.finished or taken == event_limit:
                        return

    async def _json(self, method: str, path: str, expected: int, body: object = None) -> dict[str, Any]:
        async with self._session.request(
            method, self._api_url + path, json=body, timeout=self._request_timeout
        ) as response:
            if response.status != expected:
                raise ApiError(f"{method} {_route(path)}: HTTP {response.status}")
            result: dict[str, Any] = await response.json()
            return result


def _route(path: str) -> str:
    """The path with ids replaced, so that reasons group in a report: /conversations/{id}/messages."""
    parts = path.split("/")
    return "/".join("{id}" if index == 2 else part for index, part in enumerate(parts))


def new_session(connections: int) -> aiohttp.ClientSession:
    """A session for up to `connections` simultaneous requests."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections))
