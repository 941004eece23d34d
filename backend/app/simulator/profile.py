"""How one simulated answer behaves: server-wide defaults, overridden per request by `[sim key=value ...]` directives
written in the last user message.
"""

import dataclasses
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_TOKENS = 100_000
"""Bounds a single answer so a typo in a directive cannot make the simulator allocate without limit."""


@dataclass(frozen=True, slots=True)
class SimulationProfile:
    tokens: int = 200
    tokens_per_second: float = 50.0
    ttft_ms: float = 200.0
    reasoning_tokens: int = 20


class DirectiveError(ValueError):
    """A `[sim ...]` directive that names an unknown key or carries a value the key does not accept."""


def token_count(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_TOKENS:
        raise ValueError(f"expected a whole number from 0 to {MAX_TOKENS}, got {raw!r}")
    return int(raw)


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


_DIRECTIVE_KEYS = {
    "tokens": _DirectiveKey("tokens", token_count),
    "tps": _DirectiveKey("tokens_per_second", non_negative_number),
    "ttft_ms": _DirectiveKey("ttft_ms", non_negative_number),
    "reasoning_tokens": _DirectiveKey("reasoning_tokens", token_count),
}

_DIRECTIVE = re.compile(r"\[sim(?:\s+([^\]]*))?\]")


def resolve_profile(message: str, defaults: SimulationProfile) -> SimulationProfile:
    """Applies every directive in `message` over `defaults`, later directives winning."""
    overrides: dict[str, Any] = {}
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
                overrides[directive_key.field] = directive_key.parse(raw_value)
            except ValueError as exc:
                raise DirectiveError(f"Invalid value in simulator directive {setting!r}: {exc}.") from exc
    return dataclasses.replace(defaults, **overrides)


def without_directives(message: str) -> str:
    """The message as the simulated model reads it, so changing only a directive keeps the answer's wording."""
    return _DIRECTIVE.sub("", message).strip()
