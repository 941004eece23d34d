"""A TCP proxy in front of the test Redis that can hold back one command, to put a chosen moment between a
client sending it and Redis executing it."""

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import suppress
from urllib.parse import urlsplit


class HoldingProxy:
    """Forwards every connection to Redis unchanged, except that once armed with ``hold_from(marker)``, the
    first bytes a client sends that complete ``marker`` (and everything after them on that connection) wait
    until ``release()``. Redis has then not received the command carrying the marker, so it has not run it."""

    def __init__(self, redis_url: str) -> None:
        parts = urlsplit(redis_url)
        assert parts.hostname is not None
        assert parts.port is not None
        self._upstream = (parts.hostname, parts.port)
        self._database = parts.path
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._pumps: set[asyncio.Task[None]] = set()
        self._marker = b""
        self._released = asyncio.Event()
        # Set when the marked command has been stopped here: it was sent, and Redis does not have it.
        self.held = asyncio.Event()
        # Set when the marker first comes back from Redis (for SUBSCRIBE, its confirmation): Redis has run it.
        self.answered = asyncio.Event()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"redis://{host}:{port}{self._database}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for pump in list(self._pumps):
            pump.cancel()
        # Each connection then ends by itself: one left to be cancelled at the end of the test is logged as an error.
        await asyncio.gather(*self._connections)
        await self._server.wait_closed()

    def hold_from(self, marker: bytes) -> None:
        self._marker = marker
        self._released.clear()
        self.held.clear()
        self.answered.clear()

    def release(self) -> None:
        self._released.set()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        connection = asyncio.current_task()
        assert connection is not None
        self._connections.add(connection)
        connection.add_done_callback(self._connections.discard)
        upstream_reader, upstream_writer = await asyncio.open_connection(*self._upstream)
        to_redis = asyncio.create_task(self._pump(client_reader, upstream_writer, self._hold_if_marked))
        to_client = asyncio.create_task(self._pump(upstream_reader, client_writer, self._note_if_answered))
        self._pumps |= {to_redis, to_client}
        try:
            # Either side closing ends the connection as a whole, as a direct one would.
            await asyncio.wait({to_redis, to_client}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pump in (to_redis, to_client):
                pump.cancel()
                with suppress(asyncio.CancelledError):
                    await pump
                self._pumps.discard(pump)
            for writer in (client_writer, upstream_writer):
                writer.close()
                with suppress(OSError):
                    await writer.wait_closed()

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        on_chunk: Callable[[bytes], Awaitable[None]],
    ) -> None:
        # The marker may straddle two reads: keep the end of the previous one to look across the boundary.
        tail = b""
        with suppress(ConnectionError):
            while chunk := await reader.read(65536):
                await on_chunk(tail + chunk)
                tail = chunk[-len(self._marker) :] if self._marker else b""
                writer.write(chunk)
                await writer.drain()

    async def _hold_if_marked(self, window: bytes) -> None:
        if self._marker and not self.held.is_set() and self._marker in window:
            self.held.set()
            await self._released.wait()

    async def _note_if_answered(self, window: bytes) -> None:
        if self._marker and self.held.is_set() and self._marker in window:
            self.answered.set()
