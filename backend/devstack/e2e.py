"""`python -m devstack.e2e`: a throwaway stack for the browser tests, with the built web app in front of it.

Private Redis and PostgreSQL in a scratch directory, migrations, the simulator, two Celery workers, the API and
`next start`, all on free loopback ports. A second `next start` reaches the API through a TCP proxy that a test can
cut (`POST <control_url>/cut` resets every open connection, as a dropped network does) or hang (`POST
<control_url>/hang`: connections are accepted and never answered, as by an API that is up but stuck, until `POST
<control_url>/resume`) without disturbing the tests that use the first; that web app gives up on an API request
after CUTTABLE_REQUEST_TIMEOUT_SECONDS, so that a hang shows within a test. `POST <control_url>/kill-worker/<task_id>`
SIGKILLs the worker generating that answer, so the other takes it over, and starts the killed one again. Once
everything answers, the URLs are written as JSON to `--ready-file` (and printed); the stack runs until SIGTERM or
SIGINT and then stops everything, newest first.
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
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import cast

from redis import Redis

from app.core import redis_keys
from devstack.components import run_migrations, start_api, start_frontend, start_simulator, start_worker
from devstack.ports import LOOPBACK, free_port
from devstack.postgres_server import PrivatePostgres
from devstack.processes import ChildProcess, ProcessFailedError, Supervisor
from devstack.redis_server import PrivateRedis
from devstack.relaxed_limits import RELAXED_LIMITS
from devstack.scratch import scratch_dir

# Quick answers unless a test asks otherwise with a [sim ...] directive in its message.
SIMULATOR_DEFAULTS = {
    "SIM_TOKENS": "40",
    "SIM_TOKENS_PER_SECOND": "200",
    "SIM_TTFT_MS": "0",
    "SIM_REASONING_TOKENS": "6",
}


# A quota, large, so that the account menu has one to show.
LARGE_QUOTAS = {"DAILY_TOKEN_QUOTA": "1000000000", "GUEST_DAILY_TOKEN_QUOTA": "1000000000"}

# How long the cuttable web app waits for an API answer (the web app's default is 15 s): a hung API shows within a
# test, and still far longer than an idle stack takes to answer.
CUTTABLE_REQUEST_TIMEOUT_SECONDS = "4"

_PIPE_BYTES = 64 * 1024
# Two workers, so that one can be killed and the other take its answers over; together as many slots as one had.
WORKER_NAMES = ("worker-1", "worker-2")
_WORKER_CONCURRENCY = 8
# What start_worker waits for: Celery prints "celery@<host> ready." once it consumes from the queue.
_WORKER_READY_TEXT = " ready."
_WORKER_READY_SECONDS = 120.0


def _say(message: str) -> None:
    print(f"[e2e-stack] {message}", flush=True)


def _reset(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")  # an asyncio TransportSocket, or None once closed
    if sock is not None:
        # SO_LINGER 0: close with a RST, as a broken network path looks to the browser.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class CuttableProxy:
    """Forwards TCP connections from a loopback port to `target_port`; `cut()` resets all of them at once; `hang()`
    resets them too and then holds every new connection unanswered until `resume()`."""

    def __init__(self, target_port: int) -> None:
        self._target_port = target_port
        self._loop = asyncio.new_event_loop()
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None
        # Set while forwarding; cleared while hung. Made in the proxy's loop (_start).
        self._flowing: asyncio.Event | None = None
        self.port = 0

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(_PIPE_BYTES):
                writer.write(data)
                await writer.drain()
        # One side closed (or was reset): close the other the same way.
        writer.close()

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        assert self._flowing is not None
        if not self._flowing.is_set():
            await self._flowing.wait()
            # Held while hung: reset, never forwarded late (the client has given up on it, and a late POST would do
            # what the client was told failed).
            _reset(client_writer)
            return
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
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server = await asyncio.start_server(self._handle, LOOPBACK, 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def _reset_all(self) -> None:
        for writer in list(self._writers):
            _reset(writer)

    def cut(self) -> int:
        """Reset every open connection; returns how many there were."""
        count = len(self._writers)
        self._loop.call_soon_threadsafe(self._reset_all)
        return count

    def hang(self) -> int:
        """Reset every open connection (a keep-alive one would go on answering) and hold the new ones unanswered until
        `resume()`; returns how many were reset. In force when it returns."""

        async def start() -> int:
            assert self._flowing is not None
            count = len(self._writers)
            self._flowing.clear()
            self._reset_all()
            return count

        return asyncio.run_coroutine_threadsafe(start(), self._loop).result(timeout=10)

    def resume(self) -> None:
        """Forward new connections again; those held meanwhile are reset."""

        async def stop() -> None:
            if self._flowing is not None:
                self._flowing.set()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(timeout=10)

    @contextmanager
    def running(self) -> Iterator["CuttableProxy"]:
        thread = threading.Thread(target=self._loop.run_forever, name="e2e-proxy", daemon=True)
        thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        try:
            yield self
        finally:
            self.resume()
            self._loop.call_soon_threadsafe(self._reset_all)
            self._loop.call_soon_threadsafe(self._loop.stop)
            thread.join(timeout=5)


class KillableWorkers:
    """The stack's Celery workers; `kill_owner(task_id)` SIGKILLs the one holding that answer's lease, as a crash.

    The killed worker is started again in the background, so the tests that follow have two workers again.
    """

    def __init__(self, workers: Sequence[ChildProcess], redis_url: str, lease_seconds: float) -> None:
        self._workers = list(workers)
        # A worker renews its leases every LEASE_SECONDS / 5; waiting a little longer than that sees one renewal.
        self._renewal_wait = lease_seconds / 5 * 1.5
        self._redis = Redis.from_url(redis_url, decode_responses=True, socket_timeout=5)
        self._hostname = socket.gethostname()
        self._lock = threading.Lock()  # one kill at a time
        self._restarting: set[str] = set()  # names of killed workers not ready again yet

    def _running(self) -> list[ChildProcess]:
        """The workers not killed here, or started again since and ready."""
        return [worker for worker in self._workers if worker.name not in self._restarting]

    def died_by_itself(self) -> ChildProcess | None:
        """A worker that exited without being killed here: in a healthy stack, none."""
        return next((worker for worker in self._running() if worker.poll() is not None), None)

    def _owner(self, worker: ChildProcess) -> str:
        return f"{self._hostname}:{worker.pid}"  # how a lease names its holder (app.lease.keeper.process_owner)

    def _leases_held_by(self, owner: str) -> list[str]:
        """Task ids of the live leases (deadline not past) that `owner` holds."""
        seconds, micros = self._redis.time()
        live = cast("list[str]", self._redis.zrangebyscore(redis_keys.LEASES, seconds * 1_000_000 + micros, "+inf"))
        return [task for task in live if self._redis.hget(redis_keys.lease_key(task), "owner") == owner]

    def _wait_for_renewal(self, task_id: str) -> bool:
        """Wait until the lease's deadline moves (its holder renewed it); False if the answer ended or it did not."""
        deadline = self._redis.zscore(redis_keys.LEASES, task_id)
        give_up = time.monotonic() + self._renewal_wait
        while time.monotonic() < give_up:
            time.sleep(0.02)
            now = self._redis.zscore(redis_keys.LEASES, task_id)
            if now is None or now != deadline:
                return now is not None
        return False

    def kill_owner(self, task_id: str) -> tuple[int, dict[str, object]]:
        """(HTTP status, JSON body) for `POST /kill-worker/<task_id>`."""
        with self._lock:
            owner = cast("str | None", self._redis.hget(redis_keys.lease_key(task_id), "owner"))
            if owner is None:
                return 404, {"error": f"no lease for answer {task_id}"}
            victim = next((w for w in self._running() if self._owner(w) == owner), None)
            if victim is None:
                return 409, {"error": f"the lease owner {owner} is none of our running workers"}
            # Right after a renewal the lease has a whole LEASE_SECONDS to run out, so the answer goes quiet for that
            # long before the other worker takes it over: longer than the web app waits before it shows "Stalled".
            if not self._wait_for_renewal(task_id):
                return 409, {"error": f"the lease of answer {task_id} was not renewed (is the answer over?)"}
            # Another answer on that worker (one an earlier test left running) would crash too: ask again later.
            others = [task for task in self._leases_held_by(owner) if task != task_id]
            if others:
                return 409, {"error": f"{victim.name} also holds {len(others)} other answer(s); try again"}
            pid = victim.pid
            self._restarting.add(victim.name)  # first, so that the main loop does not take its exit for a crash
            victim.kill()  # SIGKILL to its process group: no shutdown, no handover, its leases just run out
            victim.wait(timeout=10)
        _say(f"killed {victim.name} (pid {pid}) holding answer {task_id}; starting it again")
        threading.Thread(target=self._start_again, args=(victim,), name=f"{victim.name}-again", daemon=True).start()
        return 200, {"killed": victim.name, "pid": pid}

    def _start_again(self, worker: ChildProcess) -> None:
        try:
            if not worker.restart():  # False: the stack is stopping
                return
            worker.wait_ready(lambda: _WORKER_READY_TEXT in worker.output(), _WORKER_READY_SECONDS)
            _say(f"{worker.name} is running again (pid {worker.pid})")
        except (ProcessFailedError, OSError) as error:
            _say(f"{worker.name} did not come back: {error}")  # the main loop sees it exited, if it did
        finally:
            with self._lock:
                self._restarting.discard(worker.name)


