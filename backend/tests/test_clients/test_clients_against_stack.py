"""The spec's three test clients, run as scripts against the test stack: exit codes and the load report."""

import json
from pathlib import Path

from app.devstack.ports import free_port
from tests.conftest import Stack
from tests.test_clients.clients import run_client

# Short answers that still stream (not all at once), so the tests stay fast but exercise live delivery.
SHORT_ANSWER = ("--tokens", "20", "--tps", "100", "--reasoning-tokens", "3")


def test_sync_client_streams_an_answer_and_finds_it_stored(api_url: str) -> None:
    result = run_client("test_sync.py", "--api-url", api_url, *SHORT_ANSWER)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "persisted answer matches the stream" in result.stdout
    assert "[completed in" in result.stdout


def test_async_client_runs_several_conversations_at_once(api_url: str) -> None:
    result = run_client("test_async.py", "--api-url", api_url, "--conversations", "5", *SHORT_ANSWER)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 of 5 conversations streamed and stored correctly" in result.stdout


def test_load_client_reports_every_user_complete_with_no_lost_or_duplicated_chunk(stack: Stack, tmp_path: Path) -> None:
    report_path = tmp_path / "load.json"
    result = run_client(
        "test_load.py", "--api-url", ",".join(stack.api_urls), "--users", "20", "--tokens", "20", "--tps", "100",
        "--json", str(report_path), "--no-progress",
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(report_path.read_text())
    assert (report["users"], report["succeeded"], report["failed"]) == (20, 20, 0)
    assert report["failure_reasons"] == {}
    assert (report["lost"], report["duplicated"], report["out_of_order"]) == (0, 0, 0)
    assert report["stored_mismatches"] == 0
    # At most one chunk per token: tokens that reach the worker in one network read share a chunk.
    assert 20 <= report["chunks"] <= 20 * 20
    # Every chunk carried the worker's append time, so every chunk has a latency.
    assert report["delivery_latency_ms"]["count"] == report["chunks"]
    assert report["time_to_first_chunk_ms"]["count"] == report["completion_s"]["count"] == 20


def test_load_client_resumes_each_stream_with_last_event_id_and_loses_nothing(api_url: str, tmp_path: Path) -> None:
    report_path = tmp_path / "load.json"
    result = run_client(
        "test_load.py", "--api-url", api_url, "--users", "5", "--tokens", "30", "--tps", "100",
        "--reconnect-every", "4", "--json", str(report_path), "--no-progress",
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(report_path.read_text())
    assert report["succeeded"] == 5
    assert (report["lost"], report["duplicated"], report["out_of_order"]) == (0, 0, 0)
    assert 5 <= report["chunks"] <= 5 * 30  # tokens that reach the worker together share a chunk
    # Each stream's events (its chunks and the terminal one), 4 per connection: ceil((chunks + 1) / 4) each.
    least = (report["chunks"] + 5) / 4
    assert least <= report["stream_connections"] < least + 5


def test_clients_exit_non_zero_when_the_api_is_unreachable(tmp_path: Path) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    report_path = tmp_path / "load.json"

    sync = run_client("test_sync.py", "--api-url", nowhere, "--request-timeout", "5")
    many = run_client("test_async.py", "--api-url", nowhere, "--conversations", "2", "--request-timeout", "5")
    load = run_client(
        "test_load.py", "--api-url", nowhere, "--users", "3", "--timeout", "20", "--json", str(report_path),
        "--no-progress",
    )  # fmt: skip

    assert sync.returncode == 2, sync.stderr
    assert many.returncode == 2, many.stderr
    assert load.returncode == 1, load.stderr
    report = json.loads(report_path.read_text())
    assert report["failed"] == 3
    assert report["failure_reasons"] == {"creating the conversation: ClientConnectorError": 3}
