"""An ASGI app served by a real uvicorn server inside the test's own event loop, on a free loopback port:
real HTTP, while the test can still see what happens on the server side."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp

from devstack.ports import LOOPBACK, free_port


@dataclass(frozen=True)
class LocalServer:
    server: uvicorn.Server
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@asynccontextmanager
async def serving(app: ASGIApp) -> AsyncIterator[LocalServer]:
    port = free_port()
    config = uvicorn.Config(app, host=LOOPBACK, port=port, lifespan="off", log_config=None, timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    running = asyncio.create_task(server.serve())
    for _ in range(1000):
        if server.started:
            break
        await asyncio.sleep(0.01)
    else:
        raise TimeoutError("uvicorn did not start within 10 s")
    try:
        yield LocalServer(server, LOOPBACK, port)
    finally:
        server.should_exit = True
        await running
