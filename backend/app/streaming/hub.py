"""One Redis pub/sub connection per API process, fanned out to a bounded feed per viewer.

Every channel is subscribed once however many viewers watch it, and unsubscribed when the last
one leaves. All SUBSCRIBE/UNSUBSCRIBE commands go through a single writer task so that they reach
Redis in the order they were asked for, and each viewer waits for the confirmation of the very
SUBSCRIBE that covers it before it reads the backlog: that ordering is what makes
"subscribe, then read" gap-free (see WHY_REDIS.md).
"""

import asyncio
import logging
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from app.core import metrics, redis_keys
from app.streaming.events import decode_live_message
from app.streaming.feed import Feed

logger = logging.getLogger(__name__)

# Idle time after which the reader pings Redis, and silence after which the connection is deemed dead.
_IDLE_PING_SECONDS = 10.0
_DEAD_AFTER_SECONDS = 30.0
_RECONNECT_DELAYS = (0.1, 0.25, 0.5, 1.0, 2.0)


class HubUnavailableError(Exception):
    """The hub could not subscribe (Redis unreachable or the hub is stopping)."""


@dataclass(eq=False)
class _Channel:
    ready: asyncio.Future[None]
    feeds: set[Feed] = field(default_factory=set)


class StreamHub:
    def __init__(
        self, redis: Redis, feed_capacity: int, on_session_ended: Callable[[str], None] = lambda _: None
    ) -> None:
        """``on_session_ended`` hears every announcement of SESSIONS_ENDED_CHANNEL (the process's CallerCache)."""
        self._redis = redis
        self._feed_capacity = feed_capacity
        self._on_session_ended = on_session_ended
        # Counts the connections made; see connection_epoch.
        self._epoch = 0
        self._channels: dict[str, _Channel] = {}
        # The feeds to end when a session or a user signs out (redis_keys.SESSIONS_ENDED_CHANNEL), by its name there.
        self._feeds_by_session: defaultdict[str, set[Feed]] = defaultdict(set)
        # Confirmations arrive in command order, so each channel's sent SUBSCRIBEs wait in a FIFO.
        self._awaiting_confirmation: defaultdict[str, deque[asyncio.Future[None]]] = defaultdict(deque)
        self._commands: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self._pubsub: PubSub | None = None
        self._connected = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False

    @property
    def channel_count(self) -> int:
        return len(self._channels)

    @property
    def connection_epoch(self) -> int | None:
        """Which pub/sub connection is up, None while none is: what was learnt under one epoch holds only while
        it lasts, since announcements published while the hub was away are lost to it."""
        return self._epoch if self._connected.is_set() else None

    @property
    def viewer_count(self) -> int:
        return sum(len(channel.feeds) for channel in self._channels.values())

    async def start(self) -> None:
        await self._connect()
        self._tasks = [asyncio.create_task(self._read_forever()), asyncio.create_task(self._write_forever())]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError):
                await task
        self._drop_everything()
        await self._disconnect()

    def close_feeds(self) -> None:
        """End every live feed, now and from now on: the server is shutting down and viewers should
        resume on another process."""
        self._closing = True
        self._drop_everything()

    @asynccontextmanager
    async def subscribe(self, task_id: str, sessions: tuple[str, ...] = ()) -> AsyncIterator[Feed]:
        """Yield a feed of the task's live events once Redis has confirmed the subscription; it is closed as soon
        as one of ``sessions`` is announced ended."""
        if self._closing:
            raise HubUnavailableError("the server is shutting down")
        name = redis_keys.stream_channel(task_id)
        channel = self._channels.get(name)
        if channel is None:
            channel = _Channel(ready=asyncio.get_running_loop().create_future())
            self._channels[name] = channel
            self._awaiting_confirmation[name].append(channel.ready)
            self._commands.put_nowait(("SUBSCRIBE", name))
        feed = Feed(self._feed_capacity)
        channel.feeds.add(feed)
        for session in sessions:
            self._feeds_by_session[session].add(feed)
        try:
            # Shielded: one viewer giving up must not cancel the wait shared with the others.
            await asyncio.shield(channel.ready)
            yield feed
        finally:
            for session in sessions:
                watched = self._feeds_by_session.get(session)
                if watched is not None:
                    watched.discard(feed)
                    if not watched:
                        del self._feeds_by_session[session]
            channel.feeds.discard(feed)
            if not channel.feeds and self._channels.get(name) is channel:
                del self._channels[name]
                self._commands.put_nowait(("UNSUBSCRIBE", name))

    async def _connect(self) -> None:
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(redis_keys.HUB_CONTROL_CHANNEL, redis_keys.SESSIONS_ENDED_CHANNEL)
        self._pubsub = pubsub
        self._epoch += 1
        self._connected.set()

    async def _disconnect(self) -> None:
        self._connected.clear()
        if self._pubsub is not None:
            with suppress(RedisError, OSError):
                await self._pubsub.aclose()  # type: ignore[no-untyped-call]
            self._pubsub = None

    async def _write_forever(self) -> None:
        while True:
            command, name = await self._commands.get()
            await self._connected.wait()
            assert self._pubsub is not None
            try:
                await self._pubsub.execute_command(command, name)
            except (RedisError, OSError):
                # The reader notices the broken connection and drops every subscription; nothing to redo.
                logger.warning("hub: %s %s failed; the reader will reconnect", command, name)

    async def _read_forever(self) -> None:
        while True:
            try:
                await self._read_until_broken()
            except (RedisError, OSError) as error:
                logger.warning("hub: pub/sub connection lost (%s); ending live feeds for resumption", error)
            self._drop_everything()
            await self._disconnect()
            await self._reconnect_with_backoff()

    async def _read_until_broken(self) -> None:
        assert self._pubsub is not None
        loop = asyncio.get_running_loop()
        last_heard = loop.time()
        while True:
            message = await self._pubsub.get_message(timeout=_IDLE_PING_SECONDS)
            now = loop.time()
            if message is None:
                if now - last_heard > _DEAD_AFTER_SECONDS:
                    raise ConnectionError("no reply from Redis to pub/sub pings")
                await self._pubsub.ping()
                continue
            last_heard = now
            self._dispatch(message)

    def _dispatch(self, message: dict[str, object]) -> None:
        kind = message["type"]
        name = _channel_name(message["channel"])
        if kind == "message" and name == redis_keys.SESSIONS_ENDED_CHANNEL:
            ended = _channel_name(message["data"])
            self._on_session_ended(ended)
            for feed in self._feeds_by_session.pop(ended, ()):
                feed.close()
        elif kind == "message":
            channel = self._channels.get(name)
            data = message["data"]
            if channel is not None and isinstance(data, bytes):
                event = decode_live_message(data)
                for feed in channel.feeds:
                    feed.push(event)
        elif kind == "subscribe":
            waiting = self._awaiting_confirmation.get(name)
            if waiting:
                ready = waiting.popleft()
                if not waiting:
                    del self._awaiting_confirmation[name]
                if not ready.done():
                    ready.set_result(None)

    def _drop_everything(self) -> None:
        """End every live feed and pending subscription; viewers resume from their cursor."""
        for channel in self._channels.values():
            for feed in channel.feeds:
                feed.close()
        for waiting in self._awaiting_confirmation.values():
            for ready in waiting:
                if not ready.done():
                    ready.set_exception(HubUnavailableError("lost the Redis pub/sub connection"))
        self._channels.clear()
        self._feeds_by_session.clear()
        self._awaiting_confirmation.clear()
        while not self._commands.empty():
            self._commands.get_nowait()

    async def _reconnect_with_backoff(self) -> None:
        attempt = 0
        while True:
            await asyncio.sleep(_RECONNECT_DELAYS[min(attempt, len(_RECONNECT_DELAYS) - 1)])
            try:
                await self._connect()
            except (RedisError, OSError) as error:
                attempt += 1
                logger.warning("hub: reconnect attempt %d failed: %s", attempt, error)
                await self._disconnect()
            else:
                metrics.HUB_RECONNECTS.inc()
                logger.info("hub: pub/sub connection re-established")
                return


def _channel_name(raw: object) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)
