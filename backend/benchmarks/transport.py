"""Redis against PostgreSQL (polling every 100 ms, and LISTEN/NOTIFY) as the transport of streamed answers.

Run: `make bench-transport` (or, from backend/, `../.tools/bin/uv run python -m benchmarks.transport`).
Starts a private Redis and a private, durable PostgreSQL, then for each load level (100 and 500 concurrent answers by
default) and each transport runs one writer process (one asyncio task per answer, 10 chunks/s each) and one
reader process (one viewer per answer), and measures delivery latency, loss, duplicates, order, CPU time of
writer, reader and server, and connections. Results go to docs/benchmarks/transport.md.
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import asyncpg
from redis.asyncio import Redis

from benchmarks.transport_measure import CpuSnapshot, Spread, account
from benchmarks.transport_postgres import CREATE_TABLE, EMPTY_TABLE
from benchmarks.transport_protocol import (
    CONNECTION_SAMPLE_SECONDS,
    READER_POOL_CONNECTION_NAME,
    READER_PUSH_CONNECTION_NAME,
    SETUP_TIMEOUT_SECONDS,
    WRITER_CONNECTION_NAME,
    ReaderResult,
    RunPlan,
    Signal,
    Transport,
    WriterResult,
    expect,
    receive,
)
from benchmarks.transport_reader import run_reader
from benchmarks.transport_report import Load, MachineFacts, RunResult, ServerFacts, render_report
from benchmarks.transport_writer import run_writer
from devstack.components import BACKEND_DIR
from devstack.ports import free_port
from devstack.postgres_server import PrivatePostgres
from devstack.redis_server import PrivateRedis
from devstack.scratch import scratch_dir

RESULTS = BACKEND_DIR.parent / "docs" / "benchmarks" / "transport.md"
COMMAND = "make bench-transport"
# The ceiling of every process's command/query pool: the application's default REDIS_POOL_SIZE.
POOL_SIZE = 16
POLL_INTERVAL_MS = 100
# A graceful close the server never answers must not keep the run, and so its servers, alive.
_CLOSE_TIMEOUT_SECONDS = 10.0
# What makes a commit durable: the report quotes them as the server ran.
_DURABILITY_SETTINGS = ("fsync", "synchronous_commit", "full_page_writes")
# Spawned, not forked: a fork of a process with a running event loop and open sockets is not a clean start.
_PROCESSES = multiprocessing.get_context("spawn")


class _Child:
    """One writer or reader process of ours, and our end of the pipe to it."""

    def __init__(self, entry_point: Callable[[RunPlan, Connection], None], plan: RunPlan, name: str) -> None:
        self.connection, child_end = _PROCESSES.Pipe()
        self.process = _PROCESSES.Process(target=entry_point, args=(plan, child_end), name=name)
        self.process.start()
        child_end.close()  # so that the child's death reads as end of file here instead of a silent wait

    @property
    def pid(self) -> int:
        assert self.process.pid is not None
        return self.process.pid

    def send(self, signal: Signal) -> None:
        self.connection.send(signal)

    async def expect(self, signal: Signal) -> None:
        await expect(self.connection, signal)

    async def result(self) -> object:
        return await receive(self.connection)

    def stop(self) -> None:
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=10)
        self.connection.close()


class _Servers:
    """The private Redis and PostgreSQL, and this orchestrator's own connection to each."""

    def __init__(self, redis: PrivateRedis, postgres: PrivatePostgres) -> None:
        self.redis_server = redis
        self.postgres_server = postgres
        self._redis = Redis.from_url(redis.url, client_name="bench-orchestrator")
        self._postgres: asyncpg.Connection | None = None

    async def open(self) -> None:
        self._postgres = await asyncpg.connect(
            self.postgres_server.url, server_settings={"application_name": "bench-orchestrator"}
        )
        await self._postgres.execute(CREATE_TABLE)

    async def close(self) -> None:
        await self._redis.aclose()
        if self._postgres is not None:
            await self._postgres.close(timeout=_CLOSE_TIMEOUT_SECONDS)

    @property
    def _database(self) -> asyncpg.Connection:
        assert self._postgres is not None
        return self._postgres

    def pid(self, transport: Transport) -> int:
        server = self.redis_server if transport is Transport.REDIS else self.postgres_server
        assert server.pid is not None
        return server.pid

    async def prepare(self, transport: Transport) -> None:
        """Give each PostgreSQL run an empty table and no dirty pages left by the run before it."""
        if transport is not Transport.REDIS:
            await self._database.execute(EMPTY_TABLE)
            await self._database.execute("CHECKPOINT")

    async def connections_by_name(self, transport: Transport) -> Counter[str]:
        if transport is Transport.REDIS:
            return Counter(str(client.get("name", "")) for client in await self._redis.client_list())
        rows = await self._database.fetch(
            "SELECT application_name, count(*) AS n FROM pg_stat_activity"
            " WHERE datname = current_database() GROUP BY application_name"
        )
        return Counter({row["application_name"]: row["n"] for row in rows})

    async def facts(self) -> ServerFacts:
        redis_info = await self._redis.info("server")
        postgres = {name: await self._database.fetchval(f"SHOW {name}") for name in _DURABILITY_SETTINGS}
        return ServerFacts(
            redis_version=str(redis_info["redis_version"]),
            postgres_version=str(await self._database.fetchval("SHOW server_version")),
            postgres_durability=", ".join(f"{name} = {value}" for name, value in postgres.items()),
        )


