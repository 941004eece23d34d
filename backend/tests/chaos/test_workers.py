"""Worker faults on real processes: killed, frozen, gone for a while, stopped with answers longer than its grace."""

import asyncio
import signal
import time

import pytest

from tests.api_client import create_conversation, send_message
from tests.chaos.answers import (
    assert_whole,
    busiest_worker,
    lease_fields,
    record,
    start_answers,
    until_streaming,
)
from tests.chaos.stack import SHUTDOWN_GRACE_SECONDS, TAKEOVER_BOUND_SECONDS, ChaosStack
from tests.chaos.viewer import Viewer

# Long enough that every answer is still streaming when the fault strikes and for a while after.
# A fault test waits out leases, outages and grace periods.
pytestmark = pytest.mark.timeout(300)

_LONG = "[sim tokens=80 tps=10 ttft_ms=0 reasoning_tokens=0]"


def _restarted(answer_events: list[dict[str, object]]) -> bool:
    return any(event.get("reason") == "restart" for event in answer_events)


@pytest.mark.parametrize("mode", ["restart", "continue"])
async def test_a_killed_worker_s_answers_are_taken_over(mode: str, request: pytest.FixtureRequest) -> None:
    stack: ChaosStack = request.getfixturevalue("chaos" if mode == "restart" else "chaos_background")
    answers = await start_answers(stack, 5, _LONG)
    await until_streaming(answers)
    victim, orphaned = await busiest_worker(stack, answers)
    fault_at = time.monotonic()
    await asyncio.to_thread(stack.kill_worker, victim)

    await assert_whole(stack, answers)
    for answer in orphaned:
        assert int((await lease_fields(stack, answer.task_id))["takeovers"]) >= 1
        resumed = answer.viewer.resumed_after(fault_at)
        assert resumed is not None
        assert resumed < 2 * TAKEOVER_BOUND_SECONDS
        restarted = _restarted([event.data for event in answer.viewer.events])
        # Background mode continues the same upstream response; otherwise the answer starts over, and says so.
        assert restarted is (mode == "restart")
    record(
        f"worker SIGKILL, takeover by {mode}",
        sees="the answer pauses, then continues where it was"
        if mode == "continue"
        else "the answer pauses, then starts over (marked restarted)",
        viewers=[a.viewer for a in orphaned],
        fault_at=fault_at,
    )


async def test_a_frozen_worker_cannot_write_after_its_answers_are_taken_over(chaos: ChaosStack) -> None:
    answers = await start_answers(chaos, 3, "[sim tokens=150 tps=10 ttft_ms=0 reasoning_tokens=0]")
    await until_streaming(answers)
    victim, frozen = await busiest_worker(chaos, answers)
    fault_at = time.monotonic()
    chaos.signal_worker(victim, signal.SIGSTOP)
    try:
        deadline = time.monotonic() + 2 * TAKEOVER_BOUND_SECONDS
        while not all([int((await lease_fields(chaos, a.task_id))["takeovers"]) >= 1 for a in frozen]):
            assert time.monotonic() < deadline, "the frozen worker's answers were not taken over"
            await asyncio.sleep(0.1)
    finally:
        chaos.signal_worker(victim, signal.SIGCONT)

    await assert_whole(chaos, answers)
    # It woke, found it had lost them, and stopped without writing (a write would have shown as a duplicate id or
    # as text the stored answer lacks, both checked above).
    log = chaos.workers[victim].output()
    assert "taken over by another worker; stopping here" in log
    record(
        "worker frozen (SIGSTOP) past its lease",
        sees="the answer pauses, then starts over on another worker; the frozen one writes nothing more",
        viewers=[a.viewer for a in frozen],
        fault_at=fault_at,
    )


async def test_the_only_worker_killed_and_a_new_one_started_20_s_later(chaos: ChaosStack) -> None:
    await asyncio.to_thread(_stop_gracefully, chaos, "worker-b")
    answers = await start_answers(chaos, 3, _LONG)
    await until_streaming(answers)
    fault_at = time.monotonic()
    await asyncio.to_thread(chaos.kill_worker, "worker-a")
    await asyncio.sleep(20)
    assert all(answer.viewer.terminal is None for answer in answers)
    await asyncio.to_thread(chaos.start_worker_again, "worker-a")

    await assert_whole(chaos, answers)
    record(
        "the only worker SIGKILLed, a new one 20 s later",
        sees="the answer pauses until a worker is back, then starts over",
        viewers=[a.viewer for a in answers],
        fault_at=fault_at,
    )


