"""The Redis side of a generation's events: append (worker) and read by cursor (API)."""

import time
from enum import Enum
from typing import cast

import orjson
from redis.asyncio import Redis

from app.core import metrics, redis_keys
from app.lease.store import Lease
from app.streaming.append_batcher import ScriptBatcher
from app.streaming.events import EventKind, StreamEvent, decode_stream_entry

# One atomic script per event, so one round trip: refuse a writer that does not hold the answer's lease (fencing),
# refuse to silently restart a stream Redis lost (only the first event, or a snapshot, rebuilds it), append under
# the writer's own sequence number, refresh the TTL, announce, note the upstream position (background mode), and
# report whether a stop was asked. Subscribers can
# never be told of an event that is not yet readable from the stream (nor the reverse), which is what makes
# "subscribe, then read the backlog" gap-free. An id not above the stream's last is an append already made (a
# retry whose first reply was lost), so retrying an append never duplicates an event nor leaves a hole.
# KEYS: events, lease. ARGV: channel, seq, kind, data, TTL, may create, append time, epoch, response, upstream seq.
_APPEND_SCRIPT = """
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if not epoch then
  if ARGV[6] == '0' then
    return -1
  end
  -- Rebuilding a stream Redis lost: its lease went with it, and comes back with the holder's epoch.
  redis.call('HSET', KEYS[2], 'epoch', ARGV[8], 'takeovers', 0)
  redis.call('EXPIRE', KEYS[2], ARGV[5])
  epoch = ARGV[8]
end
if epoch ~= ARGV[8] then
  return -2
end
if ARGV[6] == '0' and redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
local added = redis.pcall('XADD', KEYS[1], '0-' .. ARGV[2], 'k', ARGV[3], 't', ARGV[7], 'd', ARGV[4])
if type(added) == 'table' and added.err then
  if not string.find(added.err, 'equal or smaller', 1, true) then
    return added
  end
  return redis.call('HEXISTS', KEYS[2], 'stop')
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('PUBLISH', ARGV[1], ARGV[2] .. ' ' .. ARGV[3] .. ' ' .. ARGV[7] .. ' ' .. ARGV[4])
if ARGV[9] ~= '' then
  redis.call('HSET', KEYS[2], 'response', ARGV[9], 'useq', ARGV[10])
end
return redis.call('HEXISTS', KEYS[2], 'stop')
"""

_Entries = list[tuple[bytes, dict[bytes, bytes]]]
# Background mode: the upstream response's id and the sequence number of its last event in this append.
UpstreamPosition = tuple[str, int]

# Bounds one backlog read, so a client far behind catches up in slices instead of one huge reply.
READ_BATCH = 512


class AppendResult(Enum):
    APPENDED = 0
    # Appended (or found already appended), and someone has asked to stop this answer.
    STOP_REQUESTED = 1
    # Not appended: Redis no longer has the stream or the lease (restart without persistence, eviction).
    STREAM_LOST = -1
    # Not appended: another worker has taken the answer over; this writer must stop.
    LEASE_LOST = -2


class EventStore:
    def __init__(self, redis: Redis, ttl_seconds: int) -> None:
        self._redis = redis
        self._ttl_seconds = ttl_seconds
        self._append = ScriptBatcher(redis, _APPEND_SCRIPT, key_count=2)

    async def append(
        self,
        lease: Lease,
        seq: int,
        kind: EventKind,
        data: bytes,
        *,
        may_start_stream: bool = False,
        upstream: UpstreamPosition | None = None,
    ) -> AppendResult:
        """Store and announce event ``seq`` under ``lease``. Only the first event (or a snapshot that rebuilds a
        lost stream) may create the stream; any other append to a missing stream reports STREAM_LOST instead."""
        creates = "1" if may_start_stream or seq == 1 else "0"
        appended_us = time.time_ns() // 1000
        response_id, upstream_seq = upstream if upstream is not None else ("", "")
        keys_and_args = (
            redis_keys.stream_events_key(lease.task_id),
            redis_keys.lease_key(lease.task_id),
            redis_keys.stream_channel(lease.task_id),
            seq,
            kind.value,
            data,
            self._ttl_seconds,
            creates,
            appended_us,
            lease.epoch,
            response_id,
            upstream_seq,
        )
        result = AppendResult(await self._append.call(keys_and_args))
        if result is AppendResult.APPENDED or result is AppendResult.STOP_REQUESTED:
            metrics.EVENTS_APPENDED.inc()
        return result

    async def close(self) -> None:
        await self._append.close()

    async def read_after(self, task_id: str, after: int, limit: int = READ_BATCH) -> list[StreamEvent]:
        """Events with ``seq > after`` in order, at most ``limit`` of them."""
        key = redis_keys.stream_events_key(task_id)
        entries = cast("_Entries", await self._redis.xrange(key, min=f"(0-{after}", max="+", count=limit))
        return [decode_stream_entry(entry_id, fields) for entry_id, fields in entries]

    async def last_event(self, task_id: str) -> StreamEvent | None:
        """The newest stored event, or None when the stream is gone or never began."""
        entries = cast("_Entries", await self._redis.xrevrange(redis_keys.stream_events_key(task_id), count=1))
        if not entries:
            return None
        return decode_stream_entry(*entries[0])

    async def assemble(self, task_id: str) -> tuple[str, str]:
        """The text a viewer holds after every stored event: content and reasoning, a snapshot replacing both."""
        content: list[str] = []
        reasoning: list[str] = []
        cursor = 0
        while events := await self.read_after(task_id, cursor):
            for event in events:
                payload = orjson.loads(event.data)
                if event.kind is EventKind.CONTENT:
                    content.append(payload["content"])
                elif event.kind is EventKind.REASONING:
                    reasoning.append(payload["reasoning"])
                elif event.kind is EventKind.SNAPSHOT:
                    content, reasoning = [payload["snapshot"]["content"]], [payload["snapshot"]["reasoning"]]
            cursor = events[-1].seq
        return "".join(content), "".join(reasoning)
