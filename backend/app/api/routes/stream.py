from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Path, Query, status
from sse_starlette import EventSourceResponse

from app.api.deps import RelayDep, SessionFactoryDep
from app.services import messages
from app.services.persisted_answer import persisted_answer
from app.streaming.relay import StreamInterruptedError

router = APIRouter(tags=["stream"])

PING_SECONDS = 15
# Sent first: how long a browser EventSource waits before reconnecting after the stream drops.
RECONNECT_HINT = b"retry: 1000\n\n"

TaskId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


@router.get(
    "/stream/{task_id}",
    response_class=EventSourceResponse,
    responses={
        200: {"description": "Server-Sent Events; each `data:` is a JSON object, each `id:` the event's sequence"},
        404: {"description": "No such task"},
    },
)
async def stream(
    task_id: TaskId,
    sessions: SessionFactoryDep,
    relay: RelayDep,
    after: Annotated[int | None, Query(ge=0, description="Resume after this event id")] = None,
    last_event_id: Annotated[str | None, Header(description="Standard SSE resume header")] = None,
) -> EventSourceResponse:
    """Stream a generation's events after a cursor: `{"content"}`, `{"reasoning"}`, then `{"done"}` or `{"error"}`."""
    cursor = _cursor(after, last_event_id)
    async with sessions() as session:
        await messages.find_by_task(session, task_id)

    async def body() -> AsyncIterator[bytes]:
        yield RECONNECT_HINT
        try:
            async for event in relay.events_after(task_id, cursor, lambda: persisted_answer(sessions, task_id)):
                yield b"id: %d\ndata: %b\n\n" % (event.seq, event.data)
        except StreamInterruptedError:
            # No terminal event was sent, so the client knows to resume from its last id.
            return

    return EventSourceResponse(
        body(), ping=PING_SECONDS, sep="\n", headers={"X-Accel-Buffering": "no"}, send_timeout=30
    )


def _cursor(after: int | None, last_event_id: str | None) -> int:
    # A reconnecting EventSource keeps its original URL and sends the newer position in the header.
    if last_event_id is not None:
        if not last_event_id.isdigit():
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "Last-Event-ID must be a non-negative integer")
        return int(last_event_id)
    return after or 0