async def _sample_connections(
    servers: _Servers, transport: Transport, peaks: Counter[str], stop: asyncio.Event
) -> None:
    """Keep the highest count seen per connection name until `stop` is set.

    Stopped between samples, never cancelled: a query cancelled half-way leaves asyncpg cancelling it on
    the server, and the connection's next use or close waits for that."""
    while not stop.is_set():
        peaks |= await servers.connections_by_name(transport)  # Counter | keeps the maximum of each
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), CONNECTION_SAMPLE_SECONDS)


async def _run_once(servers: _Servers, plan: RunPlan) -> RunResult:
    await servers.prepare(plan.transport)
    children: list[_Child] = []
    try:
        # The reader first: every viewer is attached before the first chunk is written.
        reader = _Child(run_reader, plan, "bench-transport-reader")
        children.append(reader)
        async with asyncio.timeout(SETUP_TIMEOUT_SECONDS):
            await reader.expect(Signal.READY)
        writer = _Child(run_writer, plan, "bench-transport-writer")
        children.append(writer)
        async with asyncio.timeout(SETUP_TIMEOUT_SECONDS):
            await writer.expect(Signal.READY)

        load_average = os.getloadavg()[0]
        server_pid = servers.pid(plan.transport)
        before = CpuSnapshot.take(writer.pid, reader.pid, server_pid)
        started = time.monotonic()
        writer.send(Signal.GO)
        reader.send(Signal.GO)
        peaks: Counter[str] = Counter()
        stop_sampling = asyncio.Event()
        sampler = asyncio.create_task(_sample_connections(servers, plan.transport, peaks, stop_sampling))
        try:
            async with asyncio.timeout(plan.reader_timeout_seconds + SETUP_TIMEOUT_SECONDS):
                await asyncio.gather(writer.expect(Signal.FINISHED), reader.expect(Signal.FINISHED))
        finally:
            stop_sampling.set()
            await sampler
        cpu = CpuSnapshot.take(writer.pid, reader.pid, server_pid) - before
        window = time.monotonic() - started

        writer.send(Signal.REPORT)
        reader.send(Signal.REPORT)
        async with asyncio.timeout(SETUP_TIMEOUT_SECONDS):
            written, read = await writer.result(), await reader.result()
        assert isinstance(written, WriterResult)
        assert isinstance(read, ReaderResult)
    finally:
        for child in children:
            child.stop()

    return RunResult(
        transport=plan.transport,
        answers=plan.answers,
        delivery=account(written.written, read.logs),
        latency_ms=Spread.of(latency / 1000 for log in read.logs for latency in log.latencies_us),
        writer_lateness_ms=Spread.of(written.lateness_ms),
        cpu=cpu,
        window_seconds=window,
        writer_connections=peaks[WRITER_CONNECTION_NAME],
        reader_pool_connections=peaks[READER_POOL_CONNECTION_NAME],
        reader_push_connections=peaks[READER_PUSH_CONNECTION_NAME],
        load_average=load_average,
        answers_cut_short=sum(1 for count in written.written.values() if count < plan.chunks_per_answer),
        errors=written.errors + read.errors,
    )


