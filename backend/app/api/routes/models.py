"""Which model answers: for signed-in callers (the web app shows it, and marks simulated answers)."""

from fastapi import APIRouter
from pydantic import BaseModel

from app.api.deps import CallerDep, SettingsDep
from app.api.errors import UNAUTHENTICATED, UNAVAILABLE

router = APIRouter(tags=["models"], responses={**UNAUTHENTICATED, **UNAVAILABLE})


class ModelPublic(BaseModel):
    id: str
    # True when the bundled simulator answers instead of a real model (no OPENAI_API_KEY).
    simulated: bool


class ModelsPublic(BaseModel):
    # The id of the model answers come from; one of ``data``.
    default: str
    # A list, for a model picker to come; today the one model the worker uses.
    data: list[ModelPublic]


@router.get("/models", response_model=ModelsPublic)
async def list_models(_: CallerDep, settings: SettingsDep) -> ModelsPublic:
    """The models answers may come from, and the one they come from by default."""
    model = ModelPublic(id=settings.openai_model, simulated=settings.simulated)
    return ModelsPublic(default=model.id, data=[model])
