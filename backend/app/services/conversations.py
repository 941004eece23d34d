"""Conversations: create, list (most recently active first), change (title, model, instructions), delete; each only
the caller's own (reading one with its messages is app/services/message_tree.py). Another user's conversation is
"not found", exactly as one that does not exist."""

import uuid

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Conversation, ConversationCreate, ConversationUpdate, SendMessageAccepted, utcnow
from app.services import messages
from app.services.errors import NO_SUCH_CONVERSATION, NotFoundError
from app.services.messages import Enqueue, Owner


async def create(
    session: AsyncSession, owner: Owner, data: ConversationCreate, enqueue: Enqueue
) -> tuple[Conversation, SendMessageAccepted | None]:
    """A new conversation of ``owner``'s; with ``data.message``, that message is sent in the same transaction (and
    its acceptance returned), so a refused first message (a limit, the quota) leaves no conversation behind."""
    conversation = Conversation(
        user_id=owner.user_id, title=data.title, model=data.model, instructions=data.instructions
    )
    session.add(conversation)
    if data.message is None:
        await session.commit()
        return conversation, None
    # Written, not committed: the send's statement sees the row, and its commit keeps both or neither.
    await session.flush()
    try:
        accepted = await messages.send(session, owner, conversation.id, data.message, enqueue)
    except Exception:
        await session.rollback()
        raise
    # The send's statement touched the row (updated_at): answer with it as stored.
    await session.refresh(conversation)
    return conversation, accepted


async def list_recent(
    session: AsyncSession, user_id: uuid.UUID, limit: int, offset: int
) -> tuple[list[Conversation], int]:
    mine = col(Conversation.user_id) == user_id
    count = (await session.exec(select(func.count()).select_from(Conversation).where(mine))).one()
    page = await session.exec(
        select(Conversation)
        .where(mine)
        .order_by(col(Conversation.updated_at).desc(), col(Conversation.id))
        .offset(offset)
        .limit(limit)
    )
    return list(page.all()), count


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
