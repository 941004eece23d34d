"""Every error leaves as JSON ``{"detail": ...}`` with a status that says whose fault it is."""

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError, TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException

from app.services.errors import (
    ConflictError,
    ForbiddenError,
    InvalidCursorError,
    NotFoundError,
    RateLimitedError,
    UnauthenticatedError,
    UnavailableError,
)

logger = logging.getLogger(__name__)


class ErrorMessage(BaseModel):
    """Every error but 422's: a sentence saying what went wrong."""

    detail: str


_ERROR_SCHEMA = ErrorMessage.model_json_schema()

# A route's ``responses``, as FastAPI types them.
Responses = dict[int | str, dict[str, Any]]


def error_response(description: str) -> dict[str, Any]:
    """An entry of a route's ``responses``, so that the OpenAPI document shows the error and its shape.
    Written out rather than given as a ``model``, which FastAPI would file under the route's own media type
    (the stream's is text/event-stream): errors are JSON whatever the route."""
    return {"description": description, "content": {"application/json": {"schema": _ERROR_SCHEMA}}}


# For the routes that read a JSON body (app/api/body_limit.py refuses an oversized one before it is read).
BODY_ERRORS: Responses = {
    400: error_response("The body cannot be read as JSON text (it is not UTF-8, or nested too deeply)"),
    413: error_response("The request body is larger than MAX_REQUEST_BYTES"),
}
# For every route that needs a signed-in caller.
UNAUTHENTICATED: Responses = {401: error_response("No session cookie or Bearer token, or one that expired")}
# For the routes that spend an abuse limit or quota (app/api/rate_limits.py).
RATE_LIMITED: Responses = {
    429: {
        **error_response("A limit is spent; the Retry-After header says in how many seconds it is not"),
        "headers": {"Retry-After": {"description": "Seconds until the limit allows it", "schema": {"type": "integer"}}},
    }
}
# For every route that uses PostgreSQL or Redis.
UNAVAILABLE: Responses = {503: error_response("PostgreSQL or Redis is unavailable; retry shortly")}


def _json(status: int, detail: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": detail})


async def _not_found(_: Request, error: Exception) -> JSONResponse:
    return _json(404, str(error))


async def _conflict(_: Request, error: Exception) -> JSONResponse:
    return _json(409, str(error))


async def _unauthenticated(_: Request, error: Exception) -> JSONResponse:
    return JSONResponse(status_code=401, content={"detail": str(error)}, headers={"WWW-Authenticate": "Bearer"})


async def _forbidden(_: Request, error: Exception) -> JSONResponse:
    return _json(403, str(error))


async def _rate_limited(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RateLimitedError)
    return JSONResponse(
        status_code=429, content={"detail": str(error)}, headers={"Retry-After": str(error.retry_after)}
    )


async def _unavailable(_: Request, error: Exception) -> JSONResponse:
    return _json(503, str(error))


async def _backend_down(request: Request, error: Exception) -> JSONResponse:
    logger.warning("%s %s: backing service error: %r", request.method, request.url.path, error)
    return _json(503, "a backing service is unavailable; please retry shortly")


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    route = request.scope.get("route")
    if error.status_code == 405 and route is not None:
        # Starlette's Allow names the methods of one route, but a path's methods are often several routes
        # (GET and POST /conversations): all of them, as the OpenAPI document lists them, and HEAD with GET.
        methods = {method.upper() for method in request.app.openapi()["paths"].get(route.path_format, {})}
        if "GET" in methods:
            methods.add("HEAD")
        error.headers = {**(error.headers or {}), "Allow": ", ".join(sorted(methods))}
    return await http_exception_handler(request, error)


# What pydantic puts before the message of an error our own validators raise ("Value error, message is …").
_VALIDATOR_PREFIXES = ("Value error, ", "Assertion failed, ")


def _as_sentence(message: str) -> str:
    """A validation message as a sentence: "Value error, message is 33,000 characters long; the limit is 32,000"
    becomes "Message is 33,000 characters long; the limit is 32,000." (pydantic's own "Field required" gains a full
    stop), so that a client may show it as it is."""
    for prefix in _VALIDATOR_PREFIXES:
        message = message.removeprefix(prefix)
    message = message.strip()
    if not message:
        return message
    message = message[0].upper() + message[1:]
    return message if message.endswith((".", "!", "?")) else f"{message}."


async def _invalid_request(_: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    # FastAPI's shape (the OpenAPI document's HTTPValidationError: a list of {loc, msg, type, …}), each msg a sentence.
    errors = [{**e, "msg": _as_sentence(str(e["msg"]))} for e in jsonable_encoder(error.errors())]
    try:
        return _validation_errors(errors)
    except (ValueError, UnicodeEncodeError):
        # An input that JSON cannot carry back, such as 1e999999 (parsed as infinity) or a lone surrogate
        # ("\ud800"), is left out, rather than the 422 becoming a 500 while it is written.
        return _validation_errors([{key: value for key, value in e.items() if key != "input"} for e in errors])


async def _invalid_cursor(_: Request, error: Exception) -> Response:
    # In the shape of every other 422: the cursor is a query parameter whose value is wrong.
    return _validation_errors([{"type": "value_error", "loc": ["query", "cursor"], "msg": str(error)}])


def _validation_errors(errors: list[dict[str, Any]]) -> Response:
    # As FastAPI's own handler writes it (JSONResponse: no NaN or infinity, UTF-8), but failing here, inside
    # the handler, where the fallback above can catch it.
    body = json.dumps({"detail": errors}, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    return Response(body, status_code=422, media_type="application/json")


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    logger.exception("%s %s failed", request.method, request.url.path, exc_info=error)
    return _json(500, "internal error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(InvalidCursorError, _invalid_cursor)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(ConflictError, _conflict)
    app.add_exception_handler(UnauthenticatedError, _unauthenticated)
    app.add_exception_handler(ForbiddenError, _forbidden)
    app.add_exception_handler(RateLimitedError, _rate_limited)
    app.add_exception_handler(UnavailableError, _unavailable)
    for backend_error in (RedisError, DBAPIError, PoolTimeoutError, OSError):
        app.add_exception_handler(backend_error, _backend_down)
    app.add_exception_handler(Exception, _unexpected)
