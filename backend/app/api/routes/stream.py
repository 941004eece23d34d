import logging
import time
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Path, Query, Response, status
from pydantic import WithJsonSchema
from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError

from app.api.deps import (
    AutocommitSessionFactoryDep,
    CallerDep,
    HubDep,
    LeasesDep,
    RelayDep,
    SettingsDep,
    ShutdownDep,
    StoreDep,
)
from app.api.errors import UNAUTHENTICATED, UNAVAILABLE, error_response
from app.api.sse import SseResponse
from app.core import logs, metrics
from app.models import StopAccepted
from app.services import messages
from app.services.persisted_answer import persisted_answer
from app.services.stop_request import request_stop
from app.streaming.events import StreamEvent, with_append_time
from app.streaming.hub import HubUnavailableError
from app.streaming.relay import StreamInterruptedError

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/stream", tags=["stream"], responses={**UNAUTHENTICATED, **UNAVAILABLE})

# A client that takes no bytes for this long is dropped; it can resume with its last id.
SEND_TIMEOUT_SECONDS = 30
# On shutdown, how long open streams get to end themselves cleanly before they are cut.
SHUTDOWN_GRACE_SECONDS = 2
# Sent first: how long a browser EventSource waits before reconnecting after the stream drops.
RECONNECT_HINT = b"retry: 1000\n\n"

TaskId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
# Event ids count one answer's events from 1, and a cursor is one of them or 0. Eighteen digits bound it far
# above any answer and far inside the 64-bit sequence numbers of Redis stream ids, which refuse 2^64 and more.
MAX_EVENT_ID_DIGITS = 18
MAX_EVENT_ID = 10**MAX_EVENT_ID_DIGITS - 1
_EVENT_ID_PATTERN = rf"^[0-9]{{1,{MAX_EVENT_ID_DIGITS}}}$"
_SSE_EVENT_SCHEMA = {
    "type": "object",
    "required": ["id", "data"],
    "properties": {
        "id": {"type": "string", "pattern": _EVENT_ID_PATTERN},
        "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": {"type": "object"}},
    },
}


@router.get(
    "/{task_id}",
    status_code=status.HTTP_200_OK,
    response_class=SseResponse,
    responses={
        200: {
            "description": "Server-Sent Events; each `data:` is a JSON object, each `id:` the event's sequence",
            # In OpenAPI 3.1 the schema of an event stream describes one event, as an EventSource reads it.
            "content": {"text/event-stream": {"schema": _SSE_EVENT_SCHEMA}},
        },
        204: {"description": "The client already has every event, the terminal one included"},
        400: error_response(f"Last-Event-ID is not an event id (an integer from 0 to {MAX_EVENT_ID})"),
        404: error_response("No such task"),
    },
)
async def stream(
    task_id: TaskId,
    caller: CallerDep,
    sessions: AutocommitSessionFactoryDep,
    relay: RelayDep,
    hub: HubDep,
    shutdown: ShutdownDep,
    settings: SettingsDep,
    after: Annotated[int | None, Query(ge=0, le=MAX_EVENT_ID, description="Resume after this event id")] = None,
    timing: Annotated[
        bool, Query(description='Add "t", the event\'s append time in µs since the epoch, to each data object')
    ] = False,
    last_event_id: Annotated[
        str | None,
        # A header is a string or absent, never null; the pattern tells clients the rule, which _cursor checks
        # (a 400, as for any bad header).
        WithJsonSchema({"type": "string", "pattern": _EVENT_ID_PATTERN}),
        Header(description="Standard SSE resume header"),
    ] = None,
) -> Response:
    """Stream a generation's events after a cursor: `{"content"}`, `{"reasoning"}`, `{"snapshot"}`, then
    `{"done"}` or `{"error"}`."""
    # Bound for the request's task, so also while the response streams the body below.
    logs.bind(task_id=task_id)
    cursor = _cursor(after, last_event_id)
    # Read before the answer is: the relay trusts what it saw only while this connection lasts.
    epoch = hub.connection_epoch
    # A short session: a stream may stay open for minutes and must not hold a pooled connection.
    async with sessions() as session:
        progress = await messages.answer_progress(session, caller.user_id, task_id)
    if progress.status.is_terminal and cursor >= progress.terminal_seq:
        # 204 also tells a browser EventSource to stop reconnecting.
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    async def body() -> AsyncGenerator[bytes, None]:
        yield RECONNECT_HINT
        batches = relay.events_after(
            task_id,
            cursor,
            lambda: persisted_answer(sessions, caller.user_id, task_id),
            caller.stream_sessions,
            unfinished_under=None if progress.status.is_terminal else epoch,
        )
        try:
            with metrics.VIEWERS.track_inprogress():
                async with aclosing(batches):
                    async for batch in batches:
                        yield _encode(batch, timing)
                        # The yield returns once the response has sent the batch.
                        _count_delivered(batch)
        except (StreamInterruptedError, HubUnavailableError, RedisError, DBAPIError, OSError) as error:
            # No terminal event was sent, so the client knows to resume from its last id; a backing service that
            # went away mid-body (Redis, PostgreSQL) ends the body cleanly too, never as a truncated response.
            if not isinstance(error, StreamInterruptedError | HubUnavailableError):
                logger.warning("stream %s ended for resumption: %r", task_id, error)
            return

    return SseResponse(
        body(),
        ping_seconds=settings.sse_ping_seconds,
        send_timeout_seconds=SEND_TIMEOUT_SECONDS,
        shutdown=shutdown,
        shutdown_grace_seconds=SHUTDOWN_GRACE_SECONDS,
    )


