from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from app.streaming.hub import StreamHub
from app.streaming.store import EventStore


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def store(redis: Redis) -> AsyncIterator[EventStore]:
    store = EventStore(redis, ttl_seconds=60)
    yield store
    await store.close()


@pytest.fixture
async def hub(redis_url: str) -> AsyncIterator[StreamHub]:
    hub_redis = Redis.from_url(redis_url, retry=Retry(NoBackoff(), retries=0))
    hub = StreamHub(hub_redis, feed_capacity=8)
    await hub.start()
    yield hub
    await hub.stop()
    await hub_redis.aclose()
