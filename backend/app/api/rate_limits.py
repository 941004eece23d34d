"""Abuse limits: how often one user, account or network address may send messages, sign in, register or start a
guest session, as FastAPI dependencies that answer 429 with ``Retry-After``.

Counted in Redis by the `limits` library, with its moving window: each caller's hit times are kept (a list of at
most the limit's amount, so a few dozen entries) and a hit is allowed when fewer than the amount fall within the
last window. Chosen over a fixed window, which lets twice the amount through around a window's edge, and over the
sliding window counter, which approximates the count from two fixed windows and so cannot say exactly when the
next hit will be allowed: with a moving window that is exact, the moment the oldest counted hit ages out, and is
the Retry-After sent. Refused hits are not counted, so a client that keeps retrying is let in as soon as the
window allows. Each check is one Lua script (one round trip; about 0.1 ms of API CPU measured on the project's
machine, two per send); a refusal costs a second one, for Retry-After. A caller's list holds at most the limit's
amount of entries: fine for limits of tens or hundreds, and the reason not to configure one of many thousands.

Redis going away must not take the product down with it: when Redis cannot be reached the limits fail open (the
request goes through, a warning is logged at most once a minute), and for a few seconds after a failure they are
not even tried, so an outage does not add a timeout to every request. Their connection pool is their own, with
short timeouts and no retries beyond one on a fresh connection (a Redis restart breaks pooled connections).

Who is counted: the signed-in user, the email being signed in to (a hash of it, counted whether or not the account
exists, so a refusal says nothing about existence), or the client's address, ``request.client.host`` (an IPv6
client counts as its /64 network, which one subscriber usually has to themselves). Behind a reverse proxy uvicorn
takes that address from X-Forwarded-For only when the proxy is trusted (FORWARDED_ALLOW_IPS, DEPLOYMENT.md).
"""

import hashlib
import ipaddress
import logging
import math
import time
from dataclasses import dataclass
from typing import Annotated, Any

import limits
from fastapi import Depends, Request
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import BlockingConnectionPool
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError, RedisError, TimeoutError

from app.api.deps import CallerDep, StateDep
from app.core import metrics, redis_keys
from app.core.config import Settings
from app.models import ConversationCreate, Credentials
from app.services.errors import RateLimitedError
from app.services.usage import wait_text

logger = logging.getLogger(__name__)

# Redis must answer within this; past it the limits fail open for the request.
_REDIS_TIMEOUT_SECONDS = 2.0
# After a failure the limits are not tried for this long (every request would wait for the same timeout).
_SKIP_AFTER_FAILURE_SECONDS = 5.0
# At most one warning per this while Redis stays unreachable.
_WARN_EVERY_SECONDS = 60.0
_STORAGE_ERRORS = (RedisError, OSError)


@dataclass(frozen=True)
class Rule:
    """One limit: its key in Redis, its amount and window, and how a refusal names it."""

    name: str
    item: limits.RateLimitItem
    # "too many <what>: at most 40 per minute…"
    what: str

    @property
    def window(self) -> str:
        unit = self.item.GRANULARITY.name
        return unit if self.item.multiples == 1 else f"{self.item.multiples} {unit}s"

    def refusal(self, retry_after: int) -> str:
        limit = f"at most {self.item.amount} per {self.window}"
        return f"too many {self.what}: {limit}; try again in {wait_text(retry_after)}"


