"""SseResponse over real HTTP, served in the test's own event loop so that the test sees the producer's side
too. Each HTTP chunk the client reads is one send of the response's."""

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.api.sse import SseResponse
from tests.http_chunks import ChunkedResponse, get_chunked
from tests.local_server import serving

HINT = b"retry: 1000\n\n"
# Long enough never to come into play in a test that is not about it.
NEVER = 3600.0

Body = Callable[[], AsyncGenerator[bytes, None]]


class Producer:
    """A stream body the test feeds by hand (None ends it), which records that it was closed."""

    def __init__(self, *chunks: bytes | None) -> None:
        self.chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
        for chunk in chunks:
            self.chunks.put_nowait(chunk)
        self.closed = asyncio.Event()

    async def body(self) -> AsyncGenerator[bytes, None]:
        try:
            while (chunk := await self.chunks.get()) is not None:
                yield chunk
        finally:
            self.closed.set()


@asynccontextmanager
async def one_stream(
    body: Body,
    *,
    ping_seconds: float = NEVER,
    send_timeout_seconds: float = NEVER,
    shutdown: anyio.Event | None = None,
    shutdown_grace_seconds: float = NEVER,
    receive_buffer: int | None = None,
) -> AsyncIterator[ChunkedResponse]:
    """Serve ``body`` as the SSE response of GET /, and open that stream."""

    async def endpoint(request: Request) -> Response:
        return SseResponse(
            body(),
            ping_seconds=ping_seconds,
            send_timeout_seconds=send_timeout_seconds,
            shutdown=shutdown or anyio.Event(),
            shutdown_grace_seconds=shutdown_grace_seconds,
        )

    async with (
        serving(Starlette(routes=[Route("/", endpoint)])) as local,
        get_chunked(local.host, local.port, "/", receive_buffer=receive_buffer) as response,
    ):
        yield response


async def test_each_chunk_is_one_send_and_the_end_is_clean() -> None:
    batch = b'id: 1\ndata: {"content":"a"}\n\nid: 2\ndata: {"content":"b"}\n\n'
    producer = Producer(HINT, batch, None)
    async with one_stream(producer.body) as response:
        assert response.status == 200
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-accel-buffering"] == "no"
        assert response.headers["connection"] == "keep-alive"
        assert [await response.next_chunk() for _ in range(3)] == [HINT, batch, None]
    assert producer.closed.is_set()


async def test_an_idle_stream_is_pinged() -> None:
    producer = Producer(HINT)
    async with one_stream(producer.body, ping_seconds=0.05) as response:
        assert await response.next_chunk() == HINT
        assert await asyncio.wait_for(response.next_chunk(), 5) == b": ping\n\n"
        producer.chunks.put_nowait(b"id: 1\ndata: {}\n\n")
        chunks = [await asyncio.wait_for(response.next_chunk(), 5) for _ in range(3)]
        assert b"id: 1\ndata: {}\n\n" in chunks, "events still flow between pings"


async def test_a_client_that_stops_reading_is_dropped() -> None:
    closed = asyncio.Event()

    async def flood() -> AsyncGenerator[bytes, None]:
        try:
            while True:
                yield b":" + b"x" * 65536 + b"\n\n"
        finally:
            closed.set()

    # The client reads nothing after the headers, so the server's sends soon stop going through.
    async with one_stream(flood, send_timeout_seconds=0.5, receive_buffer=4096) as response:
        await asyncio.wait_for(closed.wait(), 30)
        # What the server had sent still arrives, then the connection ends: cut, not a clean end of the body.
        with pytest.raises(asyncio.IncompleteReadError):
            await asyncio.wait_for(_read_to_the_end(response), 30)


async def _read_to_the_end(response: ChunkedResponse) -> None:
    while await response.next_chunk() is not None:
        pass


async def test_a_client_that_goes_away_closes_the_producer() -> None:
    producer = Producer(HINT)
    async with one_stream(producer.body) as response:
        assert await response.next_chunk() == HINT
        assert not producer.closed.is_set()
        response.close()
        await asyncio.wait_for(producer.closed.wait(), 5)


async def test_on_shutdown_a_stream_may_end_itself_within_the_grace() -> None:
    shutdown = anyio.Event()

    async def until_shutdown() -> AsyncGenerator[bytes, None]:
        yield HINT
        # As the relay does when the hub closes its feeds: it ends, without a terminal event.
        await shutdown.wait()
        yield b": bye\n\n"

    async with one_stream(until_shutdown, shutdown=shutdown, shutdown_grace_seconds=NEVER) as response:
        assert await response.next_chunk() == HINT
        shutdown.set()
        assert await asyncio.wait_for(response.next_chunk(), 5) == b": bye\n\n"
        assert await asyncio.wait_for(response.next_chunk(), 5) is None


async def test_on_shutdown_a_stream_that_does_not_end_is_cut_after_the_grace() -> None:
    shutdown = anyio.Event()
    producer = Producer(HINT)
    grace = 0.3
    async with one_stream(producer.body, shutdown=shutdown, shutdown_grace_seconds=grace) as response:
        assert await response.next_chunk() == HINT
        loop = asyncio.get_running_loop()
        began = loop.time()
        shutdown.set()
        await asyncio.wait_for(producer.closed.wait(), 5)
        assert loop.time() - began >= grace, "cut before its grace was up"
        with pytest.raises(asyncio.IncompleteReadError):
            await asyncio.wait_for(response.next_chunk(), 5)