@router.post(
    "/{task_id}/cancel",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=StopAccepted,
    responses={404: error_response("No such task")},
)
async def cancel(
    task_id: TaskId,
    caller: CallerDep,
    sessions: AutocommitSessionFactoryDep,
    store: StoreDep,
    leases: LeasesDep,
    settings: SettingsDep,
) -> StopAccepted:
    """Stop generating (not just this connection): the partial answer is kept with status `cancelled`, and
    every viewer's stream ends with `{"done": true, "status": "cancelled"}`. Safe to repeat. An answer whose
    worker is gone is ended at once; one a worker holds (or held until moments ago) ends within about 3 s
    (`status` says `streaming` meanwhile)."""
    logs.bind(task_id=task_id)
    return StopAccepted(
        task_id=task_id, status=await request_stop(sessions, store, leases, settings, caller.user_id, task_id)
    )


def _cursor(after: int | None, last_event_id: str | None) -> int:
    # A reconnecting EventSource keeps its original URL and sends the newer position in the header.
    if last_event_id is not None:
        # isdigit() alone also takes digits such as "²", which int() refuses.
        if not (last_event_id.isascii() and last_event_id.isdigit() and len(last_event_id) <= MAX_EVENT_ID_DIGITS):
            raise HTTPException(
                status.HTTP_400_BAD_REQUEST, f"Last-Event-ID must be an event id: an integer from 0 to {MAX_EVENT_ID}"
            )
        return int(last_event_id)
    return after or 0


def _count_delivered(batch: list[StreamEvent]) -> None:
    # One clock reading per batch; a worker's clock ahead of this one would make a latency negative, counted as 0.
    now_us = time.time_ns() // 1000
    metrics.EVENTS_DELIVERED.inc(len(batch))
    for event in batch:
        if event.appended_us:
            metrics.DELIVERY_LATENCY.observe(max(now_us - event.appended_us, 0) / 1_000_000)


def _encode(batch: list[StreamEvent], timing: bool) -> bytes:
    # One bytes object for the whole batch, so that it costs one send however many events it holds.
    if timing:
        return b"".join([b"id: %d\ndata: %b\n\n" % (event.seq, with_append_time(event)) for event in batch])
    return b"".join([b"id: %d\ndata: %b\n\n" % (event.seq, event.data) for event in batch])
