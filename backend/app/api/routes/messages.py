import uuid

from fastapi import APIRouter, status

from app.api.deps import AutocommitSessionDep, EnqueueDep
from app.models import MessageCreate, SendMessageAccepted
from app.services import messages

router = APIRouter(prefix="/conversations", tags=["messages"])


@router.post(
    "/{conversation_id}/messages",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SendMessageAccepted,
    responses={409: {"description": "An answer is still being generated in this conversation"}},
)
async def send_message(
    session: AutocommitSessionDep, enqueue: EnqueueDep, conversation_id: uuid.UUID, body: MessageCreate
) -> SendMessageAccepted:
    """Store the message and queue the answer; stream it from ``GET /stream/{task_id}``."""
    return await messages.send(session, conversation_id, body.content, enqueue)
