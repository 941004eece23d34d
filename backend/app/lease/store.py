"""The Redis side of leases: take, renew, hand back, finish and stop, each one atomic script.

Deadlines and epochs are read from Redis' own clock (TIME), so the workers' clocks never have to agree.
"""

from dataclasses import dataclass
from enum import Enum
from typing import cast

from redis.asyncio import Redis

from app.core import metrics, redis_keys

# Shared by the scripts: microseconds of Redis' clock, as an exact integer (Lua numbers are doubles; µs since the
# epoch stay below 2^53).
_NOW_US = """
local function now_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local function us(n) return string.format('%.0f', n) end
"""

# Take the lease when nobody holds it: never taken (or Redis lost it), or its deadline has passed. An answer that
# ended (lease kept, deadline removed) is not taken again. Returns nil, or
# {epoch, last event id, takeovers, stop asked, upstream response, upstream sequence number, lease ran out}.
# KEYS: lease, LEASES, events. ARGV: task id, owner, lease µs, TTL seconds.
_TAKE = (
    _NOW_US
    + """
local exists = redis.call('EXISTS', KEYS[1]) == 1
local deadline = redis.call('ZSCORE', KEYS[2], ARGV[1])
local now = now_us()
if exists and (not deadline or tonumber(deadline) > now) then
  return nil
end
local epoch = now
local takeovers = 0
-- Whether the lease ran out (its holder died or froze), rather than being handed over (deadline 0) or lost.
local expired = '0'
if exists then
  epoch = math.max(now, tonumber(redis.call('HGET', KEYS[1], 'epoch') or '0') + 1)
  takeovers = tonumber(redis.call('HGET', KEYS[1], 'takeovers') or '0') + 1
  if deadline and tonumber(deadline) > 0 then expired = '1' end
elseif deadline then
  -- Registered as in progress, but its lease is gone (Redis lost it, or a sweep found the answer orphaned).
  takeovers = 1
end
redis.call('HSET', KEYS[1], 'epoch', us(epoch), 'owner', ARGV[2], 'takeovers', takeovers)
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], us(now + tonumber(ARGV[3])), ARGV[1])
local last = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
local seq = '0'
if last[1] then seq = string.match(last[1][1], '^0%-(%d+)$') or '0' end
local lease = redis.call('HMGET', KEYS[1], 'stop', 'response', 'useq')
return {us(epoch), seq, tostring(takeovers), lease[1] and '1' or '0', lease[2] or '', lease[3] or '', expired}
"""
)

# Extend every lease still held under the given epoch; re-create one Redis lost (it comes back empty after a
# restart without persistence: the holder is alive, so it keeps the answer). Per lease: 1 stop asked, 0 not,
# -1 taken over by another epoch.
# KEYS: LEASES, then one lease per answer. ARGV: lease µs, TTL seconds, owner, then task id and epoch per answer.
_RENEW = (
    _NOW_US
    + """
local deadline = us(now_us() + tonumber(ARGV[1]))
local result = {}
for i = 2, #KEYS do
  local task, epoch = ARGV[2 * i], ARGV[2 * i + 1]
  local current = redis.call('HGET', KEYS[i], 'epoch')
  if not current then
    redis.call('HSET', KEYS[i], 'epoch', epoch, 'owner', ARGV[3], 'takeovers', 0)
    current = epoch
  end
  if current == epoch then
    redis.call('ZADD', KEYS[1], deadline, task)
    redis.call('EXPIRE', KEYS[i], ARGV[2])
    result[#result + 1] = redis.call('HEXISTS', KEYS[i], 'stop')
  else
    result[#result + 1] = -1
  end
end
return result
"""
)

# Let go of a lease still held under the epoch: "finished" removes its deadline (the answer is over), "handover"
# sets it to zero so that the next look for expired leases, in any worker, takes it over. Returns 1 if let go.
# KEYS: lease, LEASES. ARGV: task id, epoch, mode.
_RELEASE = """
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[2] then
  return 0
end
if ARGV[3] == 'finished' then
  redis.call('ZREM', KEYS[2], ARGV[1])
else
  redis.call('ZADD', KEYS[2], 0, ARGV[1])
end
return 1
"""

# Ask for a stop: flag the lease, broadcast, and say who must act. 1: a holder seems alive and stops it; 0: nobody
# holds it (not started, or its worker is gone), so the asker must end it; 2: it has ended already. The deadline
# is brought forward to within the stop grace: a live holder stops at once anyway (and its renewals would push the
# deadline out again meanwhile), while a holder that died moments ago is found out then, not a lease later.
# KEYS: lease, LEASES. ARGV: task id, stop channel, stop grace µs.
_REQUEST_STOP = (
    _NOW_US
    + """
local exists = redis.call('EXISTS', KEYS[1]) == 1
local deadline = redis.call('ZSCORE', KEYS[2], ARGV[1])
if exists and not deadline then
  return 2
end
if exists then
  redis.call('HSET', KEYS[1], 'stop', 1)
  redis.call('PUBLISH', ARGV[2], ARGV[1])
  local now = now_us()
  if tonumber(deadline) > now then
    redis.call('ZADD', KEYS[2], 'LT', us(now + tonumber(ARGV[3])), ARGV[1])
    return 1
  end
end
return 0
"""
)

# How long a holder has to honour a stop before its answer is treated as an orphan (and taken over to be stopped).
STOP_GRACE_SECONDS = 2.0

