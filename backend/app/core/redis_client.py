"""Redis clients for the API and the worker: named, and on a bounded pool.

Bounded, because a burst (a thousand viewers attaching at once, each reading its backlog) would otherwise
open a connection per concurrent command; with a blocking pool the burst waits a moment for a free
connection instead, and a process holds at most REDIS_POOL_SIZE connections however many viewers it serves.
"""

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, TimeoutError

from app.core.config import Settings

# How long a command may wait for a free pooled connection before it fails. Generous: in a burst (2,000
# answers starting within 10 s on 2 cores) commands queue for connections for seconds, and waiting is the
# backpressure we want; failing would end answers that only had to wait.
_POOL_WAIT_SECONDS = 60


def create_redis(settings: Settings, client_name: str, url: str | None = None) -> Redis:
    """A client on REDIS_URL, or on ``url`` (the Celery broker's, which may be another Redis)."""
    pool = BlockingConnectionPool.from_url(
        url or settings.redis_url,
        max_connections=settings.redis_pool_size,
        timeout=_POOL_WAIT_SECONDS,
        client_name=client_name,
        # A pooled connection Redis closed (a restart, a blip) fails its next command: that command is retried on
        # a fresh connection instead of failing an answer or a request. Every command of ours may be repeated
        # safely: appends are idempotent by their event id, the lease scripts by their epoch.
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=3),
        retry_on_error=[ConnectionError, TimeoutError],
    )
    return Redis.from_pool(pool)
