"""Annotated dependencies for the routes.

All are `async def`, even the trivial ones: FastAPI runs a plain `def` dependency in its thread pool, a
thread hop per dependency per request.
"""

from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.server_exit import set_on_server_exit
from app.api.state import ApiState
from app.auth import sessions
from app.auth.sessions import Caller, SessionEnds
from app.core.config import Settings
from app.lease.store import LeaseStore
from app.llm.catalog import ModelCatalog
from app.services.errors import UnauthenticatedError
from app.services.messages import Enqueue, Owner
from app.streaming.hub import StreamHub
from app.streaming.relay import StreamRelay
from app.streaming.store import EventStore


async def get_state(request: Request) -> ApiState:
    state: ApiState = request.app.state.api
    return state


StateDep = Annotated[ApiState, Depends(get_state)]


async def get_session(state: StateDep) -> AsyncIterator[AsyncSession]:
    async with state.sessions() as session:
        yield session


async def get_settings_dep(state: StateDep) -> Settings:
    return state.settings


async def get_autocommit_session(state: StateDep) -> AsyncIterator[AsyncSession]:
    async with state.autocommit_sessions() as session:
        yield session


async def get_autocommit_sessions(state: StateDep) -> async_sessionmaker[AsyncSession]:
    return state.autocommit_sessions


async def get_redis(state: StateDep) -> Redis:
    return state.redis


async def get_hub(state: StateDep) -> StreamHub:
    return state.hub


async def get_relay(state: StateDep) -> StreamRelay:
    return state.relay


async def get_store(state: StateDep) -> EventStore:
    return state.store


async def get_leases(state: StateDep) -> LeaseStore:
    return state.leases


async def get_shutdown(state: StateDep) -> anyio.Event:
    # Only the routes that hold responses open need to hear of a shutdown, and they all come through here.
    set_on_server_exit(state.shutdown)
    return state.shutdown


async def get_enqueue(state: StateDep) -> Enqueue:
    return state.enqueue


async def get_session_ends(state: StateDep) -> SessionEnds:
    return SessionEnds(state.redis, state.callers)


async def get_catalog(state: StateDep) -> ModelCatalog:
    return state.catalog


# A token is URL-safe base64; anything much longer than one is not a token and is not looked up.
_MAX_TOKEN_CHARS = 128


def _presented_token(request: Request, settings: Settings) -> str | None:
    """The session token a request carries: ``Authorization: Bearer`` first, else the session cookie."""
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        return token.strip() if scheme.lower() == "bearer" else None
    return request.cookies.get(settings.session_cookie_name)


async def get_optional_caller(request: Request, state: StateDep) -> Caller | None:
    """Who is asking, if anyone: remembered from an earlier request, or one indexed read (app/auth/sessions.py)."""
    token = _presented_token(request, state.settings)
    if not token or len(token) > _MAX_TOKEN_CHARS:
        return None
    return await sessions.resolve(state.autocommit_sessions, token, state.callers, state.hub.connection_epoch)


OptionalCallerDep = Annotated[Caller | None, Depends(get_optional_caller)]

# The Bearer scheme in the OpenAPI document, on the routes that require a session (so /docs can "Authorize");
# the token itself is read above, with the cookie as the other way to present it.
_BEARER = HTTPBearer(
    auto_error=False,
    description="The `token` from POST /auth/register, /auth/login or /auth/guest (the web app sends the session "
    "cookie, which carries the same token)",
)


async def get_caller(
    request: Request,
    caller: OptionalCallerDep,
    state: StateDep,
    _documented: Annotated[HTTPAuthorizationCredentials | None, Security(_BEARER)],
) -> Caller:
    if caller is None:
        if _presented_token(request, state.settings):
            raise UnauthenticatedError("your session has expired or was signed out; sign in again")
        raise UnauthenticatedError("sign in first: send the session cookie or Authorization: Bearer <token>")
    return caller


SessionDep = Annotated[AsyncSession, Depends(get_session)]
# Each statement commits on its own, without BEGIN and COMMIT round trips: for reads, and for writes that are
# one statement.
AutocommitSessionDep = Annotated[AsyncSession, Depends(get_autocommit_session)]
# For long-lived responses, which must not hold a pooled connection for their whole life; they only read.
AutocommitSessionFactoryDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_autocommit_sessions)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
RedisDep = Annotated[Redis, Depends(get_redis)]
RelayDep = Annotated[StreamRelay, Depends(get_relay)]
HubDep = Annotated[StreamHub, Depends(get_hub)]
StoreDep = Annotated[EventStore, Depends(get_store)]
LeasesDep = Annotated[LeaseStore, Depends(get_leases)]
ShutdownDep = Annotated[anyio.Event, Depends(get_shutdown)]
EnqueueDep = Annotated[Enqueue, Depends(get_enqueue)]
CatalogDep = Annotated[ModelCatalog, Depends(get_catalog)]
# Announces the sessions a request ended (app/auth/sessions.py).
SessionEndsDep = Annotated[SessionEnds, Depends(get_session_ends)]
# Who is asking; every route but health, readiness and sign-in takes it, so an anonymous request is a 401.
CallerDep = Annotated[Caller, Depends(get_caller)]


async def get_sender(caller: CallerDep, settings: SettingsDep) -> Owner:
    """The caller as the owner of the answers a send or regenerate queues, with the limits of their kind of account."""
    guest = caller.user.is_guest
    return Owner(
        caller.user_id,
        max_answers=settings.max_answers_at_once_per_guest if guest else settings.max_answers_at_once_per_user,
        daily_token_quota=settings.guest_daily_token_quota if guest else settings.daily_token_quota,
    )


SenderDep = Annotated[Owner, Depends(get_sender)]
