"""The conversation as the model sees it when answering one assistant message.

What goes in, in order: the system prompt, then the conversation's turns, newest kept first until the
token budget (HISTORY_TOKEN_BUDGET) is spent; the user's newest message is always kept. Which turns count:
- user messages, all of them;
- completed answers;
- cancelled answers, as far as they got: the user saw that text and may refer to it ("shorter, please");
- failed answers are left out: their text stopped for reasons the user did not choose, and the user
  message before them stays, so the model simply answers it again.
"""

import uuid

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.llm.deltas import ChatTurn
from app.llm.tokens import message_tokens, message_tokens_at_most
from app.models import Message, MessageRole, MessageStatus

_ANSWERS_KEPT = (MessageStatus.COMPLETED, MessageStatus.CANCELLED)


async def turns_before(
    session: AsyncSession, conversation_id: uuid.UUID, before_seq: int, system_prompt: str, budget: int
) -> list[ChatTurn]:
    rows = await session.exec(
        select(col(Message.role), col(Message.content))
        .where(
            col(Message.conversation_id) == conversation_id,
            col(Message.seq) < before_seq,
            or_(
                col(Message.role) == MessageRole.USER,
                col(Message.status).in_(_ANSWERS_KEPT) & (col(Message.content) != ""),
            ),
        )
        .order_by(col(Message.seq))
    )
    turns = [ChatTurn("user" if role is MessageRole.USER else "assistant", content) for role, content in rows]
    return fit_to_budget(ChatTurn("system", system_prompt), turns, budget)


def fit_to_budget(system: ChatTurn, turns: list[ChatTurn], budget: int) -> list[ChatTurn]:
    """The system turn and the newest turns that fit in ``budget`` tokens (the newest one always)."""
    # Most conversations fit with room to spare, which a byte count proves without encoding every turn.
    if sum(message_tokens_at_most(turn.content) for turn in (system, *turns)) <= budget:
        return [system, *_from_user_on(turns)]
    remaining = budget - message_tokens(system.content)
    kept: list[ChatTurn] = []
    for turn in reversed(turns):
        cost = message_tokens(turn.content)
        if kept and cost > remaining:
            break
        kept.append(turn)
        remaining -= cost
    kept.reverse()
    return [system, *_from_user_on(kept)]


def _from_user_on(turns: list[ChatTurn]) -> list[ChatTurn]:
    """A conversation shown to the model starts with the user speaking, never with an orphaned answer."""
    first_user = next((i for i, turn in enumerate(turns) if turn.role == "user"), max(len(turns) - 1, 0))
    return turns[first_user:]
