"""Conversations: create, list (most recently active first), read with messages, rename, delete; each only the
caller's own. Another user's conversation is "not found", exactly as one that does not exist."""

import uuid

from sqlalchemy.orm import selectinload
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Conversation, ConversationCreate, utcnow
from app.services.errors import NO_SUCH_CONVERSATION, NotFoundError


async def create(session: AsyncSession, user_id: uuid.UUID, data: ConversationCreate) -> Conversation:
    conversation = Conversation(user_id=user_id, title=data.title)
    session.add(conversation)
    await session.commit()
    return conversation


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


async def get(
    session: AsyncSession, user_id: uuid.UUID, conversation_id: uuid.UUID, *, with_messages: bool = False
) -> Conversation:
    query = select(Conversation).where(col(Conversation.id) == conversation_id, col(Conversation.user_id) == user_id)
    if with_messages:
        query = query.options(selectinload(Conversation.messages))  # type: ignore[arg-type]
    conversation = (await session.exec(query)).first()
    if conversation is None:
        raise NotFoundError(NO_SUCH_CONVERSATION)
    return conversation


async def rename(session: AsyncSession, user_id: uuid.UUID, conversation_id: uuid.UUID, title: str) -> Conversation:
    conversation = await get(session, user_id, conversation_id)
    conversation.title = title
    conversation.updated_at = utcnow()
    await session.commit()
    return conversation


async def delete(session: AsyncSession, user_id: uuid.UUID, conversation_id: uuid.UUID) -> None:
    conversation = await get(session, user_id, conversation_id)
    await session.delete(conversation)
    await session.commit()
