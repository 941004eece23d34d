import uuid

from fastapi import APIRouter, status

from app.api.deps import AutocommitSessionDep, CallerDep, EnqueueDep, SettingsDep
from app.api.errors import BODY_ERRORS, RATE_LIMITED, UNAUTHENTICATED, UNAVAILABLE, error_response
from app.models import MessageCreate, SendMessageAccepted
from app.services import messages
from app.services.messages import Owner

router = APIRouter(prefix="/conversations", tags=["messages"], responses={**UNAUTHENTICATED, **UNAVAILABLE})


@router.post(
    "/{conversation_id}/messages",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SendMessageAccepted,
    responses={
        404: error_response("No such conversation"),
        409: error_response("An answer is still being generated in this conversation"),
        **RATE_LIMITED,
        **BODY_ERRORS,
    },
)
async def send_message(
    session: AutocommitSessionDep,
    caller: CallerDep,
    settings: SettingsDep,
    enqueue: EnqueueDep,
    conversation_id: uuid.UUID,
    body: MessageCreate,
) -> SendMessageAccepted:
    """Store the message and queue the answer; stream it from ``GET /stream/{task_id}``."""
    guest = caller.user.is_guest
    max_answers = settings.max_answers_at_once_per_guest if guest else settings.max_answers_at_once_per_user
    return await messages.send(session, Owner(caller.user_id, max_answers), conversation_id, body.content, enqueue)
