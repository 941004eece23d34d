"""The spec's three test clients, run as scripts against the test stack: exit codes and the load report."""

import json
import subprocess
from pathlib import Path

import httpx

from devstack.ports import free_port
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
    assert report["failure_reasons"] == {"signing in: ClientConnectorError": 3}


async def test_a_client_given_a_token_acts_in_that_session(api: httpx.AsyncClient) -> None:
    token = api.headers["Authorization"].removeprefix("Bearer ")

    by_flag = run_client("test_sync.py", "--api-url", str(api.base_url), "--token", token, *SHORT_ANSWER)
    by_env = run_client("test_async.py", "--api-url", str(api.base_url), "--conversations", "1", *SHORT_ANSWER,
                        env={"CHAT_TOKEN": token})  # fmt: skip

    assert by_flag.returncode == 0, by_flag.stdout + by_flag.stderr
    assert by_env.returncode == 0, by_env.stdout + by_env.stderr
    # Both conversations are the token's user's, and no other session was opened for them.
    mine = (await api.get("/conversations")).json()["data"]
    assert sorted(conversation["title"] for conversation in mine) == ["test_async 1", "test_sync"]


async def test_a_client_signs_in_to_an_account_with_email_and_password(stack: Stack) -> None:
    email, password = "test-clients@example.com", "a long enough password"
    async with httpx.AsyncClient(base_url=stack.api_url) as anonymous:
        registered = await anonymous.post("/auth/register", json={"email": email, "password": password})
        assert registered.status_code == 201, registered.text

    result = run_client("test_async.py", "--api-url", stack.api_url, "--email", email, "--conversations", "2",
                        *SHORT_ANSWER, env={"CHAT_PASSWORD": password})  # fmt: skip
    wrong = run_client("test_sync.py", "--api-url", stack.api_url, "--email", email, "--password", "not the password")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 of 2 conversations streamed and stored correctly" in result.stdout
    _assert_refused_clearly(wrong, "POST /auth/login: HTTP 401: wrong email or password")


def test_a_bad_token_is_refused_with_a_clear_message_and_a_non_zero_exit(api_url: str, tmp_path: Path) -> None:
    bad = ("--api-url", api_url, "--token", "not-a-session-token")
    report_path = tmp_path / "load.json"

    sync = run_client("test_sync.py", *bad)
    many = run_client("test_async.py", *bad, "--conversations", "2")
    load = run_client("test_load.py", *bad, "--users", "3", "--json", str(report_path), "--no-progress")

    expected = "POST /conversations: HTTP 401: your session has expired or was signed out; sign in again"
    _assert_refused_clearly(sync, expected)
    _assert_refused_clearly(many, expected)
    _assert_refused_clearly(load, expected)
    report = json.loads(report_path.read_text())
    assert report["failure_reasons"] == {"POST /conversations: HTTP 401": 3}
    assert "not-a-session-token" not in report_path.read_text()


def _assert_refused_clearly(result: "subprocess.CompletedProcess[str]", reason: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert reason in output
    assert "--token" in output  # what to do about it
    assert "Traceback" not in output
