"""Which kind each model-call failure is counted as (chat_upstream_errors_total{kind}, …retries…)."""

import httpx2
import openai
import pytest

from app.llm.faults import ModelStreamError, UpstreamFault, error_fault, status_fault

_REQUEST = httpx2.Request("POST", "http://model.invalid/v1/responses")


def _status_error(status_code: int) -> openai.APIStatusError:
    return openai.APIStatusError("refused", response=httpx2.Response(status_code, request=_REQUEST), body=None)


@pytest.mark.parametrize(
    ("status_code", "fault"),
    [
        (429, UpstreamFault.RATE_LIMIT),
        (500, UpstreamFault.SERVER_ERROR),
        (503, UpstreamFault.SERVER_ERROR),
        (401, UpstreamFault.CLIENT_ERROR),
        (404, UpstreamFault.CLIENT_ERROR),
        (408, UpstreamFault.CLIENT_ERROR),
    ],
)
def test_a_status_is_counted_by_its_class(status_code: int, fault: UpstreamFault) -> None:
    assert status_fault(status_code) is fault
    assert error_fault(_status_error(status_code)) is fault


@pytest.mark.parametrize(
    ("error", "fault"),
    [
        (openai.APITimeoutError(_REQUEST), UpstreamFault.TIMEOUT),
        (httpx2.ReadTimeout("silent"), UpstreamFault.TIMEOUT),
        (TimeoutError(), UpstreamFault.TIMEOUT),
        (openai.APIConnectionError(request=_REQUEST), UpstreamFault.CONNECTION),
        (httpx2.ConnectError("refused"), UpstreamFault.CONNECTION),
        (None, UpstreamFault.CONNECTION),
        (httpx2.RemoteProtocolError("cut"), UpstreamFault.STREAM_BROKEN),
        (httpx2.ReadError("reset"), UpstreamFault.STREAM_BROKEN),
        (ModelStreamError("the model reported an error"), UpstreamFault.MODEL_ERROR),
        (ValueError("a bug"), UpstreamFault.OTHER),
    ],
)
def test_an_exception_is_counted_by_its_kind(error: BaseException | None, fault: UpstreamFault) -> None:
    assert error_fault(error) is fault
