"""Noticing that uvicorn has begun to shut down, which uvicorn does not tell the application.

On SIGTERM uvicorn stops accepting connections, then waits for every open response to finish before it
runs the lifespan shutdown. Streams do not finish by themselves, so they must hear of the shutdown before
the lifespan does. uvicorn keeps it in `Server.should_exit`, on the server whose bound method it installed
as the SIGTERM handler; polling that is the only way in.
"""

import asyncio
import signal

import anyio
from uvicorn import Server

# How soon open streams hear of a shutdown; one poll per process, microseconds each.
_POLL_SECONDS = 0.5

# The event loop holds its tasks only weakly.
_watchers: dict[anyio.Event, asyncio.Task[None]] = {}


def set_on_server_exit(shutdown: anyio.Event) -> None:
    """Set ``shutdown`` once the uvicorn server running this process begins to exit. Cheap to repeat."""
    if shutdown in _watchers or shutdown.is_set():
        return
    watcher = asyncio.get_running_loop().create_task(_set_on_exit(shutdown))
    _watchers[shutdown] = watcher
    watcher.add_done_callback(lambda _: _watchers.pop(shutdown, None))


async def _set_on_exit(shutdown: anyio.Event) -> None:
    while True:
        if _server_exiting():
            shutdown.set()
            return
        await asyncio.sleep(_POLL_SECONDS)


def _server_exiting() -> bool:
    server = getattr(signal.getsignal(signal.SIGTERM), "__self__", None)
    return isinstance(server, Server) and server.should_exit
