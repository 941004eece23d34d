"""Every error leaves as JSON ``{"detail": ...}`` with a status that says whose fault it is."""

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError, TimeoutError as PoolTimeoutError

from app.services.errors import ConflictError, NotFoundError, UnavailableError

logger = logging.getLogger(__name__)


def _json(status: int, detail: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": detail})


async def _not_found(_: Request, error: Exception) -> JSONResponse:
    return _json(404, str(error))


async def _conflict(_: Request, error: Exception) -> JSONResponse:
    return _json(409, str(error))


async def _unavailable(_: Request, error: Exception) -> JSONResponse:
    return _json(503, str(error))


async def _backend_down(request: Request, error: Exception) -> JSONResponse:
    logger.warning("%s %s: backing service error: %r", request.method, request.url.path, error)
    return _json(503, "a backing service is unavailable; please retry shortly")


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    logger.exception("%s %s failed", request.method, request.url.path, exc_info=error)
    return _json(500, "internal error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(ConflictError, _conflict)
    app.add_exception_handler(UnavailableError, _unavailable)
    for backend_error in (RedisError, DBAPIError, PoolTimeoutError, OSError):
        app.add_exception_handler(backend_error, _backend_down)
    app.add_exception_handler(Exception, _unexpected)
