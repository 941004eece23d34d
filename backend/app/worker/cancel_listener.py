"""Listens, once per worker process, for requests to stop a generation and hands them to the registry.

A broadcast missed while reconnecting costs little: the cancel flag travels back with every event the
worker appends, so the generation still stops at its next chunk.
"""

import asyncio
import logging
from contextlib import suppress

from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.core import redis_keys
from app.services.cancellation import CancellationRegistry

logger = logging.getLogger(__name__)

_RETRY_SECONDS = 1.0


class CancelListener:
    def __init__(self, redis: Redis, registry: CancellationRegistry) -> None:
        self._redis = redis
        self._registry = registry
        self._task: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen_forever())
        await asyncio.wait_for(self._subscribed.wait(), timeout=10)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def _listen_forever(self) -> None:
        while True:
            try:
                async with self._redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(redis_keys.CANCEL_CHANNEL)
                    self._subscribed.set()
                    async for message in pubsub.listen():
                        if message["type"] == "message":
                            self._registry.cancel(message["data"].decode())
            except (RedisError, OSError) as error:
                logger.warning("cancel listener: %s; retrying", error)
                await asyncio.sleep(_RETRY_SECONDS)
