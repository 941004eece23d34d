"""What the caller's answers cost in model tokens, per UTC day, and the daily quota that applies to them."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import AutocommitSessionDep, CallerDep, SettingsDep
from app.api.errors import UNAUTHENTICATED, UNAVAILABLE
from app.models import UsageDayPublic, UsagePublic
from app.services import usage

router = APIRouter(prefix="/auth", tags=["auth"], responses={**UNAUTHENTICATED, **UNAVAILABLE})


@router.get("/me/usage", response_model=UsagePublic)
async def my_usage(
    session: AutocommitSessionDep,
    caller: CallerDep,
    settings: SettingsDep,
    days: Annotated[int, Query(ge=1, le=366, description="How many days back, today (UTC) included")] = 30,
) -> UsagePublic:
    """Input and output tokens of the caller's answers, per UTC day, newest first; days without answers are left
    out. Stopped, failed and interrupted answers count too (estimated when the model reported nothing), and deleting
    a conversation does not take back what it cost. ``daily_token_quota`` is the caller's limit on input plus output
    tokens per UTC day (null: none); once today's reach it, sending answers 429 until midnight UTC."""
    quota = settings.guest_daily_token_quota if caller.user.is_guest else settings.daily_token_quota
    rows = await usage.recent_days(session, caller.user_id, days)
    return UsagePublic(daily_token_quota=quota, days=[UsageDayPublic.model_validate(row) for row in rows])
