"""The API calls of the asyncio clients (test_async.py, test_load.py), over one shared aiohttp session."""

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from chat_stream import Answer, ApiError, SignIn, SseEvent, SseParser, bearer, refusal

# A stream that ends without its terminal event was interrupted (say, an API process restarted) and is resumed;
# this many interruptions in a row without a single new event means the server is not recovering.
MAX_FRUITLESS_RESUMES = 5
# What a browser's EventSource also retries: a connection that broke or was refused, and a proxy or API that could
# not serve the stream just then (a load balancer whose replica died answers 502; an API whose Redis is restarting
# 503). Each counts as a fruitless resume unless events came, and waits before trying again, longer each time in a
# row, so that a server back within seconds is resumed and one that stays away ends the stream within a minute.
RETRIED_STATUSES = frozenset({502, 503, 504})
RESUME_BACKOFF_SECONDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)


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
    """One user's calls; users may share the session (its connections), each with its own sign-in."""

    def __init__(self, session: aiohttp.ClientSession, api_url: str, request_timeout: float) -> None:
        self._session = session
        self._api_url = api_url.rstrip("/")
        self._headers: dict[str, str] = {}
        self._request_timeout = aiohttp.ClientTimeout(total=request_timeout)
        # No total for a stream, which lasts as long as the answer; silence longer than this is a dead stream
        # (the API sends keep-alive comments every 15 s by default).
        self._stream_timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=request_timeout, sock_read=request_timeout
        )

    async def sign_in(self, how: SignIn) -> str:
        """Open the session `how` says (a given token is taken as it is); later calls carry it. Returns its token."""
        token = how.token
        if token is None:
            path, body, expected = how.request()
            token = str((await self._json("POST", path, expected, body))["token"])
        self._headers = bearer(token)
        return token

    async def create_conversation(self, title: str) -> str:
        body = await self._json("POST", "/conversations", 201, {"title": title})
        return str(body["id"])

    async def start_conversation(self, title: str, content: str) -> tuple[str, str]:
        """A conversation created with its first message, in one request, as the web app starts one; returns the
        conversation's id and the task id of its answer."""
        body = await self._json("POST", "/conversations", 201, {"title": title, "message": content})
        return str(body["id"]), str(body["first_message"]["task_id"])

    async def send_message(self, conversation_id: str, content: str) -> str:
        """Send a message; returns the task id of its answer."""
        body = await self._json("POST", f"/conversations/{conversation_id}/messages", 202, {"content": content})
        return str(body["task_id"])

    async def conversation(self, conversation_id: str) -> dict[str, Any]:
        """The stored conversation. A read changes nothing, so it is tried again as a stream would be resumed."""
        path = f"/conversations/{conversation_id}"
        for wait in RESUME_BACKOFF_SECONDS:
            try:
                return await self._json("GET", path, 200)
            except ApiError as error:
                if error.status not in RETRIED_STATUSES:
                    raise
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(wait)
        return await self._json("GET", path, 200)

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
            try:
                await self._read_stream(task_id, answer, timing, reconnects.limit(connections), on_event)
                interrupted = False
            except ApiError as error:
                if error.status not in RETRIED_STATUSES:
                    raise
                interrupted = True
            except (aiohttp.ClientError, TimeoutError):
                interrupted = True
            connections += 1
            fruitless = fruitless + 1 if answer.last_id == before else 0
            if interrupted and not answer.finished:
                await asyncio.sleep(RESUME_BACKOFF_SECONDS[min(fruitless, len(RESUME_BACKOFF_SECONDS) - 1)])
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
        headers = self._headers | ({"Last-Event-ID": str(answer.last_id)} if answer.last_id else {})
        path = f"/stream/{task_id}"
        async with self._session.get(
            self._api_url + path, params=params, headers=headers, timeout=self._stream_timeout
        ) as response:
            if response.status == 204 and answer.last_id:
                raise ApiError("stream: 204 (nothing more) before the client saw a terminal event")
            if response.status != 200:
                raise refusal("GET", path, response.status, await response.text())
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
            method, self._api_url + path, json=body, headers=self._headers, timeout=self._request_timeout
        ) as response:
            if response.status != expected:
                raise refusal(method, path, response.status, await response.text())
            result: dict[str, Any] = await response.json()
            return result


async def share_session(chats: Sequence[AioChat], how: SignIn) -> None:
    """Sign every chat in to the one session `how` names: a token's, or an account's (signed in to once)."""
    token = await chats[0].sign_in(how)
    for chat in chats[1:]:
        await chat.sign_in(SignIn(token=token))


def new_session(connections: int) -> aiohttp.ClientSession:
    """A session for up to `connections` simultaneous requests. It keeps no cookies: each user's session goes as a
    Bearer token, and the session cookie sent back without the web app's Origin would be refused (CSRF check)."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections), cookie_jar=aiohttp.DummyCookieJar())
