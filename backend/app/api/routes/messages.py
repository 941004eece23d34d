import uuid

from fastapi import APIRouter, status

from app.api.deps import AutocommitSessionDep, EnqueueDep, OwnerDep
from app.api.errors import BODY_ERRORS, RATE_LIMITED, UNAUTHENTICATED, UNAVAILABLE, error_response
from app.api.rate_limits import SendsLimited
from app.models import MessageCreate, SendMessageAccepted
from app.services import messages

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
    owner: OwnerDep,
    enqueue: EnqueueDep,
    _limited: SendsLimited,
    conversation_id: uuid.UUID,
    body: MessageCreate,
) -> SendMessageAccepted:
    """Store the message and queue the answer; stream it from ``GET /stream/{task_id}``. 429 when the caller sends
    too often (per user, per network address), has too many answers in progress, or has spent today's token quota
    (``GET /auth/me/usage``)."""
    return await messages.send(session, owner, conversation_id, body.content, enqueue)
