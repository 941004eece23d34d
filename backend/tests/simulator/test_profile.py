import pytest

from simulator.profile import (
    MAX_TOKENS,
    DirectiveError,
    FaultProfile,
    SimulationProfile,
    resolve_profile,
    without_directives,
)

DEFAULTS = SimulationProfile(tokens=200, tokens_per_second=50, ttft_ms=200, reasoning_tokens=20)


def test_a_message_without_directive_keeps_the_defaults() -> None:
    assert resolve_profile("Just a question [not a directive] [simulate this]", DEFAULTS) == DEFAULTS


def test_a_directive_overrides_only_the_keys_it_names() -> None:
    profile = resolve_profile("Question? [sim tokens=40 tps=100 ttft_ms=0 reasoning_tokens=5]", DEFAULTS)

    assert profile == SimulationProfile(tokens=40, tokens_per_second=100, ttft_ms=0, reasoning_tokens=5)
    assert resolve_profile("[sim tps=12.5] Question?", DEFAULTS) == SimulationProfile(
        tokens=200, tokens_per_second=12.5, ttft_ms=200, reasoning_tokens=20
    )


def test_later_directives_win() -> None:
    profile = resolve_profile("[sim tokens=1 ttft_ms=5] text [sim tokens=2]", DEFAULTS)

    assert (profile.tokens, profile.ttft_ms) == (2, 5)


@pytest.mark.parametrize(
    "directive",
    [
        "[sim colour=blue]",
        "[sim tokens]",
        "[sim tokens=]",
        "[sim tokens=-1]",
        "[sim tokens=2.5]",
        f"[sim tokens={MAX_TOKENS + 1}]",
        "[sim reasoning_tokens=lots]",
        "[sim tps=-1]",
        "[sim tps=nan]",
        "[sim tps=inf]",
        "[sim ttft_ms=soon]",
        "[sim fail=418]",
        "[sim fail=5O3]",
        "[sim fail=503 fail_times=0]",
        "[sim fail=503 retry_after=-1]",
        "[sim fail=503 retry_after=1e3]",
        "[sim fail=503 retry_after=soon]",
        "[sim stall_after=two]",
        "[sim stall_after=2 stall_ms=-5]",
        "[sim cut_after=1.5]",
        # Keys that would silently do nothing or contradict each other.
        "[sim fail_times=2]",
        "[sim retry_after=1]",
        "[sim stall_ms=100]",
        "[sim stall_after=1 cut_after=2]",
        "[sim tokens=3 cut_after=4]",
        "[sim tokens=0 stall_after=0]",
    ],
)
def test_unknown_keys_and_bad_values_are_rejected(directive: str) -> None:
    with pytest.raises(DirectiveError, match=r"(?i)simulator directive"):
        resolve_profile(f"Question? {directive}", DEFAULTS)


def test_the_model_reads_the_message_without_its_directives() -> None:
    assert without_directives("[sim tokens=3] What is a stream? [sim tps=0]") == "What is a stream?"


def test_fault_keys_set_the_fault_profile_and_nothing_else() -> None:
    failing = resolve_profile("Question? [sim fail=429 fail_times=2 retry_after=0.2]", DEFAULTS)
    stalling = resolve_profile("Question? [sim stall_after=3 stall_ms=250.5]", DEFAULTS)
    cut = resolve_profile("Question? [sim tokens=5 cut_after=5]", DEFAULTS)

    assert failing.faults == FaultProfile(fail_status=429, fail_times=2, retry_after="0.2")
    assert failing.tokens == DEFAULTS.tokens
    assert stalling.faults == FaultProfile(stall_after=3, stall_ms=250.5)
    assert stalling.faults.interrupts_after == 3
    assert cut.faults == FaultProfile(cut_after=5)
    assert cut.faults.interrupts_after == 5
    assert DEFAULTS.faults == FaultProfile()
    assert DEFAULTS.faults.interrupts_after is None
