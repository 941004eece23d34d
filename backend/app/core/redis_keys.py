"""Every Redis key, channel and TTL the application uses, in one place.

Celery's own broker keys (``celery``, ``_kombu.*``; no ``unacked*``, as ack emulation is off) are managed by
kombu and left out; everything of ours lives under the ``chat:`` prefix so it can be told apart, scanned and evicted
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


def lease_key(task_id: str) -> str:
    """Hash holding the lease of one answer (app/lease): ``epoch`` (the holder's, µs of Redis' clock at the take),
    ``owner`` (which process), ``takeovers`` (how often it changed hands), ``stop`` (present once a stop was asked)
    and, in background mode, ``response``/``useq`` (the upstream response and the sequence number of the last
    upstream event appended). Kept after the answer ends, for STREAM_TTL_SECONDS, so a stale writer stays fenced."""
    return f"{PREFIX}:stream:{task_id}:lease"


# Sorted set of every answer being generated: member the task id, score the lease's deadline (µs of Redis' clock).
# A deadline in the past means the holder is gone (or handed it back) and any worker may take the answer over.
LEASES = f"{PREFIX}:leases"

# Broadcast of task ids to stop: every worker process listens and stops the answer if it holds its lease, at
# once, even while the model is silent (waiting for a first token, or stalled).
STOP_CHANNEL = f"{PREFIX}:stop"

# Held by whichever worker process sweeps PostgreSQL for answers in progress that nothing covers (app/lease/sweeper.py),
# so that one process sweeps per interval; it expires by itself.
SWEEP_LOCK = f"{PREFIX}:sweep"


# Prefix of the abuse limits' keys (app/api/rate_limits.py), written by the `limits` library as
# ``chat:ratelimit:LIMITER/<rule>/<who>/<amount>/<multiples>/<granularity>``: a list of hit times per rule and caller
# (moving window), trimmed to the limit's amount and expiring one window after the last hit. ``<who>`` is an IP
# address (an IPv6 /64), a user id, or a hash of the email signed in to, never the email itself.
RATE_LIMIT_PREFIX = f"{PREFIX}:ratelimit"

# Sessions that just ended (app/auth/sessions.py announce_ended): "session:<token sha256 hex>" for a sign-out,
# "user:<uuid>" for a sign-out everywhere or a new password. Every API process's hub listens, and ends the open
# streams of those sessions; their clients reconnect, and are refused.
SESSIONS_ENDED_CHANNEL = f"{PREFIX}:sessions:ended"

# An API process keeps this channel subscribed for its whole life, so its single pub/sub
# connection exists (and is health-checked) even while no stream is being watched.
HUB_CONTROL_CHANNEL = f"{PREFIX}:hub:control"

# Connection names (CLIENT SETNAME), so CLIENT LIST tells operators which process holds what.
API_CONNECTION_NAME = f"{PREFIX}-api"
API_HUB_CONNECTION_NAME = f"{PREFIX}-api-hub"
WORKER_CONNECTION_NAME = f"{PREFIX}-worker"
# The API's abuse limits, on a pool of their own that fails fast (app/api/rate_limits.py).
RATE_LIMIT_CONNECTION_NAME = f"{PREFIX}-api-ratelimit"
# Pushes Celery task messages onto the broker (app.worker.dispatch), from the API and the worker.
TASK_PUBLISHER_CONNECTION_NAME = f"{PREFIX}-task-publisher"

# Events expire this long after the last write; the settings value STREAM_TTL_SECONDS overrides it.
DEFAULT_STREAM_TTL_SECONDS = 3600
