"""The lease scripts against a real Redis: one holder at a time, takeovers after expiry, fencing, stops."""

import asyncio
import uuid

from redis.asyncio import Redis

from app.core import redis_keys
from app.lease.store import Lease, LeaseStore, StopTarget
from app.streaming.events import EventKind, content_data
from app.streaming.store import EventStore


def _task() -> str:
    return str(uuid.uuid4())


async def test_one_holder_at_a_time_until_the_lease_runs_out(redis: Redis) -> None:
    task_id = _task()
    short = LeaseStore(redis, lease_seconds=0.2, ttl_seconds=60)
    first = await short.take(task_id, "w1")
    assert first is not None
    assert (first.takeovers, first.last_seq, first.stop_requested, first.response_id) == (0, 0, False, None)
    assert await short.take(task_id, "w2") is None
    await asyncio.sleep(0.3)
    second = await short.take(task_id, "w2")
    assert second is not None
    assert second.takeovers == 1
    assert second.lease.epoch > first.lease.epoch
    assert await redis.hget(redis_keys.lease_key(task_id), "owner") == b"w2"


async def test_a_take_after_events_reports_where_the_stream_is(redis: Redis) -> None:
    task_id = _task()
    leases = LeaseStore(redis, lease_seconds=0.05, ttl_seconds=60)
    store = EventStore(redis, ttl_seconds=60)
    first = await leases.take(task_id, "w1")
    assert first is not None
    await store.append(first.lease, 1, EventKind.CONTENT, content_data("a"), upstream=("resp_9", 41))
    await store.append(first.lease, 2, EventKind.CONTENT, content_data("b"))
    await asyncio.sleep(0.1)
    second = await leases.take(task_id, "w2")
    assert second is not None
    assert (second.last_seq, second.response_id, second.upstream_seq) == (2, "resp_9", 41)
    await store.close()


async def test_exactly_one_of_many_takers_wins_an_expired_lease(redis: Redis) -> None:
    task_id = _task()
    dying = LeaseStore(redis, lease_seconds=0.05, ttl_seconds=60)
    assert await dying.take(task_id, "dead") is not None
    await asyncio.sleep(0.1)
    # The takers' own leases are long: on a busy machine the twenty takes can span more than a short lease, after
    # which a second win would be right.
    leases = LeaseStore(redis, lease_seconds=60, ttl_seconds=60)
    results = await asyncio.gather(*(leases.take(task_id, f"w{n}") for n in range(20)))
    assert sum(result is not None for result in results) == 1


async def test_an_ended_answer_is_not_taken_again_and_a_handed_back_one_at_once(redis: Redis) -> None:
    leases = LeaseStore(redis, lease_seconds=60, ttl_seconds=60)
    ended, handed = _task(), _task()
    for task_id in (ended, handed):
        assert await leases.take(task_id, "w1") is not None
    ended_lease = (await redis.hget(redis_keys.lease_key(ended), "epoch")) or b"0"
    handed_lease = (await redis.hget(redis_keys.lease_key(handed), "epoch")) or b"0"
    assert await leases.finish(Lease(ended, int(ended_lease)))
    assert await leases.hand_over(Lease(handed, int(handed_lease)))
    assert await leases.take(ended, "w2") is None
    assert handed in await leases.expired(100)
    assert await leases.take(handed, "w2") is not None


async def test_letting_go_under_a_lost_epoch_changes_nothing(redis: Redis) -> None:
    leases = LeaseStore(redis, lease_seconds=60, ttl_seconds=60)
    task_id = _task()
    assert await leases.take(task_id, "w1") is not None
    assert not await leases.finish(Lease(task_id, 1))
    assert await leases.take(task_id, "w2") is None  # still held


async def test_renewal_extends_reports_stops_and_lost_leases_and_restores_what_redis_lost(redis: Redis) -> None:
    leases = LeaseStore(redis, lease_seconds=0.3, ttl_seconds=60)
    kept, stopped, lost, forgotten = (_task() for _ in range(4))
    held = []
    for task_id in (kept, stopped, lost, forgotten):
        taken = await leases.take(task_id, "w1")
        assert taken is not None
        held.append(taken.lease)
    await redis.hset(redis_keys.lease_key(stopped), "stop", 1)
    await redis.hset(redis_keys.lease_key(lost), "epoch", 1)  # another epoch holds it now
    await redis.delete(redis_keys.lease_key(forgotten))
    await redis.zrem(redis_keys.LEASES, forgotten)
    for _ in range(3):
        await asyncio.sleep(0.15)
        assert await leases.renew(held, "w1") == [False, True, None, False]
    assert await leases.take(kept, "w2") is None  # renewed past its original deadline
    assert await leases.take(forgotten, "w2") is None  # restored, and held again
    assert await redis.hget(redis_keys.lease_key(forgotten), "epoch") == str(held[3].epoch).encode()


async def test_a_stop_says_who_must_act(redis: Redis) -> None:
    short = LeaseStore(redis, lease_seconds=0.05, ttl_seconds=60)
    live = LeaseStore(redis, lease_seconds=60, ttl_seconds=60)
    never_taken, held, orphan, ended = (_task() for _ in range(4))
    assert await live.take(held, "w1") is not None
    assert await short.take(orphan, "w1") is not None
    taken = await live.take(ended, "w1")
    assert taken is not None
    await live.finish(taken.lease)
    await asyncio.sleep(0.1)
    assert await live.request_stop(never_taken) is StopTarget.ASKER
    assert await live.request_stop(held) is StopTarget.HOLDER
    assert await live.request_stop(orphan) is StopTarget.ASKER
    assert await live.request_stop(ended) is StopTarget.ALREADY_ENDED
    retaken = await live.take(orphan, "w2")
    assert retaken is not None
    assert retaken.stop_requested


async def test_orphans_are_adopted_once_and_then_up_for_takeover(redis: Redis) -> None:
    leases = LeaseStore(redis, lease_seconds=60, ttl_seconds=60)
    orphan, held = _task(), _task()
    assert await leases.take(held, "w1") is not None
    assert await leases.is_registered([orphan, held]) == [False, True]
    assert await leases.adopt([orphan, held]) == 1
    assert orphan in await leases.expired(1000)
    assert held not in await leases.expired(1000)
    taken = await leases.take(orphan, "w2")
    assert taken is not None
    assert taken.takeovers == 1


async def test_a_stop_brings_the_deadline_forward_so_a_dead_holder_is_found_out_soon(redis: Redis) -> None:
    leases = LeaseStore(redis, lease_seconds=60, ttl_seconds=60, stop_grace_seconds=0.2)
    task_id = _task()
    taken = await leases.take(task_id, "died a moment ago")
    assert taken is not None
    assert await leases.request_stop(task_id) is StopTarget.HOLDER
    await asyncio.sleep(0.3)
    # Nobody renewed it within the stop grace: an orphan now, with its stop flag for whoever takes it.
    assert task_id in await leases.expired(10_000)
    retaken = await leases.take(task_id, "a live worker")
    assert retaken is not None
    assert retaken.stop_requested
    # A live holder's renewal pushes the deadline out again as usual.
    assert await leases.renew([retaken.lease], "a live worker") == [True]
    assert task_id not in await leases.expired(10_000)
