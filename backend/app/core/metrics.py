"""Every Prometheus metric of the API and worker processes, defined here and nowhere else (DEPLOYMENT.md#metrics).

Each process counts for itself in prometheus_client's default registry and serves it: the API at ``GET /metrics``
(app/api/routes/metrics.py), each worker process on ``WORKER_METRICS_PORT`` (app/worker/metrics_server.py).
Prometheus scrapes every process and sums; a metric only one side moves stays at zero on the other.

Call sites move a metric with one line. On the hot paths (an event appended, an event sent to a viewer) that line
costs a lock and an add, well under a microsecond against the tens of microseconds the event itself costs, and
nothing here takes a label lookup per event: the labelled metrics move once per answer, error or refusal.
"""

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

# The 401 `detail` of both endpoints when METRICS_TOKEN is set and the request does not carry it.
UNAUTHORIZED_DETAIL = "metrics need Authorization: Bearer <METRICS_TOKEN>"

# No `_created` series beside every counter and histogram: Prometheus does not need them, and they double what a
# scrape carries.
disable_created_metrics()  # type: ignore[no-untyped-call]

# Worker: answers this process concluded, by final status (completed, failed, cancelled). Counted once per answer
# across the cluster: by the worker whose final save won (a takeover's earlier holder does not count it).
ANSWERS = Counter("chat_answers_total", "Answers concluded by this worker, by final status", ["status"])

# Worker: answers this process is generating now (streaming from the model), taken-over ones included.
ANSWERS_STREAMING = Gauge("chat_answers_streaming", "Answers this worker process is generating now")

# Worker: events appended to Redis streams (content, reasoning, snapshots, terminal events).
EVENTS_APPENDED = Counter("chat_events_appended_total", "Events appended to Redis by this worker process")

# Worker: from the start of an answer's generation (its task taken from the queue) to its first content or
# reasoning event in Redis. Takeovers are left out: their wait is the fault's, not the model's. Up to the two
# minutes a model that queues requests may take.
TIME_TO_FIRST_TOKEN = Histogram(
    "chat_time_to_first_token_seconds",
    "From an answer's start on a worker to its first content or reasoning event",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120),
)

# Worker: failed model calls by kind (app/llm/faults.py), each attempt counted, the retried ones too.
UPSTREAM_ERRORS = Counter("chat_upstream_errors_total", "Failed model calls (each attempt), by kind", ["kind"])

# Worker: model calls retried, by the kind of failure that caused the retry.
UPSTREAM_RETRIES = Counter("chat_upstream_retries_total", "Model calls retried, by the kind of failure", ["kind"])

# Worker: answers this process took over from another worker (lost, frozen, shut down, or an orphan a sweep found).
TAKEOVERS = Counter("chat_takeovers_total", "Answers this worker took over from another")

# Worker: of those, the ones whose lease had run out (their worker died or froze), as opposed to handed over.
LEASE_EXPIRIES = Counter("chat_lease_expiries_total", "Answers taken over because their lease ran out")

# API: SSE stream connections attached to this process now.
VIEWERS = Gauge("chat_viewers", "SSE stream connections open on this API process")

# API: events written to SSE viewers, each viewer counted (two viewers of one answer count its events twice).
EVENTS_DELIVERED = Counter("chat_events_delivered_total", "Events sent to SSE viewers, per viewer")

# API: from an event's append in Redis (the worker's clock) to its send to a viewer (this process's clock); events
# rebuilt from PostgreSQL, which have no append time, are left out. Milliseconds when live, seconds for a viewer
# that was behind or reading a backlog.
DELIVERY_LATENCY = Histogram(
    "chat_delivery_latency_seconds",
    "From an event's append in Redis to its send to a viewer",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

# API: tasks waiting in Celery's default queue, read from the broker when /metrics is scraped.
CELERY_QUEUE_LENGTH = Gauge("chat_celery_queue_length", "Tasks waiting in Celery's default queue")

# API: requests refused with 429 by an abuse limit, by the limit's name (app/api/rate_limits.py).
RATE_LIMIT_REFUSALS = Counter("chat_rate_limit_refusals_total", "Requests refused by an abuse limit", ["limit"])

# API: times the stream hub re-established its Redis pub/sub connection after losing it (every viewer resumed).
HUB_RECONNECTS = Counter("chat_hub_reconnects_total", "Pub/sub reconnects of this API process's stream hub")

# API: times a viewer fell so far behind that its live feed overflowed and it re-read from the Redis stream.
HUB_RESYNCS = Counter("chat_hub_resyncs_total", "Viewers sent back to read from Redis after their feed overflowed")
