"""The Redis side of a generation's events: append (worker) and read by cursor (API)."""

from typing import Any, cast

from redis.asyncio import Redis

from app.core import redis_keys
from app.streaming.events import EventKind, StreamEvent, decode_stream_entry

# Appending, refreshing the TTL and announcing happen in one atomic script: one round trip per event,
# and subscribers can never see an event that is not yet readable from the stream (nor the reverse),
# which is what makes "subscribe, then read the backlog" gap-free.
_APPEND_SCRIPT = """
local id = redis.call('XADD', KEYS[1], '0-*', 'k', ARGV[2], 'd', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
local seq = string.sub(id, 3)
redis.call('PUBLISH', ARGV[1], seq .. ' ' .. ARGV[2] .. ' ' .. ARGV[3])
return tonumber(seq)
"""

_Entries = list[tuple[bytes, dict[bytes, bytes]]]

# Bounds one backlog read, so a client far behind catches up in slices instead of one huge reply.
READ_BATCH = 512


class EventStore:
    def __init__(self, redis: "Redis", ttl_seconds: int) -> None:
        self._redis = redis
        self._ttl_seconds = ttl_seconds
        self._append = redis.register_script(_APPEND_SCRIPT)

    async def append(self, task_id: str, kind: EventKind, data: bytes) -> int:
        """Store and announce one event; returns its sequence number (1, 2, 3, …)."""
        keys = [redis_keys.stream_events_key(task_id)]
        args: list[Any] = [redis_keys.stream_channel(task_id), kind.value, data, self._ttl_seconds]
        seq: int = await self._append(keys=keys, args=args)
        return seq

    async def read_after(self, task_id: str, after: int, limit: int = READ_BATCH) -> list[StreamEvent]:
        """Events with ``seq > after`` in order, at most ``limit`` of them."""
        entries = cast(
            "_Entries",
            await self._redis.xrange(redis_keys.stream_events_key(task_id), min=f"(0-{after}", max="+", count=limit),
        )
        return [decode_stream_entry(entry_id, fields) for entry_id, fields in entries]

    async def last_event(self, task_id: str) -> StreamEvent | None:
        """The newest stored event, or None when the stream is gone or never began."""
        entries = cast("_Entries", await self._redis.xrevrange(redis_keys.stream_events_key(task_id), count=1))
        if not entries:
            return None
        return decode_stream_entry(*entries[0])
