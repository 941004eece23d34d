import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.deps import AutocommitSessionDep, CallerDep, SessionDep
from app.api.errors import BODY_ERRORS, UNAUTHENTICATED, UNAVAILABLE, Responses, error_response
from app.models import (
    ConversationCreate,
    ConversationPublic,
    ConversationsPublic,
    ConversationUpdate,
    ConversationWithMessages,
    SearchText,
)
from app.services import conversations, search
from app.services.cursors import CURSOR_PATTERN, MAX_CURSOR_CHARS

router = APIRouter(prefix="/conversations", tags=["conversations"], responses={**UNAUTHENTICATED, **UNAVAILABLE})

NOT_FOUND: Responses = {404: error_response("No such conversation")}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ConversationPublic, responses=BODY_ERRORS)
async def create_conversation(
    session: SessionDep, caller: CallerDep, body: ConversationCreate | None = None
) -> ConversationPublic:
    conversation = await conversations.create(session, caller.user_id, body or ConversationCreate())
    return ConversationPublic.model_validate(conversation)


@router.get("", response_model=ConversationsPublic)
async def list_conversations(
    session: AutocommitSessionDep,
    caller: CallerDep,
    q: Annotated[
        SearchText | None,
        Query(description='Words to find in titles and messages (web search syntax: "a phrase", or, -word)'),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[
        str | None,
        Query(
            max_length=MAX_CURSOR_CHARS,
            pattern=CURSOR_PATTERN,
            description="The previous page's next_cursor, with the same q; left out for the first page",
        ),
    ] = None,
) -> ConversationsPublic:
    """The caller's conversations, most recently active first; with ``q``, those that match, best match first,
    each with a snippet of where it matched."""
    if q is None:
        return await conversations.list_recent(session, caller.user_id, limit, cursor)
    return await search.search(session, caller.user_id, q, limit, cursor)


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
