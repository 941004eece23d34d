import asyncio
import uuid

from prometheus_client import REGISTRY
from redis.asyncio import Redis

from app.core import redis_keys
from app.lease.store import Lease
from app.streaming.events import EventKind, content_data
from app.streaming.feed import FeedSignal
from app.streaming.hub import StreamHub
from app.streaming.store import EventStore


async def _pubsub_connections(redis: Redis) -> int:
    clients = await redis.client_list()
    return sum(1 for client in clients if int(client.get("sub", 0)) > 0)


async def test_one_connection_serves_every_viewer_and_channel(hub: StreamHub, store: EventStore, redis: Redis) -> None:
    before = await _pubsub_connections(redis)
    tasks = [str(uuid.uuid4()) for _ in range(20)]
    async with asyncio.TaskGroup() as group:
        viewers = [group.create_task(_watch_one(hub, store, task)) for task in tasks for _ in range(5)]
        await asyncio.sleep(0.3)
        assert hub.viewer_count == 100
        assert hub.channel_count == 20
        assert await _pubsub_connections(redis) == before
        for task in tasks:
            await store.append(Lease(task, 1), 1, EventKind.CONTENT, content_data("hello"))
    assert all(viewer.result() == 1 for viewer in viewers)
    assert hub.channel_count == 0


async def _watch_one(hub: StreamHub, store: EventStore, task_id: str) -> int:
    async with hub.subscribe(task_id) as feed:
        batch = await feed.next_batch()
        assert not isinstance(batch, FeedSignal)
        return batch[0].seq


async def test_a_slow_viewer_is_bounded_and_told_to_resync(hub: StreamHub, store: EventStore) -> None:
    task_id = str(uuid.uuid4())
    async with hub.subscribe(task_id) as feed:
        for seq in range(1, 21):  # the fixture's feeds hold 8
            await store.append(Lease(task_id, 1), seq, EventKind.CONTENT, content_data(str(seq)))
        await asyncio.sleep(0.2)
        assert await feed.next_batch() is FeedSignal.RESYNC


async def test_losing_redis_ends_feeds_and_the_hub_recovers(hub: StreamHub, store: EventStore, redis: Redis) -> None:
    task_id = str(uuid.uuid4())
    reconnects = REGISTRY.get_sample_value("chat_hub_reconnects_total") or 0
    epoch = hub.connection_epoch
    assert epoch is not None
    async with hub.subscribe(task_id) as feed:
        await redis.client_kill_filter(_type="pubsub")
        assert await asyncio.wait_for(feed.next_batch(), 5) is FeedSignal.CLOSED

    for _ in range(50):  # the hub reconnects by itself
        later_task = str(uuid.uuid4())
        try:
            async with asyncio.timeout(1), hub.subscribe(later_task) as feed:
                await store.append(Lease(later_task, 1), 1, EventKind.CONTENT, content_data("after"))
                batch = await feed.next_batch()
                assert not isinstance(batch, FeedSignal)
                break
        except Exception:
            await asyncio.sleep(0.1)
    else:
        raise AssertionError("the hub did not recover")
    assert REGISTRY.get_sample_value("chat_hub_reconnects_total") == reconnects + 1
    # What was learnt under the lost connection (the callers of app/auth/sessions.py) no longer counts.
    assert hub.connection_epoch == epoch + 1


async def test_every_ended_session_is_passed_on_in_order(redis_url: str, redis: Redis) -> None:
    ended = [f"session:{uuid.uuid4().hex}", f"user:{uuid.uuid4()}"]
    heard: list[str] = []
    all_heard = asyncio.Event()

    def hear(name: str) -> None:
        heard.append(name)
        if len(heard) == len(ended):
            all_heard.set()

    hub_redis = Redis.from_url(redis_url)
    hub = StreamHub(hub_redis, feed_capacity=8, on_session_ended=hear)
    await hub.start()
    try:
        for name in ended:
            await redis.publish(redis_keys.SESSIONS_ENDED_CHANNEL, name)
        await asyncio.wait_for(all_heard.wait(), 5)
        assert heard == ended
    finally:
        await hub.stop()
        await hub_redis.aclose()


async def test_a_session_that_signs_out_loses_its_feeds_and_no_one_else_does(
    hub: StreamHub, store: EventStore, redis: Redis
) -> None:
    task_id = str(uuid.uuid4())
    mine, user = f"session:{uuid.uuid4().hex}", f"user:{uuid.uuid4()}"
    async with (
        hub.subscribe(task_id, (mine, user)) as signed_out,
        hub.subscribe(task_id, (f"session:{uuid.uuid4().hex}", user)) as same_user,
        hub.subscribe(task_id) as someone_else,
    ):
        await redis.publish(redis_keys.SESSIONS_ENDED_CHANNEL, mine)
        assert await asyncio.wait_for(signed_out.next_batch(), 5) is FeedSignal.CLOSED
        await store.append(Lease(task_id, 1), 1, EventKind.CONTENT, content_data("still here"))
        for feed in (same_user, someone_else):
            batch = await asyncio.wait_for(feed.next_batch(), 5)
            assert not isinstance(batch, FeedSignal)
            assert batch[0].seq == 1
        await redis.publish(redis_keys.SESSIONS_ENDED_CHANNEL, user)  # signed out everywhere
        assert await asyncio.wait_for(same_user.next_batch(), 5) is FeedSignal.CLOSED
        await store.append(Lease(task_id, 1), 2, EventKind.CONTENT, content_data("and still"))
        batch = await asyncio.wait_for(someone_else.next_batch(), 5)
        assert not isinstance(batch, FeedSignal)
    assert not hub._feeds_by_session, "nothing kept for sessions whose streams are gone"