async def test_stop_ends_an_orphan_at_once(chaos: ChaosStack) -> None:
    answers = await start_answers(chaos, 1, "[sim tokens=200 tps=10 ttft_ms=0 reasoning_tokens=0]")
    await until_streaming(answers, events=5)
    victim, _ = await busiest_worker(chaos, answers)
    other = next(name for name in chaos.workers if name != victim)
    chaos.signal_worker(other, signal.SIGSTOP)  # nobody to take it over
    try:
        await asyncio.to_thread(chaos.kill_worker, victim)
        await asyncio.sleep(TAKEOVER_BOUND_SECONDS)  # its lease has run out: an orphan
        fault_at = time.monotonic()
        async with chaos.client() as api:
            stopped = await api.post(f"/stream/{answers[0].task_id}/cancel")
        assert stopped.status_code == 202
        assert stopped.json()["status"] == "cancelled"
        viewer = await answers[0].following
    finally:
        chaos.signal_worker(other, signal.SIGCONT)
    assert viewer.terminal is not None
    assert viewer.terminal.data == {"done": True, "status": "cancelled"}
    assert (viewer.ended_after or 0) > 0
    stored = await assert_whole(chaos, answers)
    assert stored[0]["status"] == "cancelled"
    assert stored[0]["content"], "the text Redis held is kept"
    record(
        "stop of an orphan (its worker gone)",
        sees="Stop ends it at once as stopped, the text so far kept",
        viewers=[a.viewer for a in answers],
        fault_at=fault_at,
    )


async def test_stop_right_after_its_worker_died_ends_the_answer_soon(chaos: ChaosStack) -> None:
    answers = await start_answers(chaos, 1, "[sim tokens=200 tps=10 ttft_ms=0 reasoning_tokens=0]")
    await until_streaming(answers, events=5)
    victim, _ = await busiest_worker(chaos, answers)
    await asyncio.to_thread(chaos.kill_worker, victim)
    fault_at = time.monotonic()
    async with chaos.client() as api:
        stopped = await api.post(f"/stream/{answers[0].task_id}/cancel")
    # Its lease still looks held: the stop brings the deadline forward, and the other worker ends the answer.
    assert stopped.json()["status"] == "streaming"
    stored = await assert_whole(chaos, answers)
    assert stored[0]["status"] == "cancelled"
    ended = answers[0].viewer.arrivals[-1] - fault_at
    assert ended < TAKEOVER_BOUND_SECONDS, "sooner than the lease would have run out"
    record(
        "stop just after its worker died (lease not yet expired)",
        sees="Stop ends it as stopped within moments, the text so far kept",
        viewers=[a.viewer for a in answers],
        fault_at=fault_at,
    )


async def test_sigterm_hands_answers_longer_than_the_grace_period_to_another_worker(chaos: ChaosStack) -> None:
    answers = await start_answers(chaos, 3, "[sim tokens=150 tps=10 ttft_ms=0 reasoning_tokens=0]")
    await until_streaming(answers)
    victim, handed = await busiest_worker(chaos, answers)
    fault_at = time.monotonic()
    chaos.signal_worker(victim, signal.SIGTERM)
    code = await asyncio.to_thread(chaos.workers[victim].wait, 60)
    exited_after = time.monotonic() - fault_at
    assert code == 0

    await assert_whole(chaos, answers)
    for answer in handed:
        # Handed over at the end of the grace period and taken at once, not after the lease ran out.
        resumed = answer.viewer.resumed_after(fault_at + SHUTDOWN_GRACE_SECONDS)
        assert resumed is not None
        assert resumed < TAKEOVER_BOUND_SECONDS
    record(
        "worker SIGTERM, answers longer than the grace period (times from its end)",
        sees="the answer goes on through the grace period, pauses, then starts over on another worker",
        viewers=[a.viewer for a in handed],
        fault_at=fault_at + SHUTDOWN_GRACE_SECONDS,
        exited_after=exited_after,
    )


async def test_a_send_while_the_broker_is_down_is_answered_once_it_is_back(chaos: ChaosStack) -> None:
    async with chaos.client() as api:
        conversation_id = await create_conversation(api)
        with chaos.redis_down():
            fault_at = time.monotonic()
            accepted = await send_message(api, conversation_id, "[sim tokens=10] Are you there?")
    viewer = await Viewer(chaos.api_url, accepted["task_id"], chaos.token).follow(within=120)
    assert viewer.terminal is not None
    assert viewer.terminal.data["status"] == "completed"
    record(
        "broker (Redis) down at send time",
        sees="the send is accepted; the answer starts once Redis is back",
        viewers=[viewer],
        fault_at=fault_at,
    )


def _stop_gracefully(stack: ChaosStack, name: str) -> None:
    stack.signal_worker(name, signal.SIGTERM)
    stack.workers[name].wait(timeout=60)
