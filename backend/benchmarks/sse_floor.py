"""A do-nothing SSE server, and the reader that drives it: the floor under our API's cost per event.

The server (`app`, an ASGI app served by uvicorn exactly as our API is: benchmarks/limits.py starts it with
devstack.components.start_api) answers GET /stream?rate=R with events of our API's size, their data ready-made
and framed as our API frames them (`id: <n>\ndata: <data>\n\n`, one bytes format each), one
`http.response.body` send per event, R a second (0: as fast as the client reads, the send waiting only when
the socket's buffer is full), until the client goes away. It watches for the disconnect in a task of its own, as
our SseResponse does. Nothing else: no Redis, no authentication, no JSON encoding, no timing. GET /hold and
GET /go make the streams wait after their first event and start them all at once; GET /healthz answers ok.

The reader (`python -m benchmarks.sse_floor URL --connections N --seconds S --server-pid PID`) opens N streams
with aiohttp (as test-clients/test_load.py does), waits until each has received an event, then counts the events
received over S seconds and the server's CPU over the same window (/proc), and prints them as JSON.
"""

import argparse
import asyncio
import json
import random
import time
from dataclasses import asdict, dataclass
from urllib.parse import parse_qs

import aiohttp
import uvloop
from starlette.types import Receive, Scope, Send

from benchmarks.proc_stats import ProcessTable

# A content event's data as our API sends it with ?timing=1 (a word, and "t", the append time in µs), padded to
# 60 bytes: `id: <n>\ndata: <this>\n\n` is then a little over what each of our events weighs.
EVENT_DATA = b'{"content":" streaming","t":1764790000000000,"pad":"xxxxxxx"}'
HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),
    (b"connection", b"keep-alive"),
]
READ_BYTES = 1 << 16
# Once every stream is open and going, before the counting starts.
WARM_UP_SECONDS = 1.0
# Set by GET /go, cleared by GET /hold: streams send their first event, then wait for it. Otherwise the first streams
# would take the machine while the last ones connect.
_go = asyncio.Event()


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["path"] != "/stream":
        if scope["path"] == "/hold":
            _go.clear()
        elif scope["path"] == "/go":
            _go.set()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})
        return
    rate = float(parse_qs(scope["query_string"].decode()).get("rate", ["0"])[0])
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    gone = asyncio.Event()
    listener = asyncio.create_task(_wait_for_disconnect(receive, gone))
    seq = 1
    try:
        await send({"type": "http.response.body", "body": b"id: 1\ndata: %b\n\n" % EVENT_DATA, "more_body": True})
        await _go.wait()
        loop = asyncio.get_running_loop()
        # Paced streams start at random phases, as users do: all of them due at one instant would come in bursts.
        due = loop.time() + (random.random() / rate if rate else 0.0)
        while not gone.is_set():
            seq += 1
            await send(
                {"type": "http.response.body", "body": b"id: %d\ndata: %b\n\n" % (seq, EVENT_DATA), "more_body": True}
            )
            if rate:
                due += 1 / rate
                await asyncio.sleep(max(0.0, due - loop.time()))
            elif seq % 64 == 0:
                # uvicorn's send only waits when the socket's buffer is full: yield now and then, so that a
                # client that is gone (its send then returns at once) is noticed.
                await asyncio.sleep(0)
    finally:
        listener.cancel()


async def _wait_for_disconnect(receive: Receive, gone: asyncio.Event) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    gone.set()


@dataclass(frozen=True)
class ReaderReport:
    connections: int
    rate_per_connection: float  # events a second each stream asked for; 0: as fast as it could read
    seconds: float
    events: int
    server_cpu_seconds: float
    reader_cpu_seconds: float

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds

    @property
    def server_cpu_us_per_event(self) -> float:
        return self.server_cpu_seconds * 1e6 / self.events if self.events else float("nan")


async def read(url: str, connections: int, rate: float, seconds: float, server_pid: int) -> ReaderReport:
    counts = [0] * connections
    started = [asyncio.Event() for _ in range(connections)]

    async def stream(session: aiohttp.ClientSession, index: int) -> None:
        async with session.get(f"{url}/stream", params={"rate": f"{rate:g}"}) as response:
            while chunk := await response.content.read(READ_BYTES):
                counts[index] += chunk.count(b"\n\n")
                started[index].set()

    connector = aiohttp.TCPConnector(limit=connections + 10)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=None)) as session:
        await (await session.get(f"{url}/hold")).read()
        tasks = [asyncio.create_task(stream(session, index)) for index in range(connections)]
        await asyncio.wait_for(asyncio.gather(*(event.wait() for event in started)), timeout=60)
        await (await session.get(f"{url}/go")).read()
        await asyncio.sleep(WARM_UP_SECONDS)
        events_before, server_before, own_before = sum(counts), ProcessTable(), time.process_time()
        began = time.monotonic()
        await asyncio.sleep(seconds)
        events, server_after = sum(counts) - events_before, ProcessTable()
        wall, own = time.monotonic() - began, time.process_time() - own_before
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    server_cpu = server_after.cpu_seconds([server_pid]) - server_before.cpu_seconds([server_pid])
    return ReaderReport(connections, rate, wall, events, server_cpu, own)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=0.0, help="events a second per stream (0: as fast as read)")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--server-pid", type=int, required=True)
    args = parser.parse_args()
    # uvloop: the reader as cheap as it can be, since it shares the machine with the server it measures.
    report = uvloop.run(read(args.url, args.connections, args.rate, args.seconds, args.server_pid))
    print(json.dumps(asdict(report)))


if __name__ == "__main__":
    main()