@contextmanager
def control_server(proxy: CuttableProxy, workers: KillableWorkers) -> Iterator[str]:
    """A small HTTP server for the tests: `POST /cut` resets the proxy's connections, `POST /hang` and `POST /resume`
    stop and restart its forwarding (see CuttableProxy), `POST /kill-worker/<task_id>` kills the worker generating
    that answer (see KillableWorkers)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            answer: dict[str, object]
            if self.path == "/cut":
                status, answer = 200, {"cut": proxy.cut()}
            elif self.path == "/hang":
                status, answer = 200, {"cut": proxy.hang()}
            elif self.path == "/resume":
                proxy.resume()
                status, answer = 200, {"resumed": True}
            elif self.path.startswith("/kill-worker/"):
                status, answer = workers.kill_owner(self.path.removeprefix("/kill-worker/"))
            else:
                self.send_error(404)
                return
            body = json.dumps(answer).encode()
            self.send_response(status)
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
                # Every browser test context is its own guest, and all of them come from 127.0.0.1.
                **RELAXED_LIMITS,
                **LARGE_QUOTAS,
                # Checkpoints often, so a reload mid-answer starts from a recent one.
                "CHECKPOINT_SECONDS": "1",
                # No worker metrics endpoints: two workers on one host would need a port each, and nothing reads them.
                "WORKER_METRICS_PORT": "0",
                "PYTHONUNBUFFERED": "1",
            }
            # The tests drive the simulator; a real model would make them slow, costly and unpredictable.
            env.pop("OPENAI_API_KEY", None)
            # An injected upstream failure ([sim fail=500]) fails the answer at once instead of after SDK retries.
            env["OPENAI_MAX_RETRIES"] = "0"
            run_migrations(supervisor, env)
            simulator_url = start_simulator(supervisor, env, simulator_port)
            workers = KillableWorkers(
                [start_worker(supervisor, env, _WORKER_CONCURRENCY, name, node_name=name) for name in WORKER_NAMES],
                redis.url,
                float(env.get("LEASE_SECONDS", "10")),
            )
            api_port = free_port()
            api_url = start_api(supervisor, env, api_port, access_log=False)
            frontend_url = start_frontend(supervisor, env, frontend_port, api_url)
            with CuttableProxy(api_port).running() as proxy, control_server(proxy, workers) as control_url:
                proxied_api_url = f"http://{LOOPBACK}:{proxy.port}"
                cuttable_frontend_url = start_frontend(
                    supervisor,
                    {**env, "API_REQUEST_TIMEOUT_SECONDS": CUTTABLE_REQUEST_TIMEOUT_SECONDS},
                    cuttable_frontend_port,
                    proxied_api_url,
                    name="frontend-cuttable",
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
                    others = [supervisor.child(name) for name in ("simulator", "api", "frontend", "frontend-cuttable")]
                    for child in [*others, workers.died_by_itself()]:
                        if child is not None and child.poll() is not None:
                            _say(f"{child.name} exited with code {child.poll()}; last lines:\n{child.log_tail()}")
                            return 1
                _say("stopping")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.e2e", description=__doc__)
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
