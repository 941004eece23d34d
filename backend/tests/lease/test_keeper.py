"""A worker process's LeaseKeeper against a real Redis: renewal, interruptions, takeovers, bounded shutdown."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from app.core import redis_keys
from app.lease.keeper import HeldLease, Interruption, LeaseKeeper
from app.lease.store import Lease, LeaseStore


class _TakeOvers:
    def __init__(self) -> None:
        self.started: list[str] = []

    async def __call__(self, task_id: str) -> None:
        self.started.append(task_id)


@pytest.fixture
async def keeper(redis: Redis) -> AsyncIterator[LeaseKeeper]:
    keeper = LeaseKeeper(redis, LeaseStore(redis, lease_seconds=0.5, ttl_seconds=60), 0.5, _TakeOvers(), owner="me")
    await keeper.start()
    yield keeper
    await keeper.stop()


async def _take(redis: Redis, task_id: str, lease_seconds: float = 0.5) -> Lease:
    taken = await LeaseStore(redis, lease_seconds, ttl_seconds=60).take(task_id, "me")
    assert taken is not None
    return taken.lease


async def _answer_waiting_for_the_model(keeper: LeaseKeeper, lease: Lease, seconds: float) -> HeldLease:
    """Runs an answer that holds ``lease`` and waits (interruptibly) for a model that says nothing."""
    ready: asyncio.Future[HeldLease] = asyncio.get_running_loop().create_future()

    async def answer() -> None:
        with keeper.holding(lease) as held:
            ready.set_result(held)
            with held.interruptible_wait():
                await asyncio.sleep(seconds)

    task = asyncio.create_task(answer())
    held = await ready
    assert held.task is task
    return held


async def test_a_held_lease_outlives_its_length(redis: Redis, keeper: LeaseKeeper) -> None:
    task_id = str(uuid.uuid4())
    lease = await _take(redis, task_id)
    held = await _answer_waiting_for_the_model(keeper, lease, seconds=30)
    # Three lease lengths: renewed all along, so nobody could take it.
    for _ in range(15):
        await asyncio.sleep(0.1)
        assert await LeaseStore(redis, 0.5, 60).take(task_id, "other") is None
    assert held.interruption is None
    held.task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await held.task


async def test_a_lease_taken_over_interrupts_its_answer_at_once(redis: Redis, keeper: LeaseKeeper) -> None:
    lease = await _take(redis, str(uuid.uuid4()))
    held = await _answer_waiting_for_the_model(keeper, lease, seconds=30)
    await redis.hset(redis_keys.lease_key(lease.task_id), "epoch", 1)  # a frozen worker's view: someone else has it
    await keeper.renew_once()
    with pytest.raises(asyncio.CancelledError):
        await held.task
    assert held.interruption is Interruption.LOST


async def test_a_stop_broadcast_interrupts_its_answer(redis: Redis, keeper: LeaseKeeper) -> None:
    lease = await _take(redis, str(uuid.uuid4()))
    held = await _answer_waiting_for_the_model(keeper, lease, seconds=30)
    await redis.publish(redis_keys.STOP_CHANNEL, lease.task_id)
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(held.task, timeout=10)
    assert held.interruption is Interruption.STOP


async def test_an_interruption_while_writing_waits_for_the_write(redis: Redis, keeper: LeaseKeeper) -> None:
    lease = await _take(redis, str(uuid.uuid4()))
    with keeper.holding(lease) as held:
        held.interrupt(Interruption.STOP)  # not waiting for the model: noted, not cancelled
        await asyncio.sleep(0)
        held.interrupt(Interruption.LOST)  # and a lost lease outranks the stop
    assert held.interruption is Interruption.LOST


async def test_expired_leases_not_held_here_are_taken_over(redis: Redis) -> None:
    take_overs = _TakeOvers()
    # Not started: its own look for expired leases would race this one.
    keeper = LeaseKeeper(redis, LeaseStore(redis, lease_seconds=0.5, ttl_seconds=60), 0.5, take_overs, owner="me")
    orphan, mine = str(uuid.uuid4()), str(uuid.uuid4())
    await _take(redis, orphan, lease_seconds=0.01)
    with keeper.holding(await _take(redis, mine, lease_seconds=0.01)):
        await asyncio.sleep(0.05)
        assert await keeper.take_expired_once() >= 1
        await asyncio.sleep(0.05)
    assert orphan in take_overs.started
    assert mine not in take_overs.started
    await keeper.stop()


async def test_shutdown_lets_short_answers_finish_and_hands_the_rest_over(redis: Redis, keeper: LeaseKeeper) -> None:
    short = await _answer_waiting_for_the_model(keeper, await _take(redis, str(uuid.uuid4())), seconds=0.2)
    long = await _answer_waiting_for_the_model(keeper, await _take(redis, str(uuid.uuid4())), seconds=30)
    await keeper.shut_down(grace_seconds=1.0)
    assert short.task.done()
    assert not short.task.cancelled()
    assert long.task.cancelled()
    assert (short.interruption, long.interruption) == (None, Interruption.HANDOVER)
    assert keeper.held_count == 0
    # Shutting down, it takes over nothing.
    await _take(redis, str(uuid.uuid4()), lease_seconds=0.01)
    await asyncio.sleep(0.05)
    assert await keeper.take_expired_once() == 0


async def test_an_interruption_noted_while_busy_ends_the_next_wait_at_once(redis: Redis, keeper: LeaseKeeper) -> None:
    lease = await _take(redis, str(uuid.uuid4()))

    async def answer() -> None:
        with keeper.holding(lease) as held:
            held.interrupt(Interruption.STOP)  # busy (not waiting for the model): only noted
            await asyncio.sleep(0)
            with held.interruptible_wait():
                await asyncio.sleep(30)  # the model, silent

    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(answer(), timeout=5)