# Register answers as in progress with an expired lease, unless already registered, so the next look for expired
# leases takes them over. KEYS: LEASES. ARGV: task ids. Returns how many were added.
_ADOPT = """
local added = 0
for i = 1, #ARGV do
  added = added + redis.call('ZADD', KEYS[1], 'NX', 0, ARGV[i])
end
return added
"""


@dataclass(frozen=True, slots=True)
class Lease:
    """A lease this process holds: writes under it carry the epoch."""

    task_id: str
    epoch: int


@dataclass(frozen=True, slots=True)
class TakenLease:
    lease: Lease
    # Id of the last event in the answer's stream (0: no event, or Redis lost the stream).
    last_seq: int
    # How often the answer changed hands before this take (0 for the first).
    takeovers: int
    stop_requested: bool
    # Background mode: the upstream response and the sequence number of its last event appended, to continue.
    response_id: str | None
    upstream_seq: int | None

    @property
    def task_id(self) -> str:
        return self.lease.task_id


class StopTarget(Enum):
    """Who ends an answer that was asked to stop."""

    HOLDER = 1
    ASKER = 0
    ALREADY_ENDED = 2


class LeaseStore:
    def __init__(
        self, redis: Redis, lease_seconds: float, ttl_seconds: int, stop_grace_seconds: float = STOP_GRACE_SECONDS
    ) -> None:
        self._redis = redis
        self._lease_us = int(lease_seconds * 1_000_000)
        self._stop_grace_us = int(stop_grace_seconds * 1_000_000)
        self._ttl_seconds = ttl_seconds
        self._take = redis.register_script(_TAKE)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)
        self._request_stop = redis.register_script(_REQUEST_STOP)
        self._adopt = redis.register_script(_ADOPT)

    async def take(self, task_id: str, owner: str) -> TakenLease | None:
        """The lease, if nobody holds it; None while a live holder has it, or once the answer has ended."""
        keys = [redis_keys.lease_key(task_id), redis_keys.LEASES, redis_keys.stream_events_key(task_id)]
        reply = await self._take(keys=keys, args=[task_id, owner, self._lease_us, self._ttl_seconds])
        if reply is None:
            return None
        epoch, seq, takeovers, stop, response, upstream_seq, expired = (
            part.decode() for part in cast("list[bytes]", reply)
        )
        if takeovers != "0":
            # Counted by the one worker whose take succeeded, so once per takeover across the cluster.
            metrics.TAKEOVERS.inc()
        if expired == "1":
            metrics.LEASE_EXPIRIES.inc()
        return TakenLease(
            lease=Lease(task_id, int(epoch)),
            last_seq=int(seq),
            takeovers=int(takeovers),
            stop_requested=stop == "1",
            response_id=response or None,
            upstream_seq=int(upstream_seq) if upstream_seq else None,
        )

    async def expired(self, limit: int) -> list[str]:
        """Task ids whose lease deadline has passed, oldest first; taking each is still up to ``take``."""
        now_seconds, now_micros = await self._redis.time()
        now_us = now_seconds * 1_000_000 + now_micros
        members = cast("list[bytes]", await self._redis.zrangebyscore(redis_keys.LEASES, "-inf", now_us, 0, limit))
        return [member.decode() for member in members]

    async def renew(self, leases: list[Lease], owner: str) -> list[bool | None]:
        """Extend the leases; per lease, whether a stop was asked, or None if another epoch took it over."""
        if not leases:
            return []
        keys = [redis_keys.LEASES, *(redis_keys.lease_key(lease.task_id) for lease in leases)]
        args: list[str | int] = [self._lease_us, self._ttl_seconds, owner]
        for lease in leases:
            args += [lease.task_id, lease.epoch]
        replies = cast("list[int]", await self._renew(keys=keys, args=args))
        return [None if reply < 0 else bool(reply) for reply in replies]

    async def finish(self, lease: Lease) -> bool:
        """The answer is over: nobody is to take it again. False if another epoch had taken it over."""
        return await self._let_go(lease, "finished")

    async def hand_over(self, lease: Lease) -> bool:
        """Give the lease back unfinished, for another worker to take over at once."""
        return await self._let_go(lease, "handover")

    async def request_stop(self, task_id: str) -> StopTarget:
        keys = [redis_keys.lease_key(task_id), redis_keys.LEASES]
        args: list[str | int] = [task_id, redis_keys.STOP_CHANNEL, self._stop_grace_us]
        return StopTarget(await self._request_stop(keys=keys, args=args))

    async def adopt(self, task_ids: list[str]) -> int:
        """Mark answers in progress that no lease covers as up for takeover; returns how many were new."""
        if not task_ids:
            return 0
        return cast("int", await self._adopt(keys=[redis_keys.LEASES], args=task_ids))

    async def is_registered(self, task_ids: list[str]) -> list[bool]:
        """Whether each answer has a deadline in the set of answers in progress (held, or up for takeover)."""
        scores = await self._redis.zmscore(redis_keys.LEASES, task_ids)
        return [score is not None for score in scores]

    async def _let_go(self, lease: Lease, mode: str) -> bool:
        keys = [redis_keys.lease_key(lease.task_id), redis_keys.LEASES]
        return bool(await self._release(keys=keys, args=[lease.task_id, lease.epoch, mode]))
