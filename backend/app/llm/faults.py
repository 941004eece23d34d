"""What went wrong with a model call, as the few kinds the upstream metrics count (app/core/metrics.py).

Every failed attempt is counted as an error of its kind, and each one that is tried again as a retry of that kind
too: the SDK's own retries (of the request that opens a stream: statuses, timeouts, refused connections) and
ChatModel's (a stream that broke or went silent before its first token).
"""

from enum import StrEnum

import httpx2
import openai

from app.core import metrics


class ModelStreamError(Exception):
    """The model reported a failure inside an otherwise healthy stream."""


class UpstreamFault(StrEnum):
    # 429: the model service's own rate limit or quota.
    RATE_LIMIT = "rate_limit"
    # 5xx.
    SERVER_ERROR = "server_error"
    # Any other status (401 bad key, 404 unknown model, 408, 409, 400).
    CLIENT_ERROR = "client_error"
    # No answer, or silence mid-stream, for longer than its timeout.
    TIMEOUT = "timeout"
    # Could not connect (refused, unreachable, DNS).
    CONNECTION = "connection"
    # The connection broke off while the stream was being read.
    STREAM_BROKEN = "stream_broken"
    # The stream itself reported a failure (an `error` or `response.failed` event).
    MODEL_ERROR = "model_error"
    OTHER = "other"


def status_fault(status_code: int) -> UpstreamFault:
    if status_code == 429:
        return UpstreamFault.RATE_LIMIT
    if status_code >= 500:
        return UpstreamFault.SERVER_ERROR
    return UpstreamFault.CLIENT_ERROR


def error_fault(error: BaseException | None) -> UpstreamFault:
    """The kind of a model call's failure; None is a request that got no response (what the SDK retries then)."""
    if isinstance(error, openai.APIStatusError):
        return status_fault(error.status_code)
    if isinstance(error, openai.APITimeoutError | httpx2.TimeoutException | TimeoutError):
        return UpstreamFault.TIMEOUT
    if isinstance(error, openai.APIConnectionError | httpx2.ConnectError) or error is None:
        return UpstreamFault.CONNECTION
    if isinstance(error, httpx2.TransportError):
        return UpstreamFault.STREAM_BROKEN
    if isinstance(error, ModelStreamError):
        return UpstreamFault.MODEL_ERROR
    return UpstreamFault.OTHER


# Bound once: exported at zero from the start, and no label lookup per failure.
_ERRORS = {fault: metrics.UPSTREAM_ERRORS.labels(fault.value) for fault in UpstreamFault}
_RETRIES = {fault: metrics.UPSTREAM_RETRIES.labels(fault.value) for fault in UpstreamFault}


def count_failure(fault: UpstreamFault, *, retried: bool) -> None:
    _ERRORS[fault].inc()
    if retried:
        _RETRIES[fault].inc()
