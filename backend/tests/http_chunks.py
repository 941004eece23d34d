"""A raw HTTP/1.1 client that reads a chunked response one chunk at a time: a chunk is one send of the
server's, which httpx does not show."""

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass


@dataclass
class ChunkedResponse:
    status: int
    headers: dict[str, str]
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    async def next_chunk(self) -> bytes | None:
        """The next chunk's data, or None for the zero-length chunk that ends the body. Raises
        IncompleteReadError if the server closes the connection mid-body instead."""
        size = int(await self.reader.readuntil(b"\r\n"), 16)
        data = await self.reader.readexactly(size + 2)
        assert data.endswith(b"\r\n"), data
        return data[:-2] if size else None

    def close(self) -> None:
        """Hang up, as a client that goes away mid-stream."""
        self.writer.close()


@asynccontextmanager
async def get_chunked(
    host: str, port: int, path: str, *, headers: dict[str, str] | None = None, receive_buffer: int | None = None
) -> AsyncIterator[ChunkedResponse]:
    """GET ``path`` and yield the response once its headers are read; ``receive_buffer`` shrinks the socket's
    receive buffer, so that a client that stops reading holds the server up sooner."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.setblocking(False)
    try:
        await asyncio.get_running_loop().sock_connect(sock, (host, port))
    except BaseException:
        sock.close()
        raise
    reader, writer = await asyncio.open_connection(sock=sock)
    try:
        lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ")[1])
        fields = [line.partition(": ") for line in head[1:] if line]
        yield ChunkedResponse(status, {name.lower(): value for name, _, value in fields}, reader, writer)
    finally:
        writer.close()
        with suppress(OSError):  # the server may have reset the connection: that is for the test to judge
            await writer.wait_closed()
