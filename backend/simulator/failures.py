"""Injected HTTP failures (`[sim fail=<status> fail_times=<n> retry_after=<seconds>]`): the request is answered with
that status, in the OpenAI error shape and with the type and code the real API gives it, before anything is
streamed; clients' retry logic sees exactly what it would see from the real API.

`fail_times` makes a failure transient: attempts are counted per prompt (the last user message, directive included),
so a client that retries the same request fails `fail_times` times and then gets its answer.
"""

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

from simulator.errors import ApiError


@dataclass(frozen=True, slots=True)
class _ErrorKind:
    error_type: str
    code: str
    message: str
    """May name the requested model as `{model}`."""


_ERROR_KINDS: Final = {
    400: _ErrorKind("invalid_request_error", "invalid_request", "The request could not be processed."),
    401: _ErrorKind("authentication_error", "invalid_api_key", "Incorrect API key provided."),
    403: _ErrorKind(
        "request_forbidden", "unsupported_country_region_territory", "Country, region, or territory not supported."
    ),
    404: _ErrorKind(
        "invalid_request_error",
        "model_not_found",
        "The model `{model}` does not exist or you do not have access to it.",
    ),
    408: _ErrorKind("invalid_request_error", "request_timeout", "The request timed out."),
    409: _ErrorKind("invalid_request_error", "conflict", "The request conflicts with another request; please retry."),
    422: _ErrorKind("invalid_request_error", "unprocessable_entity", "The request could not be processed."),
    429: _ErrorKind(
        "requests",
        "rate_limit_exceeded",
        "Rate limit reached for {model} on requests per min (RPM). Please try again later.",
    ),
    500: _ErrorKind(
        "server_error",
        "server_error",
        "The server had an error while processing your request. Sorry about that!",
    ),
    502: _ErrorKind("server_error", "bad_gateway", "Bad gateway."),
    503: _ErrorKind(
        "server_error", "service_unavailable", "The engine is currently overloaded, please try again later."
    ),
    504: _ErrorKind("server_error", "gateway_timeout", "Gateway timeout."),
}

FAILURE_STATUSES: Final = frozenset(_ERROR_KINDS)


def injected_failure(status: int, *, model: str, retry_after: str | None) -> ApiError:
    kind = _ERROR_KINDS[status]
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    message = f"{kind.message.format(model=model)} (Simulated by a [sim fail={status}] directive.)"
    return ApiError(status, message, error_type=kind.error_type, code=kind.code, headers=headers)


class AttemptCounter:
    """How many times each prompt has been tried. Bounded: past `capacity` prompts the least recently tried one is
    forgotten (its count restarts), so a long benchmark of unique prompts cannot grow the simulator's memory.
    """

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._attempts: OrderedDict[bytes, int] = OrderedDict()

    def next_attempt(self, prompt_text: str) -> int:
        """Counts an attempt at `prompt_text` and returns its number, starting at 1."""
        # A digest, so the memory per prompt does not depend on how long the prompt is.
        key = hashlib.blake2b(prompt_text.encode(), digest_size=16).digest()
        attempt = self._attempts.pop(key, 0) + 1
        self._attempts[key] = attempt
        if len(self._attempts) > self._capacity:
            self._attempts.popitem(last=False)
        return attempt
