"""The conversation as the model sees it when answering one assistant message."""

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.llm.deltas import ChatTurn
from app.models import Message, MessageRole, MessageStatus


async def turns_before(session: AsyncSession, answer: Message) -> list[ChatTurn]:
    """Every user turn and every completed assistant turn before ``answer``, oldest first.

    Failed and cancelled answers are left out: the model should not continue from a broken turn.
    """
    assert answer.seq is not None
    rows = await session.exec(
        select(Message)
        .where(Message.conversation_id == answer.conversation_id, col(Message.seq) < answer.seq)
        .order_by(col(Message.seq))
    )
    return [
        ChatTurn(role=message.role.value, content=message.content)
        for message in rows
        if message.role is MessageRole.USER or message.status is MessageStatus.COMPLETED
    ]
