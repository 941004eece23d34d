"""Reads server-sent events the way a strict client would, so the tests see exactly what went over the wire."""

from dataclasses import dataclass

import orjson


@dataclass(frozen=True)
class SseEvent:
    event: str | None
    data: str

    def json(self) -> dict[str, object]:
        payload = orjson.loads(self.data)
        assert isinstance(payload, dict)
        return payload


def parse_sse(body: str) -> list[SseEvent]:
    """Every frame must be `field: value` lines ended by a blank line; anything else fails the test."""
    assert body.endswith("\n\n"), "the stream must end with a complete frame"
    events = []
    for frame in body.removesuffix("\n\n").split("\n\n"):
        fields = dict(line.split(": ", 1) for line in frame.split("\n"))
        assert set(fields) <= {"event", "data"}, frame
        events.append(SseEvent(event=fields.get("event"), data=fields["data"]))
    return events
