"""Rows made straight in PostgreSQL, for tests of services that run in the test process."""

from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Conversation, User


async def add_conversation(session: AsyncSession, title: str | None = None) -> Conversation:
    """A conversation of a new guest, flushed (so that messages can refer to it) but not committed."""
    owner = User()
    session.add(owner)
    await session.flush()
    conversation = Conversation(user_id=owner.id, title=title)
    session.add(conversation)
    await session.flush()
    return conversation
