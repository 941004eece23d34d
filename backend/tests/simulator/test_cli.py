import pytest

from simulator.__main__ import parse_args


def test_flags_default_to_the_documented_values(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SIM_HOST", "SIM_PORT", "SIM_TOKENS", "SIM_TOKENS_PER_SECOND", "SIM_TTFT_MS", "SIM_REASONING_TOKENS"):
        monkeypatch.delenv(name, raising=False)

    args = parse_args([])

    assert (args.host, args.port) == ("127.0.0.1", 8090)
    assert (args.tokens, args.tokens_per_second, args.ttft_ms, args.reasoning_tokens) == (200, 50, 200, 20)


def test_environment_sets_defaults_and_flags_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIM_TOKENS", "12")
    monkeypatch.setenv("SIM_TOKENS_PER_SECOND", "0")
    monkeypatch.setenv("SIM_PORT", "9001")

    args = parse_args(["--tokens", "30"])

    assert (args.tokens, args.tokens_per_second, args.port) == (30, 0, 9001)


def test_a_malformed_environment_variable_is_reported_like_a_bad_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIM_TTFT_MS", "-3")

    with pytest.raises(SystemExit):
        parse_args([])


def test_background_retention_and_bound_come_from_the_environment_or_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIM_MAX_BACKGROUND_RESPONSES", raising=False)
    monkeypatch.setenv("SIM_BACKGROUND_RETENTION_SECONDS", "30")

    defaults = parse_args([])
    flagged = parse_args(["--background-retention-seconds=5", "--max-background-responses=7"])

    assert (defaults.background_retention_seconds, defaults.max_background_responses) == (30, 10_000)
    assert (flagged.background_retention_seconds, flagged.max_background_responses) == (5, 7)


def test_at_least_one_background_response_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIM_MAX_BACKGROUND_RESPONSES", raising=False)

    with pytest.raises(SystemExit):
        parse_args(["--max-background-responses=0"])
