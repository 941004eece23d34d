import uuid

from fastapi import APIRouter, status

from app.api.deps import AutocommitSessionDep, EnqueueDep, SenderDep
from app.api.errors import BODY_ERRORS, RATE_LIMITED, UNAUTHENTICATED, UNAVAILABLE, error_response
from app.api.rate_limits import SendsLimited
from app.models import MessageCreate, SendMessageAccepted
from app.services import messages

router = APIRouter(tags=["messages"], responses={**UNAUTHENTICATED, **UNAVAILABLE})

BUSY = error_response("An answer is still being generated in this conversation")


@router.post(
    "/conversations/{conversation_id}/messages",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SendMessageAccepted,
    responses={
        404: error_response("No such conversation, or parent_id names no answer of it"),
        409: BUSY,
        **RATE_LIMITED,
        **BODY_ERRORS,
    },
)
async def send_message(
    session: AutocommitSessionDep,
    sender: SenderDep,
    enqueue: EnqueueDep,
    _limited: SendsLimited,
    conversation_id: uuid.UUID,
    body: MessageCreate,
) -> SendMessageAccepted:
    """Store the message and queue the answer; stream it from ``GET /stream/{task_id}``. The message follows
    ``parent_id`` when given (an answer of this conversation, or null for a new first turn: how an edited message
    starts a new branch), else the end of the current branch; either way it becomes the branch shown. 429 when the
    caller sends too often (per user, per network address), has too many answers in progress, or has spent today's
    token quota (``GET /auth/me/usage``)."""
    parent = body.parent_id if "parent_id" in body.model_fields_set else messages.FOLLOW_CURRENT
    return await messages.send(session, sender, conversation_id, body.content, enqueue, parent_id=parent)


@router.post(
    "/messages/{assistant_message_id}/regenerate",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SendMessageAccepted,
    responses={404: error_response("No such answer"), 409: BUSY, **RATE_LIMITED},
)
async def regenerate_answer(
    session: AutocommitSessionDep,
    sender: SenderDep,
    enqueue: EnqueueDep,
    _limited: SendsLimited,
    assistant_message_id: uuid.UUID,
) -> SendMessageAccepted:
    """A new answer to the same question, as another version beside this one (the question is not repeated), made
    the branch shown; stream it from ``GET /stream/{task_id}``. The same limits as a send apply."""
    return await messages.regenerate(session, sender, assistant_message_id, enqueue)
