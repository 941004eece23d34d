"""How one simulated answer behaves: server-wide defaults, overridden per request by `[sim key=value ...]` directives
written in the last user message. Directives may also inject faults (`FaultProfile`); the server-wide defaults
inject none.
"""

import dataclasses
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simulator.failures import FAILURE_STATUSES

MAX_TOKENS = 100_000
"""Bounds a single answer so a typo in a directive cannot make the simulator allocate without limit."""

MAX_FAIL_TIMES = 1_000
"""More failures in a row than any retry policy would sit through; a larger `fail_times` is surely a typo."""


@dataclass(frozen=True, slots=True)
class FaultProfile:
    """The faults one request asks for; see failures.py and interruptions.py for how each is injected."""

    fail_status: int | None = None
    fail_times: int | None = None
    """How many attempts at the same prompt fail before one succeeds; None fails every attempt."""
    retry_after: str | None = None
    """The Retry-After header of a failure, in seconds, exactly as the directive wrote it."""
    stall_after: int | None = None
    stall_ms: float | None = None
    """How long a stall lasts; None holds it until the client hangs up."""
    cut_after: int | None = None

    @property
    def interrupts_after(self) -> int | None:
        """After how many answer tokens a stream stalls or is cut, if it is."""
        return self.stall_after if self.stall_after is not None else self.cut_after


@dataclass(frozen=True, slots=True)
class SimulationProfile:
    tokens: int = 200
    tokens_per_second: float = 50.0
    ttft_ms: float = 200.0
    reasoning_tokens: int = 20
    faults: FaultProfile = FaultProfile()


class DirectiveError(ValueError):
    """A `[sim ...]` directive that names an unknown key or carries a value the key does not accept."""


def _whole_number(raw: str, minimum: int, maximum: int) -> int:
    if not (raw.isascii() and raw.isdigit()) or not minimum <= int(raw) <= maximum:
        raise ValueError(f"expected a whole number from {minimum} to {maximum}, got {raw!r}")
    return int(raw)


def token_count(raw: str) -> int:
    return _whole_number(raw, 0, MAX_TOKENS)


def failure_status(raw: str) -> int:
    statuses = sorted(FAILURE_STATUSES)
    if not (raw.isascii() and raw.isdigit()) or int(raw) not in statuses:
        raise ValueError(f"expected one of the HTTP statuses {', '.join(map(str, statuses))}, got {raw!r}")
    return int(raw)


def fail_times(raw: str) -> int:
    return _whole_number(raw, 1, MAX_FAIL_TIMES)


_DECIMAL_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def retry_after_seconds(raw: str) -> str:
    """Kept as written, so a client sees the very header value the test asked for."""
    if not _DECIMAL_SECONDS.fullmatch(raw):
        raise ValueError(f"expected seconds written as a decimal number such as 2 or 0.5, got {raw!r}")
    return raw


def non_negative_number(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"expected a number >= 0, got {raw!r}")
    return value


@dataclass(frozen=True, slots=True)
class _DirectiveKey:
    field: str
    parse: Callable[[str], object]
    is_fault: bool = False
    """Whether `field` belongs to the profile's `FaultProfile` rather than to the profile itself."""


_DIRECTIVE_KEYS = {
    "tokens": _DirectiveKey("tokens", token_count),
    "tps": _DirectiveKey("tokens_per_second", non_negative_number),
    "ttft_ms": _DirectiveKey("ttft_ms", non_negative_number),
    "reasoning_tokens": _DirectiveKey("reasoning_tokens", token_count),
    "fail": _DirectiveKey("fail_status", failure_status, is_fault=True),
    "fail_times": _DirectiveKey("fail_times", fail_times, is_fault=True),
    "retry_after": _DirectiveKey("retry_after", retry_after_seconds, is_fault=True),
    "stall_after": _DirectiveKey("stall_after", token_count, is_fault=True),
    "stall_ms": _DirectiveKey("stall_ms", non_negative_number, is_fault=True),
    "cut_after": _DirectiveKey("cut_after", token_count, is_fault=True),
}

_DIRECTIVE = re.compile(r"\[sim(?:\s+([^\]]*))?\]")


def resolve_profile(message: str, defaults: SimulationProfile) -> SimulationProfile:
    """Applies every directive in `message` over `defaults`, later directives winning."""
    overrides: dict[str, Any] = {}
    fault_overrides: dict[str, Any] = {}
    for match in _DIRECTIVE.finditer(message):
        for setting in (match.group(1) or "").split():
            key, separator, raw_value = setting.partition("=")
            directive_key = _DIRECTIVE_KEYS.get(key)
            if directive_key is None:
                known = ", ".join(_DIRECTIVE_KEYS)
                raise DirectiveError(f"Unknown simulator directive key {key!r} in {setting!r}; known keys: {known}.")
            if not separator:
                raise DirectiveError(f"Simulator directive {setting!r} must be written as {key}=<value>.")
            try:
                value = directive_key.parse(raw_value)
            except ValueError as exc:
                raise DirectiveError(f"Invalid value in simulator directive {setting!r}: {exc}.") from exc
            (fault_overrides if directive_key.is_fault else overrides)[directive_key.field] = value
    faults = dataclasses.replace(defaults.faults, **fault_overrides)
    profile = dataclasses.replace(defaults, **overrides, faults=faults)
    _check_faults_fit(profile)
    return profile


def _check_faults_fit(profile: SimulationProfile) -> None:
    """Rejects fault keys that would silently do nothing, so a mistyped test fails loudly instead of passing."""
    faults = profile.faults
    if faults.fail_status is None:
        for key, value in (("fail_times", faults.fail_times), ("retry_after", faults.retry_after)):
            if value is not None:
                raise DirectiveError(f"Simulator directive key {key!r} only applies together with fail=<status>.")
    if faults.stall_ms is not None and faults.stall_after is None:
        raise DirectiveError("Simulator directive key 'stall_ms' only applies together with stall_after=<tokens>.")
    if faults.stall_after is not None and faults.cut_after is not None:
        raise DirectiveError("Simulator directive keys 'stall_after' and 'cut_after' cannot be combined.")
    interrupts_after = faults.interrupts_after
    # Stream interruptions happen right after an answer token (before the first one for 0), so one must exist.
    if interrupts_after is not None and profile.tokens < max(interrupts_after, 1):
        key = "stall_after" if faults.stall_after is not None else "cut_after"
        raise DirectiveError(
            f"Simulator directive {key}={interrupts_after} needs an answer of at least {max(interrupts_after, 1)} "
            f"tokens, but it has {profile.tokens}; raise tokens=<n>."
        )


def without_directives(message: str) -> str:
    """The message as the simulated model reads it, so changing only a directive keeps the answer's wording."""
    return _DIRECTIVE.sub("", message).strip()
