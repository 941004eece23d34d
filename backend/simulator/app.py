"""The simulator's HTTP application: OpenAI's generation endpoints plus the `/_sim` endpoints tests inspect it with."""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any, Final, Protocol

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from simulator.background import BackgroundResponse, BackgroundResponses, connection_stream
from simulator.body import JsonObject, json_object
from simulator.chat_completions import ChatCompletionsRequest, SimulatedCompletion
from simulator.encoding import JsonResponse
from simulator.errors import ApiError, api_error_handler, invalid_url_handler
from simulator.failures import AttemptCounter, injected_failure
from simulator.interruptions import half_then_cut, paced_with_interruptions, stall, until_disconnected
from simulator.pacing import PacedFrame, TokenSchedule
from simulator.profile import (
    DirectiveError,
    FaultProfile,
    SimulationProfile,
    resolve_profile,
    without_directives,
)
from simulator.prompt import Prompt, chat_prompt, responses_prompt
from simulator.recorder import RequestLog, set_outcome, tracking_failure, tracking_outcome
from simulator.responses_api import ResponsesRequest, SimulatedResponse
from simulator.text import answer_tokens, reasoning_summary_tokens

ADVERTISED_MODELS: Final = ("gpt-5-mini", "gpt-5-nano")
"""What `/v1/models` lists; generation accepts any model name and echoes it back."""

_MODELS_CREATED_AT: Final = 1_700_000_000  # fixed, so the listing never changes between runs
_SSE_HEADERS: Final = {"Cache-Control": "no-cache"}
# nginx's status for a client that hung up first; nobody receives it, but a handler has to return something.
_CLIENT_CLOSED_REQUEST: Final = 499


class _Simulation(Protocol):
    @property
    def token_count(self) -> int: ...

    def frames(self) -> Iterator[PacedFrame]: ...

    def final_object(self) -> JsonObject: ...


def _plan(prompt: Prompt, defaults: SimulationProfile, *, param: str) -> tuple[SimulationProfile, str]:
    """The profile the last user message asks for, and the text that seeds the answer."""
    try:
        profile = resolve_profile(prompt.last_user_text, defaults)
    except DirectiveError as exc:
        raise ApiError(400, str(exc), param=param, code="invalid_simulator_directive") from exc
    return profile, without_directives(prompt.last_user_text)


async def _deliver(
    simulation: _Simulation, profile: SimulationProfile, request: Request, entry: dict[str, Any], *, stream: bool
) -> Response:
    schedule = TokenSchedule(profile)
    if stream:
        body = tracking_outcome(paced_with_interruptions(simulation.frames(), schedule, profile.faults), entry)
        return StreamingResponse(body, media_type="text/event-stream", headers=_SSE_HEADERS)
    return await _deliver_whole(simulation, schedule, profile.faults, request, entry)


def _deliver_background(
    response: BackgroundResponse, faults: FaultProfile, entry: dict[str, Any], *, stream: bool
) -> Response:
    """The creating request's answer: the stream from the first event, or at once the queued Response object."""
    if stream:
        body = tracking_outcome(connection_stream(response, -1, faults), entry)
        return StreamingResponse(body, media_type="text/event-stream", headers=_SSE_HEADERS)
    set_outcome(entry, "completed")
    return JsonResponse(response.response_object())


def _check_background_faults(options: ResponsesRequest, faults: FaultProfile) -> None:
    if options.background and not options.stream and faults.interrupts_after is not None:
        # The answer is the queued Response object, sent at once: no answer delta for a stall or cut to follow.
        message = "Simulator directives stall_after and cut_after apply to a background request only when streamed."
        raise ApiError(400, message, param="input", code="invalid_simulator_directive")


def _stream_query(request: Request) -> tuple[bool, int]:
    """`stream` and `starting_after` of a retrieve request; without `starting_after` a stream starts at the first
    event.
    """
    stream = request.query_params.get("stream", "false")
    if stream not in ("true", "false"):
        raise _invalid_query_value("stream", "true or false", stream)
    starting_after = request.query_params.get("starting_after", "-1")
    try:
        after = int(starting_after)
    except ValueError:
        raise _invalid_query_value("starting_after", "an integer", starting_after) from None
    return stream == "true", after


def _invalid_query_value(param: str, expected: str, value: str) -> ApiError:
    message = f"Invalid value for '{param}': expected {expected}, but got {value!r} instead."
    return ApiError(400, message, param=param, code="invalid_value")


async def _deliver_whole(
    simulation: _Simulation, schedule: TokenSchedule, faults: FaultProfile, request: Request, entry: dict[str, Any]
) -> Response:
    """A non-streamed answer, sent once its last token is due; interruptions.py says what stalls and cuts do to it."""
    if faults.stall_after is not None:
        if faults.stall_ms is None:
            await until_disconnected(request)
            set_outcome(entry, "disconnected")
            return Response(status_code=_CLIENT_CLOSED_REQUEST)
        await stall(schedule, faults.stall_ms)
    await schedule.wait_for_last(simulation.token_count)
    if faults.cut_after is not None:
        body = tracking_outcome(half_then_cut(simulation.final_object()), entry)
        return StreamingResponse(body, media_type="application/json")
    set_outcome(entry, "completed")
    return JsonResponse(simulation.final_object())


