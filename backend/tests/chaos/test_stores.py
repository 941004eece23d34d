"""Redis and PostgreSQL faults on real processes, with answers streaming and viewers watching."""

import asyncio
import time

import pytest

from tests.chaos.answers import assert_whole, record, start_answers, until_streaming
from tests.chaos.stack import ChaosStack

# A fault test waits out leases, outages and grace periods.
pytestmark = pytest.mark.timeout(300)

_STREAMING = "[sim tokens=100 tps=10 ttft_ms=0 reasoning_tokens=0]"


async def _redis_outage(stack: ChaosStack, seconds: float, *, wipe: bool) -> float:
    def outage() -> None:
        with stack.redis_down(wipe=wipe):
            time.sleep(seconds)

    fault_at = time.monotonic()
    await asyncio.to_thread(outage)
    return fault_at


@pytest.mark.parametrize(
    ("fault", "seconds", "wipe", "sees"),
    [
        ("Redis restarted (AOF), down 5 s", 5.0, False, "the answer pauses, then continues (the viewer reconnects)"),
        ("Redis restarted empty", 1.0, True, "the answer pauses, then continues after a snapshot of the text so far"),
        ("Redis blinking 0.1 s", 0.1, False, "nothing visible, or a reconnect"),
    ],
    ids=["restarted-with-aof", "restarted-empty", "blinking"],
)
async def test_a_redis_outage_is_survived(chaos: ChaosStack, fault: str, seconds: float, wipe: bool, sees: str) -> None:
    answers = await start_answers(chaos, 5, _STREAMING)
    await until_streaming(answers)
    fault_at = await _redis_outage(chaos, seconds, wipe=wipe)
    stored = await assert_whole(chaos, answers)
    assert all(message["status"] == "completed" for message in stored), "survived, not failed"
    if wipe:
        # The workers rewrote what Redis lost: a snapshot of the text so far, then on.
        assert all(any(event.data.get("reason") == "recovered" for event in a.viewer.events) for a in answers)
    record(fault, sees=sees, viewers=[a.viewer for a in answers], fault_at=fault_at)


async def test_postgres_stopped_for_15_s_while_answers_finish(chaos: ChaosStack) -> None:
    # 6 s answers: they all finish while PostgreSQL is away, so their final saves wait for it.
    answers = await start_answers(chaos, 5, "[sim tokens=40 tps=10 ttft_ms=0 reasoning_tokens=0]")
    await until_streaming(answers)

    def outage() -> None:
        with chaos.postgres_down():
            time.sleep(15)

    fault_at = time.monotonic()
    await asyncio.to_thread(outage)
    stored = await assert_whole(chaos, answers)
    assert all(message["status"] == "completed" for message in stored)
    record(
        "PostgreSQL stopped 15 s",
        sees="all the text streams; the end arrives once PostgreSQL is back",
        viewers=[a.viewer for a in answers],
        fault_at=fault_at,
    )
