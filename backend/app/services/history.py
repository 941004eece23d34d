"""The conversation as the model sees it when answering one assistant message.

What goes in, in order: the system prompt, then the conversation's turns, newest kept first until the
token budget (HISTORY_TOKEN_BUDGET) is spent; the user's newest message is always kept. Which turns count:
- user messages, all of them;
- completed answers;
- cancelled answers, as far as they got: the user saw that text and may refer to it ("shorter, please");
- failed answers are left out: their text stopped for reasons the user did not choose, and the user
  message before them stays, so the model simply answers it again.
"""

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.llm.deltas import ChatTurn
from app.llm.tokens import message_tokens
from app.models import Message, MessageRole, MessageStatus

_ANSWERS_KEPT = (MessageStatus.COMPLETED, MessageStatus.CANCELLED)


async def turns_before(session: AsyncSession, answer: Message, system_prompt: str, budget: int) -> list[ChatTurn]:
    assert answer.seq is not None
    rows = await session.exec(
        select(Message)
        .where(Message.conversation_id == answer.conversation_id, col(Message.seq) < answer.seq)
        .order_by(col(Message.seq))
    )
    turns = [_as_turn(message) for message in rows if _counts(message)]
    return fit_to_budget(ChatTurn("system", system_prompt), turns, budget)


def fit_to_budget(system: ChatTurn, turns: list[ChatTurn], budget: int) -> list[ChatTurn]:
    """The system turn and the newest turns that fit in ``budget`` tokens (the newest one always)."""
    remaining = budget - message_tokens(system.content)
    kept: list[ChatTurn] = []
    for turn in reversed(turns):
        cost = message_tokens(turn.content)
        if kept and cost > remaining:
            break
        kept.append(turn)
        remaining -= cost
    kept.reverse()
    # A conversation shown to the model starts with the user speaking, never with an orphaned answer.
    while len(kept) > 1 and kept[0].role == "assistant":
        kept.pop(0)
    return [system, *kept]


def _counts(message: Message) -> bool:
    if message.role is MessageRole.USER:
        return True
    return message.status in _ANSWERS_KEPT and bool(message.content)


def _as_turn(message: Message) -> ChatTurn:
    return ChatTurn("user" if message.role is MessageRole.USER else "assistant", message.content)
