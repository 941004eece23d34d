"""The abuse limits' settings: checked when the settings are read, so that a limit that is not one stops the API (and
the worker) at startup with a sentence naming the setting, instead of failing requests later."""

import pytest
from pydantic import ValidationError

from app.core.config import Settings


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("forty a minute", "'forty a minute' is not a rate limit; write it like '40/minute' or '7 per 5 minutes'"),
        ("10/minute;100/hour", "'10/minute;100/hour' holds 2 rate limits; give one"),
        ("0/minute", "'0/minute' allows nothing at all; the amount must be at least 1"),
    ],
)
def test_a_rate_limit_that_is_not_one_is_refused_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, value: str, problem: str
) -> None:
    monkeypatch.setenv("RATE_LIMIT_LOGINS_PER_IP", value)
    with pytest.raises(ValidationError) as refused:
        Settings()
    (error,) = refused.value.errors()
    assert error["loc"] == ("rate_limit_logins_per_ip",)
    assert problem in error["msg"]


def test_the_limits_notation_is_accepted_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATE_LIMIT_SENDS_PER_USER", "5 per 15 minutes")
    monkeypatch.setenv("RATE_LIMIT_GUESTS_PER_IP", "100/day")
    settings = Settings()
    assert (settings.rate_limit_sends_per_user, settings.rate_limit_guests_per_ip) == ("5 per 15 minutes", "100/day")
    assert Settings.model_fields["rate_limit_logins_per_account"].default == "7 per 5 minutes"
