"""Server-side sessions: a random token for the client, its SHA-256 in PostgreSQL.

The same token is the browser's HttpOnly cookie and a script's Bearer token. Checking one is one indexed read,
remembered for a few seconds by the API process (CallerCache) and forgotten at once when the session ends: never
per stream event, since a stream is authorised once, when it is opened."""

import hashlib
import logging
import secrets
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core import redis_keys
from app.models import AuthSession, User, utcnow

logger = logging.getLogger(__name__)

# 32 random bytes: unguessable, and in URL-safe base64 fit for a header or a cookie.
TOKEN_BYTES = 32


@dataclass(frozen=True)
class Caller:
    """The user a request was made by, and the session it was made in."""

    user: User
    token_hash: bytes

    @property
    def user_id(self) -> uuid.UUID:
        return self.user.id

    @property
    def stream_sessions(self) -> tuple[str, ...]:
        """What ends this caller's open streams, as announced on redis_keys.SESSIONS_ENDED_CHANNEL."""
        return (_session_name(self.token_hash), _user_name(self.user_id))


@dataclass(frozen=True)
class IssuedSession:
    token: str
    expires_at: datetime


def _session_name(hashed: bytes) -> str:
    return f"session:{hashed.hex()}"


def _user_name(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


@dataclass(frozen=True)
class SessionEnds:
    """Tells every API process that sessions have ended, once that is committed, so that they forget them
    (CallerCache) and end their open streams now rather than when they finish; this process's ``callers`` forget them
    at once. Best effort: with Redis away, those streams run on to their end, and other processes may accept the
    sessions for up to CALLER_CACHE_SECONDS."""

    redis: Redis
    # This process's, in the API; None elsewhere (an operator's command).
    callers: "CallerCache | None"

    async def session(self, hashed: bytes) -> None:
        await self._announce(_session_name(hashed))

    async def user(self, user_id: uuid.UUID) -> None:
        """Every session of the user (a sign-out everywhere, a new password)."""
        await self._announce(_user_name(user_id))

    async def caller(self, caller: Caller | None, *, whole_account: bool = False) -> None:
        """The session a request came with, if any; with ``whole_account``, every session of its user."""
        if caller is not None:
            await (self.user(caller.user_id) if whole_account else self.session(caller.token_hash))

    async def _announce(self, name: str) -> None:
        if self.callers is not None:
            self.callers.forget(name)
        try:
            await self.redis.publish(redis_keys.SESSIONS_ENDED_CHANNEL, name)
        except (RedisError, OSError) as error:
            logger.warning("could not announce that %s ended (%r); its open streams run on", name, error)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def issue(session: AsyncSession, user_id: uuid.UUID, lifetime_seconds: int) -> IssuedSession:
    """A new session for the user, added to ``session``; committed by the caller, with whatever it goes with."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires_at = utcnow() + timedelta(seconds=lifetime_seconds)
    # The user's expired sessions go as a new one comes, so that the table holds about one row per device.
    await session.exec(
        sa.delete(AuthSession).where(col(AuthSession.user_id) == user_id, col(AuthSession.expires_at) <= sa.func.now())
    )
    session.add(AuthSession(token_hash=token_hash(token), user_id=user_id, expires_at=expires_at))
    return IssuedSession(token, expires_at)


# Built once, its token bound per call: building the query anew on every request was about a third of what
# authenticating one cost (docs/benchmarks/api-requests.md).
_CALLER = (
    select(User, AuthSession.expires_at)
    .join(AuthSession, col(AuthSession.user_id) == col(User.id))
    .where(
        col(AuthSession.token_hash) == sa.bindparam("token_hash", type_=sa.LargeBinary()),
        col(AuthSession.expires_at) > sa.func.now(),
    )
)


@dataclass(frozen=True, slots=True)
class _Remembered:
    caller: Caller
    # time.monotonic() after which the entry is not used: its age limit, or the session's own end if sooner.
    until: float
    epoch: int


class CallerCache:
    """The callers an API process resolved in the last few seconds, by token hash: a user's requests (a send, its
    stream, the reads around them) then cost one session lookup in PostgreSQL, not one each.

    A session's end must still take effect at once everywhere. Every sign-out, password change and sign-in that
    ends a session announces it on redis_keys.SESSIONS_ENDED_CHANNEL (SessionEnds) after its commit; the hub of
    every API process hears it on its one pub/sub connection and calls ``forget``. An entry is used only while that
    connection is the one it was made under (``epoch``, StreamHub.connection_epoch): while the hub is disconnected
    announcements can be missed, so nothing is remembered or used, and after a reconnect everything older is stale.
    What is left is an announcement Redis refused (it was down when the session ended, while the hub still looked
    connected), which the age limit bounds (CALLER_CACHE_SECONDS)."""

    def __init__(self, max_age_seconds: float, max_entries: int = 10_000) -> None:
        self._max_age = max_age_seconds
        self._max_entries = max_entries
        self._entries: dict[bytes, _Remembered] = {}
        # Bumped by every forget: a lookup that began before one must not store what it read (it may be the session
        # just ended, read from PostgreSQL before the commit that ended it).
        self.generation = 0

    def get(self, hashed: bytes, epoch: int | None) -> Caller | None:
        remembered = self._entries.get(hashed)
        if remembered is None:
            return None
        if epoch is None or remembered.epoch != epoch or time.monotonic() >= remembered.until:
            del self._entries[hashed]
            return None
        return remembered.caller

    def remember(self, caller: Caller, expires_at: datetime, epoch: int | None, generation: int) -> None:
        """Keep ``caller``, looked up when the cache was at ``generation``, unless a session ended since."""
        if epoch is None or generation != self.generation or self._max_age <= 0:
            return
        if len(self._entries) >= self._max_entries:
            # The oldest goes (dicts keep insertion order): bounded memory, whatever the number of sessions.
            del self._entries[next(iter(self._entries))]
        session_left = (expires_at - utcnow()).total_seconds()
        until = time.monotonic() + min(self._max_age, session_left)
        self._entries[caller.token_hash] = _Remembered(caller, until, epoch)

    def forget(self, ended: str) -> None:
        """An announcement from SESSIONS_ENDED_CHANNEL: "session:<hash hex>" or "user:<id>"."""
        self.generation += 1
        kind, _, value = ended.partition(":")
        if kind == "session":
            with suppress(ValueError):  # not a hash: nothing of ours
                self._entries.pop(bytes.fromhex(value), None)
        elif kind == "user":
            for hashed in [h for h, entry in self._entries.items() if str(entry.caller.user_id) == value]:
                del self._entries[hashed]

    def __len__(self) -> int:
        return len(self._entries)


async def resolve(
    sessions: async_sessionmaker[AsyncSession], token: str, cache: CallerCache, epoch: int | None
) -> Caller | None:
    """The caller whose session ``token`` is, if it exists and has not expired: from ``cache`` when it has it under
    the hub's current connection ``epoch``, else from PostgreSQL, on a connection held only for this read (and
    then remembered)."""
    hashed = token_hash(token)
    if (cached := cache.get(hashed, epoch)) is not None:
        return cached
    generation = cache.generation
    async with sessions() as session:
        row = (await session.exec(_CALLER, params={"token_hash": hashed})).first()
    if row is None:
        return None
    user, expires_at = row
    caller = Caller(user, hashed)
    cache.remember(caller, expires_at, epoch, generation)
    return caller


async def revoke(session: AsyncSession, hashed: bytes) -> None:
    await session.exec(sa.delete(AuthSession).where(col(AuthSession.token_hash) == hashed))


async def revoke_all(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.exec(sa.delete(AuthSession).where(col(AuthSession.user_id) == user_id))
