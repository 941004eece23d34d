"""`python -m app.devstack.e2e`: a throwaway stack for the browser tests, with the built web app in front of it.

Private Redis and PostgreSQL in a scratch directory, migrations, the simulator, a Celery worker, the API and
`next start`, all on free loopback ports. A second `next start` reaches the API through a TCP proxy that a test can
cut (`POST <control_url>/cut` resets every open connection, as a dropped network does) without disturbing the tests
that use the first. Once everything answers, the URLs are written as JSON to `--ready-file` (and printed); the stack
runs until SIGTERM or SIGINT and then stops everything, newest first.
"""

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import struct
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType

from app.devstack.components import run_migrations, start_api, start_frontend, start_simulator, start_worker
from app.devstack.ports import LOOPBACK, free_port
from app.devstack.postgres_server import PrivatePostgres
from app.devstack.processes import ProcessFailedError, Supervisor
from app.devstack.redis_server import PrivateRedis
from app.devstack.scratch import scratch_dir

# Quick answers unless a test asks otherwise with a [sim ...] directive in its message.
SIMULATOR_DEFAULTS = {
    "SIM_TOKENS": "40",
    "SIM_TOKENS_PER_SECOND": "200",
    "SIM_TTFT_MS": "0",
    "SIM_REASONING_TOKENS": "6",
}


_PIPE_BYTES = 64 * 1024


def _say(message: str) -> None:
    print(f"[e2e-stack] {message}", flush=True)


class CuttableProxy:
    """Forwards TCP connections from a loopback port to `target_port`; `cut()` resets all of them at once."""

    def __init__(self, target_port: int) -> None:
        self._target_port = target_port
        self._loop = asyncio.new_event_loop()
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None
        self.port = 0

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(_PIPE_BYTES):
                writer.write(data)
                await writer.drain()
        # One side closed (or was reset): close the other the same way.
        writer.close()

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(LOOPBACK, self._target_port)
        except OSError:
            client_writer.close()
            return
        pair = {client_writer, upstream_writer}
        self._writers |= pair
        try:
            await asyncio.gather(self._pipe(client_reader, upstream_writer), self._pipe(upstream_reader, client_writer))
        finally:
            self._writers -= pair

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, LOOPBACK, 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def _reset_all(self) -> None:
        for writer in list(self._writers):
            sock = writer.get_extra_info("socket")  # an asyncio TransportSocket, or None once closed
            if sock is not None:
                # SO_LINGER 0: close with a RST, as a broken network path looks to the browser.
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()

    def cut(self) -> int:
        """Reset every open connection; returns how many there were."""
        count = len(self._writers)
        self._loop.call_soon_threadsafe(self._reset_all)
        return count

    @contextmanager
    def running(self) -> Iterator["CuttableProxy"]:
        thread = threading.Thread(target=self._loop.run_forever, name="e2e-proxy", daemon=True)
        thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        try:
            yield self
        finally:
            self._loop.call_soon_threadsafe(self._reset_all)
            self._loop.call_soon_threadsafe(self._loop.stop)
            thread.join(timeout=5)


@contextmanager
def control_server(proxy: CuttableProxy) -> Iterator[str]:
    """A small HTTP server for the tests: `POST /cut` resets the proxy's connections."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.path != "/cut":
                self.send_error(404)
                return
            body = json.dumps({"cut": proxy.cut()}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-control", daemon=True)
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def run(ready_file: Path, log_dir: Path) -> int:
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)

    with scratch_dir("chat-e2e-") as root:
        redis = PrivateRedis(root / "redis", free_port())
        postgres = PrivatePostgres(root / "postgres", free_port(), durable=False)
        with redis, postgres, Supervisor(log_dir) as supervisor:
            frontend_port = free_port()
            cuttable_frontend_port = free_port()
            frontend_origins = [f"http://{LOOPBACK}:{port}" for port in (frontend_port, cuttable_frontend_port)]
            simulator_port = free_port()
            env = {
                **SIMULATOR_DEFAULTS,
                **os.environ,
                "REDIS_URL": redis.url,
                "DATABASE_URL": postgres.url,
                "SIMULATOR_URL": f"http://{LOOPBACK}:{simulator_port}/v1",
                "CORS_ORIGINS": ",".join(frontend_origins),
                # Checkpoints often, so a reload mid-answer starts from a recent one.
                "CHECKPOINT_SECONDS": "1",
                "PYTHONUNBUFFERED": "1",
            }
            # The tests drive the simulator; a real model would make them slow, costly and unpredictable.
            env.pop("OPENAI_API_KEY", None)
            # An injected upstream failure ([sim fail=500]) fails the answer at once instead of after SDK retries.
            env["OPENAI_MAX_RETRIES"] = "0"
            run_migrations(supervisor, env)
            simulator_url = start_simulator(supervisor, env, simulator_port)
            start_worker(supervisor, env, concurrency=16)
            api_port = free_port()
            api_url = start_api(supervisor, env, api_port, access_log=False)
            frontend_url = start_frontend(supervisor, env, frontend_port, api_url)
            with CuttableProxy(api_port).running() as proxy, control_server(proxy) as control_url:
                proxied_api_url = f"http://{LOOPBACK}:{proxy.port}"
                cuttable_frontend_url = start_frontend(
                    supervisor, env, cuttable_frontend_port, proxied_api_url, name="frontend-cuttable"
                )
                urls = {
                    "frontend_url": frontend_url,
                    "api_url": api_url,
                    # This web app talks to the API through the proxy that `POST <control_url>/cut` resets.
                    "cuttable_frontend_url": cuttable_frontend_url,
                    "proxied_api_url": proxied_api_url,
                    "control_url": control_url,
                    "simulator_url": simulator_url,
                }
                ready_file.write_text(json.dumps(urls))
                _say(f"ready: web app {frontend_url}, API {api_url}, logs in {log_dir}")
                while not stop.wait(0.5):
                    for name in ("simulator", "worker", "api", "frontend", "frontend-cuttable"):
                        child = supervisor.child(name)
                        if child.poll() is not None:
                            _say(f"{name} exited with code {child.poll()}; last lines:\n{child.log_tail()}")
                            return 1
                _say("stopping")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.devstack.e2e", description=__doc__)
    parser.add_argument("--ready-file", type=Path, required=True, help="where to write the URLs as JSON when ready")
    parser.add_argument("--log-dir", type=Path, required=True, help="where each process writes its log")
    args = parser.parse_args(argv)
    try:
        return run(args.ready_file, args.log_dir)
    except (ProcessFailedError, OSError, RuntimeError) as error:
        _say(f"error: {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
