"""Which models answer: for signed-in callers (the web app's model picker, and its mark on simulated answers)."""

from fastapi import APIRouter
from pydantic import BaseModel

from app.api.deps import CallerDep, CatalogDep, SettingsDep
from app.api.errors import UNAUTHENTICATED, UNAVAILABLE

router = APIRouter(tags=["models"], responses={**UNAUTHENTICATED, **UNAVAILABLE})


class ModelPublic(BaseModel):
    id: str
    # True when the bundled simulator answers instead of a real model (no OPENAI_API_KEY).
    simulated: bool


class ModelsPublic(BaseModel):
    # The model of conversations that picked none; one of ``data``.
    default: str
    # The models a conversation may pick (PATCH /conversations/{id} {"model"}), the default first.
    data: list[ModelPublic]


@router.get("/models", response_model=ModelsPublic)
async def list_models(_: CallerDep, settings: SettingsDep, catalog: CatalogDep) -> ModelsPublic:
    """The models a conversation may pick, and the one it gets by default."""
    offered = await catalog.offered()
    return ModelsPublic(
        default=catalog.default, data=[ModelPublic(id=model, simulated=settings.simulated) for model in offered]
    )
