import asyncio
import uuid

from app.streaming.events import EventKind, StreamEvent, content_data, done_data
from app.streaming.hub import StreamHub
from app.streaming.relay import StreamRelay
from app.streaming.store import EventStore


async def _not_persisted() -> list[StreamEvent] | None:
    return None


async def _collect(relay: StreamRelay, task_id: str, cursor: int) -> list[int]:
    return [event.seq async for event in relay.events_after(task_id, cursor, _not_persisted)]


async def test_viewers_joining_at_any_moment_get_every_event_once(hub: StreamHub, store: EventStore) -> None:
    """Viewers start while the writer is appending; each must see 1..N exactly, in order."""
    relay = StreamRelay(store, hub)
    task_id = str(uuid.uuid4())
    total = 300
    viewers: list[asyncio.Task[list[int]]] = []

    async def write() -> None:
        for n in range(total - 1):
            await store.append(task_id, EventKind.CONTENT, content_data(str(n)))
            if n % 10 == 0:
                viewers.append(asyncio.create_task(_collect(relay, task_id, 0)))
                await asyncio.sleep(0)
        await store.append(task_id, EventKind.DONE, done_data("completed"))

    await write()
    results = await asyncio.wait_for(asyncio.gather(*viewers), 30)
    assert all(seqs == list(range(1, total + 1)) for seqs in results)


async def test_a_viewer_that_already_has_everything_ends_at_once(hub: StreamHub, store: EventStore) -> None:
    relay = StreamRelay(store, hub)
    task_id = str(uuid.uuid4())
    await store.append(task_id, EventKind.CONTENT, content_data("x"))
    await store.append(task_id, EventKind.DONE, done_data("completed"))
    assert await asyncio.wait_for(_collect(relay, task_id, 2), 2) == []
