"""The hub lets a viewer in (and so lets it read the backlog) only once Redis has confirmed the SUBSCRIBE that
covers it: an event published after the viewer is let in must reach its feed. A proxy holds the SUBSCRIBE back
from Redis to give a viewer let in too early the chance to miss one."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from app.core import redis_keys
from app.streaming.events import content_data
from app.streaming.feed import FeedSignal
from app.streaming.hub import StreamHub
from tests.streaming.holding_proxy import HoldingProxy


@pytest.fixture
async def proxy(redis_url: str) -> AsyncIterator[HoldingProxy]:
    proxy = HoldingProxy(redis_url)
    await proxy.start()
    yield proxy
    await proxy.stop()


@pytest.fixture
async def proxied_hub(proxy: HoldingProxy) -> AsyncIterator[StreamHub]:
    hub_redis = Redis.from_url(proxy.url, retry=Retry(NoBackoff(), retries=0))
    hub = StreamHub(hub_redis, feed_capacity=8)
    await hub.start()
    yield hub
    await hub.stop()
    await hub_redis.aclose()


def _live(seq: int) -> bytes:
    """The pub/sub form of a content event, as the append script publishes it."""
    return b"%d content 0 %b" % (seq, content_data(str(seq)))


async def test_an_event_published_once_a_viewer_is_let_in_reaches_its_feed(
    proxied_hub: StreamHub, proxy: HoldingProxy, redis: Redis
) -> None:
    task_id = str(uuid.uuid4())
    channel = redis_keys.stream_channel(task_id)
    proxy.hold_from(channel.encode())
    let_in = asyncio.Event()
    first_published = asyncio.Event()

    async def viewer() -> list[int]:
        async with proxied_hub.subscribe(task_id) as feed:
            let_in.set()
            # Where the relay reads the backlog: whatever is published from here on must come through the feed.
            await redis.publish(channel, _live(1))
            first_published.set()
            seqs: list[int] = []
            while 2 not in seqs:
                batch = await feed.next_batch()
                assert not isinstance(batch, FeedSignal), batch
                seqs += [event.seq for event in batch]
            return seqs

    watching = asyncio.create_task(viewer())
    await proxy.held.wait()  # the hub has sent the SUBSCRIBE; Redis does not have it
    if let_in.is_set():
        # Let in without waiting for the confirmation: event 1 now goes out while Redis has no subscriber to give
        # it to. (A viewer that does not wait is let in within its first step, before the hub's writer even sends
        # the SUBSCRIBE, so by now it is in: this check cannot come too early.)
        await first_published.wait()
    proxy.release()
    await proxy.answered.wait()  # Redis has run the SUBSCRIBE: whatever is published now reaches the hub
    await first_published.wait()
    await redis.publish(channel, _live(2))
    # The bound only turns a hang into a failure; either way the outcome is already decided.
    assert await asyncio.wait_for(watching, 10) == [1, 2], "the viewer missed an event published after it came in"
