"""How a real worker takes its tasks from the broker: with kombu's ack emulation off (app/worker/celery_app.py), no
redelivery bookkeeping in Redis, which costs two MULTI/EXEC per task and which the sweep makes needless."""

import threading

import httpx
from redis import Redis as SyncRedis

from tests.api_client import create_conversation, send_message
from tests.sse_client import read_stream


async def test_a_delivered_task_writes_no_unacked_bookkeeping(api: httpx.AsyncClient, redis_url: str) -> None:
    commands: list[str] = []
    watching = threading.Event()
    done = threading.Event()

    def watch() -> None:
        with SyncRedis.from_url(redis_url) as redis, redis.monitor() as monitor:
            watching.set()
            for command in monitor.listen():
                commands.append(str(command["command"]))
                if done.is_set():
                    return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    assert watching.wait(10)
    conversation_id = await create_conversation(api)
    accepted = await send_message(api, conversation_id, "hello")
    events = await read_stream(api, accepted["task_id"])
    done.set()
    with SyncRedis.from_url(redis_url) as redis:
        redis.ping()  # a command for the monitor to see, so that it returns
    watcher.join(10)

    assert events[-1].is_terminal
    # The worker took the task: the broker's queue was popped while the monitor watched.
    assert any(command.startswith("BRPOP") for command in commands), commands[:50]
    assert not [command for command in commands if "unacked" in command], commands[:50]
