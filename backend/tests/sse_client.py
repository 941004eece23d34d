"""A small, strict SSE reader over httpx for the tests: yields (id, data) per event."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson


@dataclass(frozen=True)
class SseEvent:
    id: int
    data: dict[str, Any]

    @property
    def is_terminal(self) -> bool:
        return "done" in self.data or "error" in self.data


async def iter_events(response: httpx.Response) -> AsyncIterator[SseEvent]:
    event_id: str | None = None
    data_lines: list[str] = []
    async for line in response.aiter_lines():
        if line == "":
            if data_lines:
                assert event_id is not None, "every data event must carry an id"
                yield SseEvent(int(event_id), orjson.loads("\n".join(data_lines)))
            event_id, data_lines = None, []
        elif line.startswith(":") or line.startswith("retry:"):
            continue
        elif line.startswith("id:"):
            event_id = line[3:].strip()
        elif line.startswith("data:"):
            data_lines.append(line[5:].removeprefix(" "))


async def read_stream(
    client: httpx.AsyncClient, task_id: str, *, after: int | None = None, last_event_id: int | None = None
) -> list[SseEvent]:
    """Read a stream until its terminal event (or until the server ends it)."""
    params = {"after": after} if after is not None else {}
    headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
    events: list[SseEvent] = []
    async with client.stream("GET", f"/stream/{task_id}", params=params, headers=headers) as response:
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        async for event in iter_events(response):
            events.append(event)
            if event.is_terminal:
                break
    return events


async def read_first(client: httpx.AsyncClient, task_id: str, count: int) -> list[SseEvent]:
    """Read ``count`` events, then hang up, as a client that goes away mid-answer."""
    events: list[SseEvent] = []
    async with client.stream("GET", f"/stream/{task_id}") as response:
        async for event in iter_events(response):
            events.append(event)
            if len(events) == count or event.is_terminal:
                break
    return events


def assemble(events: list[SseEvent], field: str = "content") -> str:
    """The text a client shows after these events: deltas append, a snapshot replaces."""
    text = ""
    for event in events:
        if "snapshot" in event.data:
            text = event.data["snapshot"][field]
        else:
            text += event.data.get(field, "")
    return text
