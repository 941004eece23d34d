"""Server-side sessions: a random token for the client, its SHA-256 in PostgreSQL.

The same token is the browser's HttpOnly cookie and a script's Bearer token. Checking one is one indexed read
per request (never per stream event: a stream is authorised once, when it is opened)."""

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from redis.asyncio import Redis
from redis.exceptions import RedisError
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


async def announce_ended(redis: Redis, *, session: bytes | None = None, user_id: uuid.UUID | None = None) -> None:
    """Tell every API process that a session (or every session of a user) has ended, so that they end its open
    streams now rather than when they finish. Best effort: with Redis away, those streams run on to their end (a
    request of theirs is refused all the same, the session being gone from PostgreSQL)."""
    name = _session_name(session) if session is not None else _user_name(user_id) if user_id is not None else None
    assert name is not None, "a session or a user"
    try:
        await redis.publish(redis_keys.SESSIONS_ENDED_CHANNEL, name)
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
    select(User)
    .join(AuthSession, col(AuthSession.user_id) == col(User.id))
    .where(
        col(AuthSession.token_hash) == sa.bindparam("token_hash", type_=sa.LargeBinary()),
        col(AuthSession.expires_at) > sa.func.now(),
    )
)


async def resolve(session: AsyncSession, token: str) -> Caller | None:
    """The caller whose session ``token`` is, if it exists and has not expired."""
    hashed = token_hash(token)
    user = (await session.exec(_CALLER, params={"token_hash": hashed})).first()
    return None if user is None else Caller(user, hashed)


async def revoke(session: AsyncSession, hashed: bytes) -> None:
    await session.exec(sa.delete(AuthSession).where(col(AuthSession.token_hash) == hashed))


async def revoke_all(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.exec(sa.delete(AuthSession).where(col(AuthSession.user_id) == user_id))
