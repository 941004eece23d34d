from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis


@pytest.fixture
async def redis(lease_test_redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(lease_test_redis_url)
    yield client
    await client.aclose()