class RateLimits:
    """The limits of one API process, from the settings (already checked by them: app/core/config.py)."""

    def __init__(self, settings: Settings) -> None:
        def rule(name: str, setting: str, what: str) -> Rule:
            # Exported at zero from the start, so that a rate of refusals sees the first one.
            metrics.RATE_LIMIT_REFUSALS.labels(name)
            return Rule(name, limits.parse(setting), what)

        self.sends_per_user = rule("sends-user", settings.rate_limit_sends_per_user, "messages")
        self.sends_per_guest = rule(
            "sends-guest", settings.rate_limit_sends_per_guest, "messages for a guest (an account may send more)"
        )
        self.sends_per_ip = rule("sends-ip", settings.rate_limit_sends_per_ip, "messages from your network address")
        self.logins_per_account = rule(
            "logins-account", settings.rate_limit_logins_per_account, "sign-in attempts for this email"
        )
        self.logins_per_ip = rule(
            "logins-ip", settings.rate_limit_logins_per_ip, "sign-in attempts from your network address"
        )
        self.registrations_per_ip = rule(
            "registrations-ip",
            settings.rate_limit_registrations_per_ip,
            "accounts registered from your network address",
        )
        self.guests_per_ip = rule(
            "guests-ip", settings.rate_limit_guests_per_ip, "guest sessions started from your network address"
        )
        self._pool = BlockingConnectionPool.from_url(
            settings.redis_url,
            max_connections=settings.redis_pool_size,
            timeout=_REDIS_TIMEOUT_SECONDS,
            client_name=redis_keys.RATE_LIMIT_CONNECTION_NAME,
            socket_connect_timeout=_REDIS_TIMEOUT_SECONDS,
            socket_timeout=_REDIS_TIMEOUT_SECONDS,
            retry=Retry(NoBackoff(), retries=1),
            retry_on_error=[ConnectionError, TimeoutError],
        )
        # The URI only names the storage type: the connections are the pool's.
        pool: Any = self._pool
        storage = RedisStorage(
            "async+redis://", implementation="redispy", key_prefix=redis_keys.RATE_LIMIT_PREFIX, connection_pool=pool
        )
        self._limiter = MovingWindowRateLimiter(storage)
        self._skip_until = 0.0
        self._warned_at: float | None = None
        self._let_through = 0

    async def close(self) -> None:
        await self._pool.aclose()

    async def hit(self, rule: Rule, who: str) -> None:
        """Count one hit of ``who`` against ``rule``; raises RateLimitedError when the limit is spent. Lets the hit
        through uncounted when Redis cannot be reached."""
        if time.monotonic() < self._skip_until:
            self._let_through += 1
            return
        try:
            if await self._limiter.hit(rule.item, rule.name, who):
                return
            stats = await self._limiter.get_window_stats(rule.item, rule.name, who)
        except _STORAGE_ERRORS as error:
            self._failed_open(error)
            return
        metrics.RATE_LIMIT_REFUSALS.labels(rule.name).inc()
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        raise RateLimitedError(rule.refusal(retry_after), retry_after)

    def _failed_open(self, error: Exception) -> None:
        now = time.monotonic()
        self._skip_until = now + _SKIP_AFTER_FAILURE_SECONDS
        self._let_through += 1
        if self._warned_at is None or now - self._warned_at >= _WARN_EVERY_SECONDS:
            logger.warning(
                "abuse limits not enforced: Redis unreachable (%r); %d request(s) let through unchecked since the "
                "last warning",
                error,
                self._let_through,
            )
            self._warned_at, self._let_through = now, 0


def client_address(request: Request) -> str:
    """Whom per-address limits count: the client's IP address, an IPv6 one as its /64 network."""
    host = request.client.host if request.client is not None else None
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return f"{ipaddress.IPv6Network((address, 64), strict=False).network_address}/64"
    return str(address)


def _account(email: str) -> str:
    """The email signed in to (already normalized: trimmed, lower case), hashed: Redis keeps no addresses."""
    return hashlib.sha256(email.encode()).hexdigest()[:32]


async def _limit_sends(request: Request, state: StateDep, caller: CallerDep) -> None:
    rate_limits = state.rate_limits
    per_user = rate_limits.sends_per_guest if caller.user.is_guest else rate_limits.sends_per_user
    await rate_limits.hit(per_user, str(caller.user_id))
    await rate_limits.hit(rate_limits.sends_per_ip, client_address(request))


# These read the route's body themselves and hand it on (the route takes it from them, so that an invalid body is
# one 422, not one per reader): an invalid body is refused before they run, and counts for nothing.
async def _limit_logins(request: Request, state: StateDep, body: Credentials) -> Credentials:
    rate_limits = state.rate_limits
    await rate_limits.hit(rate_limits.logins_per_ip, client_address(request))
    await rate_limits.hit(rate_limits.logins_per_account, _account(body.email))
    return body


async def _limit_registrations(request: Request, state: StateDep, body: Credentials) -> Credentials:
    await state.rate_limits.hit(state.rate_limits.registrations_per_ip, client_address(request))
    return body


async def _limit_first_message(
    request: Request, state: StateDep, caller: CallerDep, body: ConversationCreate | None = None
) -> ConversationCreate:
    # A new conversation with its first message is a send, and counts as one; an empty one is not, and spends
    # nothing. Read here, as the sign-in limits read theirs, since whether to count depends on the body.
    new = body or ConversationCreate()
    if new.message is not None:
        await _limit_sends(request, state, caller)
    return new


async def _limit_guests(request: Request, state: StateDep) -> None:
    await state.rate_limits.hit(state.rate_limits.guests_per_ip, client_address(request))


# For the routes: a parameter of one of these types spends the limit before the route runs, or answers 429.
SendsLimited = Annotated[None, Depends(_limit_sends)]
GuestsLimited = Annotated[None, Depends(_limit_guests)]
# The body of a sign-in or registration, once the limits let it through.
LoginCredentials = Annotated[Credentials, Depends(_limit_logins)]
RegistrationCredentials = Annotated[Credentials, Depends(_limit_registrations)]
# The body of a new conversation, once the send limits let its first message through (when it has one).
NewConversation = Annotated[ConversationCreate, Depends(_limit_first_message)]