def create_app(
    defaults: SimulationProfile,
    *,
    request_log_size: int = 200,
    remembered_prompts: int = 10_000,
    background_retention_seconds: float = 600.0,
    max_background_responses: int = 10_000,
) -> Starlette:
    """`remembered_prompts` bounds how many prompts' attempts are counted for `fail_times`; finished background
    responses are kept for `background_retention_seconds`, and at most `max_background_responses` are kept at all.
    """
    request_log = RequestLog(request_log_size)
    attempts = AttemptCounter(remembered_prompts)
    background = BackgroundResponses(retention_seconds=background_retention_seconds, capacity=max_background_responses)

    async def read_body(request: Request) -> tuple[JsonObject, dict[str, Any]]:
        body = json_object(await request.body())
        return body, request_log.record(request.url.path, body)

    def fail_if_asked(prompt: Prompt, faults: FaultProfile, model: str) -> None:
        """Raises the failure a `fail` directive asks for, unless this prompt has already failed `fail_times` times."""
        if faults.fail_status is None:
            return
        attempt = attempts.next_attempt(prompt.last_user_text)
        if faults.fail_times is None or attempt <= faults.fail_times:
            raise injected_failure(faults.fail_status, model=model, retry_after=faults.retry_after)

    async def create_response(request: Request) -> Response:
        body, entry = await read_body(request)
        with tracking_failure(entry):
            options = ResponsesRequest.from_body(body)
            prompt = responses_prompt(body)
            profile, seed = _plan(prompt, defaults, param="input")
            _check_background_faults(options, profile.faults)
            fail_if_asked(prompt, profile.faults, options.model)
        summary = reasoning_summary_tokens(seed, profile.reasoning_tokens) if options.wants_reasoning_summary else None
        simulation = SimulatedResponse(options, prompt.input_tokens, answer_tokens(seed, profile.tokens), summary)
        if options.background:
            with tracking_failure(entry):
                response = background.start(simulation, profile)
            return _deliver_background(response, profile.faults, entry, stream=options.stream)
        return await _deliver(simulation, profile, request, entry, stream=options.stream)

    async def retrieve_response(request: Request) -> Response:
        response = background.get(request.path_params["response_id"])
        stream, starting_after = _stream_query(request)
        if stream:
            # Faults strike the creating request's connection only, so that a client can always reattach.
            body = connection_stream(response, starting_after, FaultProfile())
            return StreamingResponse(body, media_type="text/event-stream", headers=_SSE_HEADERS)
        return JsonResponse(response.response_object())

    async def cancel_response(request: Request) -> Response:
        response = background.get(request.path_params["response_id"])
        response.cancel()
        return JsonResponse(response.response_object())

    async def create_chat_completion(request: Request) -> Response:
        body, entry = await read_body(request)
        with tracking_failure(entry):
            options = ChatCompletionsRequest.from_body(body)
            prompt = chat_prompt(body)
            profile, seed = _plan(prompt, defaults, param="messages")
            fail_if_asked(prompt, profile.faults, options.model)
        simulation = SimulatedCompletion(options, prompt.input_tokens, answer_tokens(seed, profile.tokens))
        return await _deliver(simulation, profile, request, entry, stream=options.stream)

    async def list_models(_request: Request) -> Response:
        models = [
            {"id": model, "object": "model", "created": _MODELS_CREATED_AT, "owned_by": "simulator"}
            for model in ADVERTISED_MODELS
        ]
        return JsonResponse({"object": "list", "data": models})

    async def health(_request: Request) -> Response:
        return JsonResponse({"status": "ok"})

    async def recorded_requests(_request: Request) -> Response:
        return JsonResponse({"requests": request_log.entries()})

    async def clear_recorded_requests(_request: Request) -> Response:
        request_log.clear()
        return Response(status_code=204)

    routes = [
        Route("/v1/responses", create_response, methods=["POST"]),
        Route("/v1/responses/{response_id}", retrieve_response, methods=["GET"]),
        Route("/v1/responses/{response_id}/cancel", cancel_response, methods=["POST"]),
        Route("/v1/chat/completions", create_chat_completion, methods=["POST"]),
        Route("/v1/models", list_models, methods=["GET"]),
        Route("/healthz", health, methods=["GET"]),
        Route("/_sim/requests", recorded_requests, methods=["GET"]),
        Route("/_sim/requests", clear_recorded_requests, methods=["DELETE"]),
    ]
    exception_handlers = {ApiError: api_error_handler, 404: invalid_url_handler, 405: invalid_url_handler}

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        background.cancel_all()

    return Starlette(routes=routes, exception_handlers=exception_handlers, lifespan=lifespan)
