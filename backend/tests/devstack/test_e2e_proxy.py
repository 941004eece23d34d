"""The browser tests' proxy to the API (devstack/e2e.py CuttableProxy): it forwards, a hang resets what is open
and holds new connections without forwarding them, and after resume the held ones are reset, never forwarded late."""

import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from devstack.e2e import CuttableProxy
from devstack.ports import LOOPBACK


class _Echo(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__((LOOPBACK, 0), _EchoHandler)
        self.connections = 0


class _EchoHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        assert isinstance(self.server, _Echo)
        self.server.connections += 1
        while data := self.request.recv(1024):
            self.request.sendall(data)


@contextmanager
def _echo_server() -> Iterator[_Echo]:
    server = _Echo()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _connect(port: int) -> socket.socket:
    return socket.create_connection((LOOPBACK, port), timeout=5)


def _echoes(connection: socket.socket) -> bool:
    connection.sendall(b"ping")
    return connection.recv(16) == b"ping"


def _closed(connection: socket.socket) -> bool:
    """True once the peer closed or reset the connection (waits up to the socket's timeout)."""
    try:
        return connection.recv(16) == b""
    except ConnectionResetError:
        return True


def test_a_hang_holds_new_connections_unforwarded_until_resume_resets_them() -> None:
    with _echo_server() as echo, CuttableProxy(echo.server_address[1]).running() as proxy:
        before = _connect(proxy.port)
        assert _echoes(before)

        assert proxy.hang() == 2  # the client's side and the upstream side
        assert _closed(before)
        held = _connect(proxy.port)  # accepted: the API looks up
        held.sendall(b"GET / HTTP/1.1\r\n\r\n")
        held.settimeout(0.5)
        with pytest.raises(TimeoutError):
            held.recv(16)

        proxy.resume()
        held.settimeout(5)
        assert _closed(held)
        after = _connect(proxy.port)
        assert _echoes(after)
        # The held connection never reached the server: only the one before the hang and the one after did.
        assert echo.connections == 2
        for connection in (before, held, after):
            connection.close()
