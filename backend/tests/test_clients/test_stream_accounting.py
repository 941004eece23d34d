"""The clients' own bookkeeping: a load test that reports 0 lost events must be able to see a lost one."""

from typing import Any

import pytest

from tests.test_clients.clients import client_module

chat_stream = client_module("chat_stream")
load_stats = client_module("load_stats")


def _event(seq: int, **data: Any) -> Any:
    return chat_stream.SseEvent(seq, data, 0.0)


def _answer(*events: Any) -> Any:
    answer = chat_stream.Answer()
    for event in events:
        answer.apply(event)
    return answer


def test_a_gapless_stream_assembles_its_text_and_breaks_no_rule() -> None:
    answer = _answer(
        _event(1, reasoning="Hm"),
        _event(2, content="Hel"),
        _event(3, content="lo"),
        _event(4, done=True, status="completed"),
    )

    assert (answer.content, answer.reasoning, answer.status) == ("Hello", "Hm", "completed")
    assert answer.id_problems() == []
    assert answer.last_id == 4


def test_a_missing_id_is_lost_a_repeated_one_duplicated_a_late_one_out_of_order() -> None:
    answer = _answer(_event(1, content="a"), _event(3, content="c"), _event(3, content="c"), _event(2, content="b"))
    gap = _answer(_event(1, content="a"), _event(3, content="c"), _event(4, done=True, status="completed"))

    assert (answer.lost, answer.duplicated, answer.out_of_order) == (0, 1, 1)
    assert answer.content == "acb"  # the duplicate is not applied twice
    assert gap.lost == 1
    assert gap.id_problems() == ["1 event(s) lost"]


def test_a_snapshot_replaces_the_text_and_covers_the_ids_before_it() -> None:
    answer = _answer(
        _event(1, content="a"),
        _event(9, snapshot={"content": "whole answer", "reasoning": "why"}),
        _event(10, done=True, status="completed"),
    )

    assert (answer.content, answer.reasoning, answer.snapshots, answer.lost) == ("whole answer", "why", 1, 0)


def test_the_parser_takes_events_split_anywhere_and_skips_comments_and_retry() -> None:
    wire = (
        b'retry: 1000\n\n: ping\n\nid: 1\ndata: {"content":"x","t":5}\n\n'
        b'id: 2\ndata: {"done":true,"status":"completed"}\n\n'
    )
    parser = chat_stream.SseParser()

    events = [event for offset in range(0, len(wire), 7) for event in parser.feed(wire[offset : offset + 7])]

    assert [(event.id, event.data) for event in events] == [
        (1, {"content": "x", "t": 5}),
        (2, {"done": True, "status": "completed"}),
    ]


def test_delivery_latency_is_receive_time_minus_append_time() -> None:
    event = chat_stream.SseEvent(1, {"content": "x", "t": 1_000_000}, 1.0125)

    assert event.delivery_latency_ms == pytest.approx(12.5)
    assert chat_stream.SseEvent(1, {"content": "x"}, 1.0).delivery_latency_ms is None


def test_percentiles_are_nearest_rank() -> None:
    summary = load_stats.distribution([float(n) for n in range(1, 101)])

    assert (summary["p50"], summary["p95"], summary["p99"], summary["max"], summary["count"]) == (50, 95, 99, 100, 100)
    assert load_stats.distribution([])["p99"] is None


def test_steady_latency_counts_only_chunks_appended_while_every_user_streamed() -> None:
    run = _two_users(first=(100.0, 101.0, 110.0), second=(102.0, 103.0, 112.0))
    # (append time, latency): before the second user's first chunk, inside, and after the first one finished.
    run.latencies = [(102.0, 900.0), (104.0, 5.0), (109.0, 7.0), (111.0, 800.0)]

    report = run.report(wall_seconds=12.0)

    assert report["steady_window_s"] == [3.0, 10.0]
    assert report["delivery_latency_steady_ms"]["count"] == 2
    assert report["delivery_latency_steady_ms"]["max"] == 7.0
    assert report["delivery_latency_ms"]["count"] == 4


def test_no_steady_part_when_an_answer_ended_before_the_last_one_began() -> None:
    run = _two_users(first=(100.0, 101.0, 102.0), second=(103.0, 104.0, 105.0))
    run.latencies = [(101.5, 5.0)]

    report = run.report(wall_seconds=5.0)

    assert report["steady_window_s"] is None
    assert report["delivery_latency_steady_ms"]["count"] == 0


def _two_users(first: tuple[float, float, float], second: tuple[float, float, float]) -> Any:
    """A load run of two users with (sent, first chunk, finished) times, as the client records them."""
    test_load = client_module("test_load")
    run = test_load.LoadRun(test_load.parse_args(["--users", "2"]), ["http://api"])
    for user, (sent, first_chunk, finished) in zip(run.users, (first, second), strict=True):
        user.sent_at, user.first_chunk_at, user.finished_at = sent, first_chunk, finished
    return run
