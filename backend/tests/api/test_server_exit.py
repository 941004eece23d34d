import asyncio

import anyio
from starlette.applications import Starlette

from app.api.server_exit import set_on_server_exit
from tests.local_server import serving


async def test_the_event_is_set_once_uvicorn_begins_to_exit() -> None:
    shutdown = anyio.Event()
    async with serving(Starlette()) as local:
        set_on_server_exit(shutdown)
        set_on_server_exit(shutdown)
        await asyncio.sleep(1)  # two polls
        assert not shutdown.is_set()
        local.server.should_exit = True  # what uvicorn's SIGTERM handler does
        await asyncio.wait_for(shutdown.wait(), 5)
