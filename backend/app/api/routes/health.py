import logging
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from app.api.deps import StateDep
from app.core.bearer import bearer_matches
from app.core.config import Settings

logger = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


class LlmDetail(BaseModel):
    simulated: bool
    model: str
    api_style: str
    base_url: str


class Readiness(BaseModel):
    """Anonymous callers get ``status`` only; the operator (``Authorization: Bearer <OPERATOR_TOKEN>``) also gets
    each check, with its error, and the model the worker uses."""

    status: Literal["ready", "unavailable"]
    checks: dict[str, str] | None = None
    llm: LlmDetail | None = None


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    responses={
        200: {"model": Readiness, "description": "Redis and PostgreSQL answer"},
        503: {"model": Readiness, "description": "Redis or PostgreSQL does not answer"},
    },
)
async def readyz(request: Request, state: StateDep) -> JSONResponse:
    """Redis and PostgreSQL answer. With the operator token, also which check failed and how, and the model."""
    checks: dict[str, str] = {}
    try:
        await state.redis.ping()
        checks["redis"] = "ok"
    except Exception as error:
        checks["redis"] = f"unavailable: {error}"
    try:
        async with state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:
        checks["database"] = f"unavailable: {error}"
    ready = all(value == "ok" for value in checks.values())
    settings = state.settings
    if not ready:
        logger.warning("not ready: %s", checks)
    body = Readiness(status="ready" if ready else "unavailable")
    if _is_operator(request, settings):
        body.checks = checks
        body.llm = LlmDetail(
            simulated=settings.simulated,
            model=settings.openai_model,
            api_style=settings.openai_api_style.value,
            base_url=str(settings.simulator_url if settings.simulated else settings.openai_base_url or "openai"),
        )
    return JSONResponse(status_code=200 if ready else 503, content=body.model_dump(exclude_none=True))


def _is_operator(request: Request, settings: Settings) -> bool:
    """The request carries ``Authorization: Bearer <OPERATOR_TOKEN>``; anything else (a session token, a wrong
    token, none) gets the anonymous answer."""
    expected = settings.operator_token
    return expected is not None and bearer_matches(request.headers.get("authorization"), expected)
