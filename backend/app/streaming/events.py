"""The event a generation emits, and its two wire forms in Redis (stream entry and pub/sub message)."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson


class EventKind(StrEnum):
    CONTENT = "content"
    REASONING = "reasoning"
    # The whole answer so far, replacing what the viewer has: sent when the events in between are gone.
    SNAPSHOT = "snapshot"
    DONE = "done"
    ERROR = "error"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL_KINDS


_TERMINAL_KINDS = frozenset({EventKind.DONE, EventKind.ERROR})


class SnapshotReason(StrEnum):
    """Why a snapshot replaces what a viewer has, sent as its ``"reason"``."""

    # The worker generating the answer was lost and the model could not continue it: the answer starts over.
    RESTART = "restart"
    # Redis lost the answer's events: the snapshot carries the whole text so far.
    RECOVERED = "recovered"


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One event of a generation. ``data`` is the JSON object sent as the SSE ``data:`` field,
    serialised once by the worker and relayed byte for byte."""

    seq: int
    kind: EventKind
    data: bytes
    # Wall-clock time of the append, in microseconds since the epoch (0 for events rebuilt from
    # PostgreSQL); clients may ask for it to measure delivery latency.
    appended_us: int = 0

    @property
    def is_terminal(self) -> bool:
        return self.kind.is_terminal


def encode_data(payload: dict[str, Any]) -> bytes:
    return orjson.dumps(payload)


def decode_live_message(message: bytes) -> StreamEvent:
    """Parse ``<seq> <kind> <appended_us> <json>``, the pub/sub form written by the append script."""
    seq, kind, appended_us, data = message.split(b" ", 3)
    return StreamEvent(int(seq), EventKind(kind.decode()), data, int(appended_us))


def decode_stream_entry(entry_id: bytes, fields: dict[bytes, bytes]) -> StreamEvent:
    """Parse one ``XRANGE`` entry: id ``0-<seq>``, fields ``k`` (kind), ``d`` (data), ``t`` (appended_us)."""
    seq = int(entry_id.partition(b"-")[2])
    return StreamEvent(seq, EventKind(fields[b"k"].decode()), fields[b"d"], int(fields[b"t"]))


def with_append_time(event: StreamEvent) -> bytes:
    """The event's data with ``"t": <appended_us>`` added, for clients measuring delivery latency."""
    if not event.appended_us:
        return event.data
    return b'%b,"t":%d}' % (event.data[:-1], event.appended_us)


# The JSON objects clients receive as SSE ``data:``; the worker and the persisted-answer fallback
# both build them here so a replay from PostgreSQL looks exactly like the live stream.


def content_data(text: str) -> bytes:
    return encode_data({"content": text})


def reasoning_data(text: str) -> bytes:
    return encode_data({"reasoning": text})


def snapshot_data(content: str, reasoning: str, reason: SnapshotReason | None = None) -> bytes:
    snapshot: dict[str, Any] = {"snapshot": {"content": content, "reasoning": reasoning}}
    if reason is not None:
        snapshot["reason"] = reason.value
    return encode_data(snapshot)


def done_data(status: str) -> bytes:
    return encode_data({"done": True, "status": status})


def error_data(message: str) -> bytes:
    return encode_data({"error": message, "status": "failed"})
