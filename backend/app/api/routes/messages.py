import uuid

from fastapi import APIRouter, status

from app.api.deps import AutocommitSessionDep, EnqueueDep
from app.api.errors import BODY_ERRORS, UNAVAILABLE, error_response
from app.models import MessageCreate, SendMessageAccepted
from app.services import messages

router = APIRouter(prefix="/conversations", tags=["messages"], responses=UNAVAILABLE)


@router.post(
    "/{conversation_id}/messages",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SendMessageAccepted,
    responses={
        404: error_response("No such conversation"),
        409: error_response("An answer is still being generated in this conversation"),
        **BODY_ERRORS,
    },
)
async def send_message(
    session: AutocommitSessionDep, enqueue: EnqueueDep, conversation_id: uuid.UUID, body: MessageCreate
) -> SendMessageAccepted:
    """Store the message and queue the answer; stream it from ``GET /stream/{task_id}``."""
    return await messages.send(session, conversation_id, body.content, enqueue)
