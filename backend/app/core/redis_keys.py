"""Every Redis key, channel and TTL the application uses, in one place.

Celery's own broker keys (``celery``, ``_kombu.*``, ``unacked*``) are managed by kombu and left out;
everything of ours lives under the ``chat:`` prefix so it can be told apart, scanned and evicted
separately (see DEPLOYMENT.md on eviction policy).
"""

PREFIX = "chat"


def stream_events_key(task_id: str) -> str:
    """Redis Stream of one generation's events.

    Entry ids are ``0-<seq>`` (``XADD key 0-*``), so ``seq`` is a gapless 1, 2, 3, … counter kept by
    Redis itself; it is the SSE ``id:`` clients resume from. Fields: ``k`` (event kind) and ``d``
    (the JSON object sent as SSE ``data:``).
    """
    return f"{PREFIX}:stream:{task_id}:events"


def stream_channel(task_id: str) -> str:
    """Pub/sub channel announcing each event of a generation as ``<seq> <kind> <json>``, published
    atomically with the stream append so that the channel and the stream can never disagree."""
    return f"{PREFIX}:stream:{task_id}:live"


# An API process keeps this channel subscribed for its whole life, so its single pub/sub
# connection exists (and is health-checked) even while no stream is being watched.
HUB_CONTROL_CHANNEL = f"{PREFIX}:hub:control"

# Events expire this long after the last write; the settings value STREAM_TTL_SECONDS overrides it.
DEFAULT_STREAM_TTL_SECONDS = 3600
