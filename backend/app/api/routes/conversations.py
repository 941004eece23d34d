import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.deps import AutocommitSessionDep, CallerDep, EnqueueDep, OwnerDep, SessionDep
from app.api.errors import BODY_ERRORS, RATE_LIMITED, UNAUTHENTICATED, UNAVAILABLE, Responses, error_response
from app.api.rate_limits import NewConversation
from app.models import (
    ConversationCreated,
    ConversationPublic,
    ConversationsPublic,
    ConversationUpdate,
    ConversationWithMessages,
)
from app.services import conversations

router = APIRouter(prefix="/conversations", tags=["conversations"], responses={**UNAUTHENTICATED, **UNAVAILABLE})

NOT_FOUND: Responses = {404: error_response("No such conversation")}
# The largest OFFSET PostgreSQL takes (bigint); past it a page would be a 503 instead of a 422.
MAX_OFFSET = 2**63 - 1


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ConversationCreated,
    responses={**RATE_LIMITED, **BODY_ERRORS},
)
async def create_conversation(
    session: SessionDep, owner: OwnerDep, enqueue: EnqueueDep, body: NewConversation
) -> ConversationCreated:
    """Create a conversation. With a ``message``, it is sent at once, as ``POST /conversations/{id}/messages``
    would (stream the answer from ``first_message.task_id``), and counts against the same limits; when the message
    is refused (429) nothing is created."""
    conversation, first_message = await conversations.create(session, owner, body, enqueue)
    return ConversationCreated.model_validate(conversation, update={"first_message": first_message})


@router.get("", response_model=ConversationsPublic)
async def list_conversations(
    session: AutocommitSessionDep,
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> ConversationsPublic:
    page, count = await conversations.list_recent(session, caller.user_id, limit, offset)
    return ConversationsPublic(data=[ConversationPublic.model_validate(c) for c in page], count=count)


@router.get("/{conversation_id}", response_model=ConversationWithMessages, responses=NOT_FOUND)
async def get_conversation(
    session: AutocommitSessionDep, caller: CallerDep, conversation_id: uuid.UUID
) -> ConversationWithMessages:
    conversation = await conversations.get(session, caller.user_id, conversation_id, with_messages=True)
    return ConversationWithMessages.model_validate(conversation, from_attributes=True)


@router.patch("/{conversation_id}", response_model=ConversationPublic, responses={**NOT_FOUND, **BODY_ERRORS})
async def rename_conversation(
    session: SessionDep, caller: CallerDep, conversation_id: uuid.UUID, body: ConversationUpdate
) -> ConversationPublic:
    conversation = await conversations.rename(session, caller.user_id, conversation_id, body.title)
    return ConversationPublic.model_validate(conversation)


@router.delete("/{conversation_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_conversation(session: SessionDep, caller: CallerDep, conversation_id: uuid.UUID) -> None:
    await conversations.delete(session, caller.user_id, conversation_id)
