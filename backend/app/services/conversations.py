"""Conversations: create, list (most recently active first), change (title, model, instructions), delete; each only
the caller's own (reading one with its messages is app/services/message_tree.py). Another user's conversation is
"not found", exactly as one that does not exist."""

import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    Conversation,
    ConversationCreate,
    ConversationListed,
    ConversationsPublic,
    ConversationUpdate,
    SendMessageAccepted,
    utcnow,
)
from app.services import messages
from app.services.cursors import ID, TIMESTAMP, CursorFormat
from app.services.errors import NO_SUCH_CONVERSATION, NotFoundError
from app.services.messages import Enqueue, Owner

CONVERSATION_TABLE: sa.Table = Conversation.__table__  # type: ignore[attr-defined]
# What a listed conversation shows, straight from the table (its search vector is never read).
LISTED_COLUMNS = [CONVERSATION_TABLE.c[name] for name in ConversationListed.model_fields if name != "snippet"]


async def create(
    session: AsyncSession, owner: Owner, data: ConversationCreate, enqueue: Enqueue
) -> tuple[Conversation, SendMessageAccepted | None]:
    """A new conversation of ``owner``'s; with ``data.message``, that message is sent with it (and its acceptance
    returned) in one statement, so a refused first message (a limit, the quota) leaves no conversation behind."""
    conversation = Conversation(
        user_id=owner.user_id, title=data.title, model=data.model, instructions=data.instructions
    )
    if data.message is not None:
        return conversation, await messages.start(session, owner, conversation, data.message, enqueue)
    session.add(conversation)
    await session.commit()
    return conversation, None


_RECENT = CursorFormat("list", (TIMESTAMP, ID))


def _recent_page(*, after_cursor: bool) -> sa.Select[Any]:
    """A page of the caller's conversations, most recently active first, read along ix_conversation_user_recent;
    built once per kind (first page, later page), its values bound per call."""
    conversation = CONVERSATION_TABLE.c
    page = (
        sa.select(*LISTED_COLUMNS)
        .where(conversation.user_id == sa.bindparam("user_id", type_=sa.Uuid()))
        .order_by(conversation.updated_at.desc(), conversation.id)
        # One more than asked: whether it came says whether there is a next page.
        .limit(sa.bindparam("limit_and_one", type_=sa.Integer()))
    )
    if not after_cursor:
        return page
    updated_at = sa.bindparam("after_updated_at", type_=sa.DateTime(timezone=True))
    # Not a single OR: `updated_at <= :after` is a range of the index, where the scan starts; the OR then only
    # sorts out the rows of that very instant.
    return page.where(
        conversation.updated_at <= updated_at,
        sa.or_(conversation.updated_at < updated_at, conversation.id > sa.bindparam("after_id", type_=sa.Uuid())),
    )


_FIRST_PAGE = _recent_page(after_cursor=False)
_LATER_PAGE = _recent_page(after_cursor=True)
_COUNT = sa.select(sa.func.count()).where(CONVERSATION_TABLE.c.user_id == sa.bindparam("user_id", type_=sa.Uuid()))


async def list_recent(session: AsyncSession, user_id: uuid.UUID, limit: int, cursor: str | None) -> ConversationsPublic:
    """A page of the caller's conversations, most recently active first (ties by id), after ``cursor`` (a page's
    ``next_cursor``). Keyset pagination: each page costs the same however far down it is, and the pages list each
    conversation exactly once while none moves. One that becomes active between pages moves to the top, above the
    cursor: it is never listed twice, but missed if it had not been listed yet."""
    parameters: dict[str, Any] = {"user_id": user_id, "limit_and_one": limit + 1}
    if cursor is None:
        statement = _FIRST_PAGE
    else:
        statement = _LATER_PAGE
        parameters["after_updated_at"], parameters["after_id"] = _RECENT.decode(cursor)
    rows = (await session.execute(statement, parameters)).mappings().all()
    count = (await session.execute(_COUNT, {"user_id": user_id})).scalar_one()
    page = [ConversationListed.model_validate(row) for row in rows[:limit]]
    last = page[-1] if len(rows) > limit else None
    next_cursor = None if last is None else _RECENT.encode((last.updated_at, last.id))
    return ConversationsPublic(data=page, count=count, next_cursor=next_cursor)


async def get(session: AsyncSession, user_id: uuid.UUID, conversation_id: uuid.UUID) -> Conversation:
    conversation = (
        await session.exec(
            select(Conversation).where(col(Conversation.id) == conversation_id, col(Conversation.user_id) == user_id)
        )
    ).first()
    if conversation is None:
        raise NotFoundError(NO_SUCH_CONVERSATION)
    return conversation


async def update(
    session: AsyncSession, user_id: uuid.UUID, conversation_id: uuid.UUID, changes: ConversationUpdate
) -> Conversation:
    """Apply the fields ``changes`` sets (a model already checked against the ones offered)."""
    conversation = await get(session, user_id, conversation_id)
    for field, value in changes.model_dump(exclude_unset=True).items():
        setattr(conversation, field, value)
    conversation.updated_at = utcnow()
    await session.commit()
    return conversation


async def delete(session: AsyncSession, user_id: uuid.UUID, conversation_id: uuid.UUID) -> None:
    conversation = await get(session, user_id, conversation_id)
    await session.delete(conversation)
    await session.commit()
