"""Annotated dependencies for the routes.

All are `async def`, even the trivial ones: FastAPI runs a plain `def` dependency in its thread pool, a
thread hop per dependency per request.
"""

from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.server_exit import set_on_server_exit
from app.api.state import ApiState
from app.core.config import Settings
from app.lease.store import LeaseStore
from app.services.messages import Enqueue
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


SessionDep = Annotated[AsyncSession, Depends(get_session)]
# Each statement commits on its own, without BEGIN and COMMIT round trips: for reads, and for writes that are
# one statement.
AutocommitSessionDep = Annotated[AsyncSession, Depends(get_autocommit_session)]
# For long-lived responses, which must not hold a pooled connection for their whole life; they only read.
AutocommitSessionFactoryDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_autocommit_sessions)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
RelayDep = Annotated[StreamRelay, Depends(get_relay)]
StoreDep = Annotated[EventStore, Depends(get_store)]
LeasesDep = Annotated[LeaseStore, Depends(get_leases)]
ShutdownDep = Annotated[anyio.Event, Depends(get_shutdown)]
EnqueueDep = Annotated[Enqueue, Depends(get_enqueue)]
