import pytest

from app.simulator.profile import MAX_TOKENS, DirectiveError, SimulationProfile, resolve_profile, without_directives

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
    ],
)
def test_unknown_keys_and_bad_values_are_rejected(directive: str) -> None:
    with pytest.raises(DirectiveError, match=r"(?i)simulator directive"):
        resolve_profile(f"Question? {directive}", DEFAULTS)


def test_the_model_reads_the_message_without_its_directives() -> None:
    assert without_directives("[sim tokens=3] What is a stream? [sim tps=0]") == "What is a stream?"
