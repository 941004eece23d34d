"""Every Redis key, channel and TTL the application uses, in one place.

Celery's own broker keys (``celery``, ``_kombu.*``, ``unacked*``) are managed by kombu and left out;
everything of ours lives under the ``chat:`` prefix so it can be told apart, scanned and evicted
separately (see DEPLOYMENT.md on eviction policy).
"""

PREFIX = "chat"


def stream_events_key(task_id: str) -> str:
    """Redis Stream of one generation's events.

    Entry ids are ``0-<seq>``: ``seq`` is 1, 2, 3, … numbered by the generation's single writer and
    enforced by Redis (an id not above the last one is refused, so a second writer cannot interleave);
    it is the SSE ``id:`` clients resume from. Fields: ``k`` (event kind), ``t`` (append time, µs since
    the epoch) and ``d`` (the JSON object sent as SSE ``data:``).
    """
    return f"{PREFIX}:stream:{task_id}:events"


def stream_channel(task_id: str) -> str:
    """Pub/sub channel announcing each event of a generation as ``<seq> <kind> <t> <json>``, published
    atomically with the stream append so that the channel and the stream can never disagree."""
    return f"{PREFIX}:stream:{task_id}:live"


def cancel_flag_key(task_id: str) -> str:
    """Set when a viewer asks to stop a generation; the append script reports it to the worker with every
    event, so a cancellation is noticed within one chunk even if the worker missed the broadcast."""
    return f"{PREFIX}:stream:{task_id}:cancel"


# Broadcast of task ids to stop: every worker process listens and cancels the generation if it runs it,
# at once, even while the model is silent (waiting for a first token, or stalled).
CANCEL_CHANNEL = f"{PREFIX}:cancel"

# How long a cancellation request is remembered; longer than any generation runs.
CANCEL_FLAG_TTL_SECONDS = 3600

# An API process keeps this channel subscribed for its whole life, so its single pub/sub
# connection exists (and is health-checked) even while no stream is being watched.
HUB_CONTROL_CHANNEL = f"{PREFIX}:hub:control"

# Connection names (CLIENT SETNAME), so CLIENT LIST tells operators which process holds what.
API_CONNECTION_NAME = f"{PREFIX}-api"
API_HUB_CONNECTION_NAME = f"{PREFIX}-api-hub"
WORKER_CONNECTION_NAME = f"{PREFIX}-worker"
# Pushes Celery task messages onto the broker (app.worker.dispatch), from the API and the worker.
TASK_PUBLISHER_CONNECTION_NAME = f"{PREFIX}-task-publisher"

# Events expire this long after the last write; the settings value STREAM_TTL_SECONDS overrides it.
DEFAULT_STREAM_TTL_SECONDS = 3600