@dataclass(frozen=True)
class _Options:
    load: Load
    transports: tuple[Transport, ...]
    output: Path


async def _run_all(options: _Options, servers: _Servers) -> tuple[list[RunResult], ServerFacts]:
    await servers.open()
    try:
        server_facts = await servers.facts()
        results = []
        load = options.load
        for answers in load.answer_levels:
            for transport in options.transports:
                plan = RunPlan(
                    transport=transport,
                    answer_ids=tuple(uuid.uuid4().hex for _ in range(answers)),
                    chunks_per_answer=load.chunks_per_answer,
                    chunk_interval=1 / load.chunks_per_second,
                    poll_interval=load.poll_interval_ms / 1000,
                    redis_url=servers.redis_server.url,
                    postgres_url=servers.postgres_server.url,
                    pool_size=load.pool_size,
                )
                result = await _run_once(servers, plan)
                results.append(result)
                print(json.dumps(_summary(result)), flush=True)
        return results, server_facts
    finally:
        await servers.close()


def _summary(result: RunResult) -> dict[str, object]:
    """One line of progress on stdout; the report has everything."""
    return {
        "transport": result.transport.value,
        "answers": result.answers,
        "delivery": asdict(result.delivery),
        "latency_ms": asdict(result.latency_ms),
        "cpu_us_per_chunk": result.cpu_us_per_chunk(),
        "errors": result.errors,
    }


def _parse_options(argv: Sequence[str] | None) -> _Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--answers", default="100,500", help="comma-separated load levels (concurrent answers)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of every answer")
    parser.add_argument("--rate", type=float, default=10.0, help="chunks per second of every answer")
    parser.add_argument(
        "--transports", default=",".join(Transport), help=f"comma-separated subset of {', '.join(Transport)}"
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the Markdown report")
    arguments = parser.parse_args(argv)
    return _Options(
        load=Load(
            answer_levels=tuple(int(level) for level in arguments.answers.split(",")),
            seconds=arguments.seconds,
            chunks_per_second=arguments.rate,
            poll_interval_ms=POLL_INTERVAL_MS,
            pool_size=POOL_SIZE,
        ),
        transports=tuple(Transport(name) for name in arguments.transports.split(",")),
        output=arguments.output,
    )


def main(argv: Sequence[str] | None = None) -> None:
    options = _parse_options(argv)
    load_before = os.getloadavg()
    started = time.monotonic()
    with scratch_dir("bench-transport-") as root:
        redis = PrivateRedis(root / "redis", free_port())
        # Durable (the default: fsync and synchronous commit on), as a production database would run.
        postgres = PrivatePostgres(root / "postgres", free_port())
        with redis, postgres:
            results, server_facts = asyncio.run(_run_all(options, _Servers(redis, postgres)))
            # Written before the servers stop: a slow shutdown (PostgreSQL checkpoints first) cannot lose it.
            facts = MachineFacts.observe(
                load_before=load_before, servers=server_facts, seconds=time.monotonic() - started
            )
            options.output.write_text(render_report(results, options.load, facts, COMMAND))
            print(f"wrote {options.output}; stopping the servers", flush=True)


if __name__ == "__main__":
    main()
