"""A Server-Sent Events response: pre-encoded event bytes, sent as they come and kept alive, until the
producer ends, the client goes away or stops reading, or the server shuts down.

In-house rather than sse-starlette, because this is the API's hot path: sse-starlette armed a timer (an
anyio cancel scope) around every send, about 15% of the API's CPU at 1,000 viewers, and ran four tasks
per response. Here the request's own task produces and sends, and two helper tasks do the rest.
"""

import asyncio
from collections.abc import AsyncGenerator
from contextlib import aclosing

import anyio
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

# A comment line: clients ignore it, but it shows them (and proxies) that the connection is alive.
PING = b": ping\n\n"


class SendTimeoutError(TimeoutError):
    """The client took no bytes for too long; it is dropped and may resume with its last event id."""


class _StreamEndedError(Exception):
    """Raised in a helper task to end the response: the client went away, or the shutdown grace ran out."""


class SseResponse(Response):
    media_type = "text/event-stream"

    def __init__(
        self,
        content: AsyncGenerator[bytes, None],
        *,
        ping_seconds: float,
        send_timeout_seconds: float,
        shutdown: anyio.Event,
        shutdown_grace_seconds: float,
    ) -> None:
        """``content`` yields ready-to-send SSE bytes, each sent as it is, in one message. Once ``shutdown``
        is set, it has ``shutdown_grace_seconds`` to end by itself before the response is cut."""
        self.status_code = 200
        self.background = None
        self._content = content
        self._ping_seconds = ping_seconds
        self._send_timeout = send_timeout_seconds
        self._shutdown = shutdown
        self._shutdown_grace = shutdown_grace_seconds
        # Event-loop times: when the current send began (None between sends), and when the last one did.
        self._send_started: float | None = None
        self._last_send = 0.0
        self.init_headers(
            {
                # Neither a cache nor a buffering proxy (nginx) may hold the events back.
                "cache-control": "no-store",
                "x-accel-buffering": "no",
                # For HTTP/1.0 proxies, which would otherwise close the connection after each response.
                "connection": "keep-alive",
            }
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        loop = asyncio.get_running_loop()
        self._last_send = loop.time()
        try:
            async with asyncio.TaskGroup() as helpers:
                watchdog = helpers.create_task(self._watch(send))
                listener = helpers.create_task(_wait_for_disconnect(receive))
                await self._produce(send)
                watchdog.cancel()
                listener.cancel()
        except BaseExceptionGroup as group:
            error = group.exceptions[0]
            if isinstance(error, _StreamEndedError):
                return  # no end of body: the stream was cut, or there is no one left to send it to
            raise error from None
        # The watchdog is gone, and this send, once per response, can afford its own timer.
        try:
            async with asyncio.timeout(self._send_timeout):
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        except TimeoutError:
            raise SendTimeoutError(f"the client took no bytes for {self._send_timeout} s") from None
        if self.background is not None:
            await self.background()

    async def _produce(self, send: Send) -> None:
        loop = asyncio.get_running_loop()
        # Closed however the response ends, so that the producer's own cleanup (unsubscribing) runs now.
        async with aclosing(self._content) as chunks:
            async for chunk in chunks:
                # Each send is timed by recording its start for the watchdog, which wakes anyway to ping,
                # rather than by a timer of its own: arming and cancelling one per send was the cost
                # that made sse-starlette the API's hottest spot.
                started = loop.time()
                self._send_started = started
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                self._send_started = None
                self._last_send = started

    async def _watch(self, send: Send) -> None:
        """Pings an idle stream, drops a client whose send has been pending for the timeout, and cuts the
        stream once the shutdown grace has run out."""
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            started = self._send_started
            if started is None:
                if now - self._last_send >= self._ping_seconds:
                    await self._ping(send)
                    continue
                # A send that begins while this waits is due no sooner than now plus the timeout.
                wake = min(self._last_send + self._ping_seconds, now + self._send_timeout)
            elif now - started >= self._send_timeout:
                raise SendTimeoutError(f"the client took no bytes for {self._send_timeout} s")
            else:
                wake = started + self._send_timeout
            try:
                async with asyncio.timeout_at(wake):
                    await self._shutdown.wait()
            except TimeoutError:
                continue
            await asyncio.sleep(self._shutdown_grace)
            raise _StreamEndedError("cut: the server is shutting down")

    async def _ping(self, send: Send) -> None:
        # The watchdog cannot time its own send, so a ping gets a timer: pings are rare, unlike events.
        try:
            async with asyncio.timeout(self._send_timeout):
                await send({"type": "http.response.body", "body": PING, "more_body": True})
        except TimeoutError:
            raise SendTimeoutError(f"the client took no bytes for {self._send_timeout} s") from None
        self._last_send = asyncio.get_running_loop().time()


async def _wait_for_disconnect(receive: Receive) -> None:
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            raise _StreamEndedError("the client went away")
