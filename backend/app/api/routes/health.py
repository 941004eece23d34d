from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.api.deps import StateDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get(
    "/readyz", responses={503: {"description": "Redis or PostgreSQL does not answer; the same body says which"}}
)
async def readyz(state: StateDep) -> JSONResponse:
    """Redis and PostgreSQL answer; also says which model answers and whether it is simulated."""
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
    body: dict[str, Any] = {
        "status": "ready" if ready else "unavailable",
        "checks": checks,
        "llm": {
            "simulated": settings.simulated,
            "model": settings.openai_model,
            "api_style": settings.openai_api_style.value,
            "base_url": str(settings.simulator_url if settings.simulated else settings.openai_base_url or "openai"),
        },
    }
    return JSONResponse(status_code=200 if ready else 503, content=body)
