"""The Redis side of a generation's events: append (worker) and read by cursor (API)."""

import time
from enum import Enum
from typing import cast

from redis.asyncio import Redis

from app.core import redis_keys
from app.streaming.append_batcher import ScriptBatcher
from app.streaming.events import EventKind, StreamEvent, decode_stream_entry

# One atomic script per event, so one round trip: refuse to silently restart a stream Redis lost, append
# under the writer's own sequence number, refresh the TTL, announce, and report a pending cancellation.
# Subscribers can never be told of an event that is not yet readable from the stream (nor the reverse),
# which is what makes "subscribe, then read the backlog" gap-free.
_APPEND_SCRIPT = """
if ARGV[6] == '0' and redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
redis.call('XADD', KEYS[1], '0-' .. ARGV[2], 'k', ARGV[3], 't', ARGV[7], 'd', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('PUBLISH', ARGV[1], ARGV[2] .. ' ' .. ARGV[3] .. ' ' .. ARGV[7] .. ' ' .. ARGV[4])
return redis.call('EXISTS', KEYS[2])
"""

_Entries = list[tuple[bytes, dict[bytes, bytes]]]

# Bounds one backlog read, so a client far behind catches up in slices instead of one huge reply.
READ_BATCH = 512


class AppendResult(Enum):
    APPENDED = 0
    # Appended, and a viewer has asked to stop this generation.
    CANCEL_REQUESTED = 1
    # Not appended: the stream should already exist but Redis no longer has it (restart, eviction).
    STREAM_LOST = -1


class EventStore:
    def __init__(self, redis: Redis, ttl_seconds: int) -> None:
        self._redis = redis
        self._ttl_seconds = ttl_seconds
        self._append = ScriptBatcher(redis, _APPEND_SCRIPT, key_count=2)

    async def append(
        self, task_id: str, seq: int, kind: EventKind, data: bytes, *, may_start_stream: bool = False
    ) -> AppendResult:
        """Store and announce event ``seq``. Only the first event (or a snapshot that rebuilds a lost stream)
        may create the stream; any other append to a missing stream reports STREAM_LOST instead."""
        creates = "1" if may_start_stream or seq == 1 else "0"
        appended_us = time.time_ns() // 1000
        keys_and_args = (
            redis_keys.stream_events_key(task_id),
            redis_keys.cancel_flag_key(task_id),
            redis_keys.stream_channel(task_id),
            seq,
            kind.value,
            data,
            self._ttl_seconds,
            creates,
            appended_us,
        )
        return AppendResult(await self._append.call(keys_and_args))

    async def close(self) -> None:
        await self._append.close()

    async def request_cancel(self, task_id: str) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(redis_keys.cancel_flag_key(task_id), 1, ex=redis_keys.CANCEL_FLAG_TTL_SECONDS)
            pipe.publish(redis_keys.CANCEL_CHANNEL, task_id)
            await pipe.execute()

    async def cancel_requested(self, task_id: str) -> bool:
        return bool(await self._redis.exists(redis_keys.cancel_flag_key(task_id)))

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
