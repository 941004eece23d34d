"""Errors in the OpenAI API's shape, so SDK clients raise the same exception classes they would against the real API."""

from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from simulator.encoding import JsonResponse


class ApiError(Exception):
    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        error_type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.error_type = error_type
        self.param = param
        self.code = code
        self.headers = dict(headers or {})

    def to_response(self) -> Response:
        error = {"message": self.message, "type": self.error_type, "param": self.param, "code": self.code}
        return JsonResponse({"error": error}, status_code=self.status_code, headers=self.headers)


async def api_error_handler(_request: Request, exc: Exception) -> Response:
    if not isinstance(exc, ApiError):
        raise exc
    return exc.to_response()


async def invalid_url_handler(request: Request, exc: Exception) -> Response:
    """Unknown paths and methods answer the way the real API does, with its "Invalid URL" message."""
    if not isinstance(exc, HTTPException):
        raise exc
    return ApiError(exc.status_code, f"Invalid URL ({request.method} {request.url.path})").to_response()
