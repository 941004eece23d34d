import asyncio

from prometheus_client import REGISTRY

from app.streaming.events import EventKind, StreamEvent
from app.streaming.feed import Feed, FeedSignal


def _event(seq: int) -> StreamEvent:
    return StreamEvent(seq, EventKind.CONTENT, b'{"content":"x"}')


async def test_a_batch_is_everything_queued_in_order() -> None:
    feed = Feed(capacity=4)
    for seq in (1, 2, 3):
        feed.push(_event(seq))
    assert await feed.next_batch() == [_event(1), _event(2), _event(3)]
    feed.push(_event(4))
    assert await feed.next_batch() == [_event(4)]


async def test_a_batch_waits_for_the_first_event() -> None:
    feed = Feed(capacity=4)
    waiting = asyncio.create_task(feed.next_batch())
    await asyncio.sleep(0.01)
    assert not waiting.done()
    feed.push(_event(1))
    assert await asyncio.wait_for(waiting, 1) == [_event(1)]


async def test_overflow_drops_the_queue_and_asks_for_a_resync_once() -> None:
    resyncs = REGISTRY.get_sample_value("chat_hub_resyncs_total")
    feed = Feed(capacity=2)
    for seq in range(1, 6):
        feed.push(_event(seq))
    assert await feed.next_batch() is FeedSignal.RESYNC
    # Counted once per overflow, not per event dropped.
    assert REGISTRY.get_sample_value("chat_hub_resyncs_total") == (resyncs or 0) + 1
    feed.push(_event(6))
    assert await feed.next_batch() == [_event(6)]


async def test_close_is_final() -> None:
    feed = Feed(capacity=2)
    feed.push(_event(1))
    feed.close()
    feed.push(_event(2))
    assert await feed.next_batch() is FeedSignal.CLOSED
    assert await feed.next_batch() is FeedSignal.CLOSED
