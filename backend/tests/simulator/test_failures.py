import time
import uuid

import httpx
import openai
import pytest
from openai import AsyncOpenAI

from simulator.failures import AttemptCounter

from .apis import APIS, MODEL, PATHS, Api, create, request_body, stream_answer
from .process import RunningSimulator
from .request_log import settled_outcomes

# What each status must look like to a client: the SDK's exception class, and the error's type and code.
EXPECTED_FAILURES: dict[int, tuple[type[openai.APIStatusError], str, str]] = {
    400: (openai.BadRequestError, "invalid_request_error", "invalid_request"),
    401: (openai.AuthenticationError, "authentication_error", "invalid_api_key"),
    403: (openai.PermissionDeniedError, "request_forbidden", "unsupported_country_region_territory"),
    404: (openai.NotFoundError, "invalid_request_error", "model_not_found"),
    # The SDK has no class of its own for 408.
    408: (openai.APIStatusError, "invalid_request_error", "request_timeout"),
    409: (openai.ConflictError, "invalid_request_error", "conflict"),
    422: (openai.UnprocessableEntityError, "invalid_request_error", "unprocessable_entity"),
    429: (openai.RateLimitError, "requests", "rate_limit_exceeded"),
    500: (openai.InternalServerError, "server_error", "server_error"),
    502: (openai.InternalServerError, "server_error", "bad_gateway"),
    503: (openai.InternalServerError, "server_error", "service_unavailable"),
    504: (openai.InternalServerError, "server_error", "gateway_timeout"),
}


def _unique_prompt(directive: str) -> str:
    """Attempts are counted per prompt, so every test needs a prompt no other test (or run) sends."""
    return f"Question {uuid.uuid4().hex} {directive}"


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("status", sorted(EXPECTED_FAILURES))
@pytest.mark.asyncio
async def test_each_failure_status_raises_its_sdk_exception(
    openai_client: AsyncOpenAI, status: int, api: Api, stream: bool
) -> None:
    exception_class, error_type, code = EXPECTED_FAILURES[status]
    prompt = _unique_prompt(f"[sim fail={status}]")

    attempt = stream_answer(openai_client, api, prompt, []) if stream else create(openai_client, api, prompt)

    with pytest.raises(openai.APIStatusError) as raised:
        await attempt

    assert type(raised.value) is exception_class
    assert raised.value.status_code == status
    assert (raised.value.type, raised.value.code, raised.value.param) == (error_type, code, None)
    assert "retry-after" not in raised.value.response.headers


@pytest.mark.parametrize("api", APIS)
@pytest.mark.asyncio
async def test_a_failure_comes_in_openai_error_shape_with_retry_after_before_any_stream(
    http: httpx.AsyncClient, api: Api
) -> None:
    prompt = _unique_prompt("[sim fail=503 retry_after=0.2]")

    response = await http.post(PATHS[api], json=request_body(api, prompt, stream=True))

    assert response.status_code == httpx.codes.SERVICE_UNAVAILABLE
    assert response.headers["retry-after"] == "0.2"
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert "overloaded" in error["message"]
    assert await settled_outcomes(http, prompt) == ["failed"]


@pytest.mark.asyncio
async def test_not_found_and_rate_limit_messages_name_the_model(openai_client: AsyncOpenAI) -> None:
    for status in (404, 429):
        with pytest.raises(openai.APIStatusError) as raised:
            await create(openai_client, "responses", _unique_prompt(f"[sim fail={status}]"))
        assert MODEL in raised.value.message


@pytest.mark.parametrize("api", APIS)
@pytest.mark.asyncio
async def test_fail_times_fails_the_first_attempts_at_a_prompt_then_answers_it(
    openai_client: AsyncOpenAI, http: httpx.AsyncClient, api: Api
) -> None:
    prompt = _unique_prompt("[sim fail=503 fail_times=2 retry_after=1]")

    for _ in range(2):
        with pytest.raises(openai.InternalServerError) as raised:
            await create(openai_client, api, prompt)
        assert raised.value.response.headers["retry-after"] == "1"
    answers = [await create(openai_client, api, prompt), await create(openai_client, api, prompt)]

    assert answers[0]
    assert answers[0] == answers[1]
    assert await settled_outcomes(http, prompt) == ["failed", "failed", "completed", "completed"]


@pytest.mark.asyncio
async def test_attempts_are_counted_per_prompt(openai_client: AsyncOpenAI) -> None:
    directive = "[sim fail=429 fail_times=1]"
    first, second = _unique_prompt(directive), _unique_prompt(directive)

    with pytest.raises(openai.RateLimitError):
        await create(openai_client, "chat", first)
    with pytest.raises(openai.RateLimitError):
        await create(openai_client, "responses", second)
    assert await create(openai_client, "chat", first)
    assert await create(openai_client, "responses", second)


@pytest.mark.asyncio
async def test_without_fail_times_every_attempt_fails(openai_client: AsyncOpenAI) -> None:
    prompt = _unique_prompt("[sim fail=500]")

    for _ in range(3):
        with pytest.raises(openai.InternalServerError):
            await create(openai_client, "responses", prompt)


RETRY_AFTER_SECONDS = 0.05
# Event loop timers may fire up to a millisecond early; upper bounds are never asserted.
TIMER_SLACK_SECONDS = 0.005


@pytest.mark.asyncio
async def test_the_sdk_retries_a_transient_failure_after_the_retry_after_delay(simulator: RunningSimulator) -> None:
    prompt = _unique_prompt(f"[sim fail=429 fail_times=2 retry_after={RETRY_AFTER_SECONDS}]")
    started = time.monotonic()

    async with AsyncOpenAI(base_url=simulator.api_url, api_key="sim", max_retries=2) as retrying_client:
        answer = await create(retrying_client, "chat", prompt)

    assert answer
    assert time.monotonic() - started >= 2 * RETRY_AFTER_SECONDS - TIMER_SLACK_SECONDS


def test_the_attempt_counter_forgets_the_least_recently_tried_prompt() -> None:
    counter = AttemptCounter(capacity=2)

    assert [counter.next_attempt("a"), counter.next_attempt("b"), counter.next_attempt("a")] == [1, 1, 2]
    assert counter.next_attempt("c") == 1  # over capacity: "b" is forgotten, "a" was tried more recently
    assert counter.next_attempt("a") == 3
    assert counter.next_attempt("b") == 1
