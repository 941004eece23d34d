"""The conversation as the model sees it when answering one assistant message.

What goes in, in order: the system prompt (the conversation's instructions, else SYSTEM_PROMPT), then the turns of
the branch that leads to the answer, newest kept first until the token budget (HISTORY_TOKEN_BUDGET) is spent; the
user's newest message is always kept. Which turns count:
- user messages, all of them;
- completed answers;
- cancelled answers, as far as they got: the user saw that text and may refer to it ("shorter, please");
- failed answers are left out: their text stopped for reasons the user did not choose, and the user
  message before them stays, so the model simply answers it again.
"""

import sqlalchemy as sa
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from app.core.config import Settings
from app.llm.deltas import ChatTurn
from app.llm.tokens import message_tokens, message_tokens_at_most
from app.models import Message, MessageRole, MessageStatus
from app.services.answers import Claim

_ANSWERS_KEPT = (MessageStatus.COMPLETED, MessageStatus.CANCELLED)
_MESSAGE_TABLE: sa.Table = Message.__table__  # type: ignore[attr-defined]


def _branch_statement() -> Select[str, str]:
    """The turns from the first one down to ``:parent_id`` (the question being answered), as the model sees them:
    the branch alone, walked up parent by parent (each step a primary-key read), never the other versions."""
    message = _MESSAGE_TABLE.c
    start = sa.select(message.id, message.parent_id, message.seq, message.role, message.status, message.content)
    branch = start.where(message.id == sa.bindparam("parent_id", type_=sa.Uuid())).cte("branch", recursive=True)
    parent = _MESSAGE_TABLE.alias("parent")
    branch = branch.union_all(
        sa.select(parent.c.id, parent.c.parent_id, parent.c.seq, parent.c.role, parent.c.status, parent.c.content).join(
            branch, parent.c.id == branch.c.parent_id
        )
    )
    return (
        select(branch.c.role, branch.c.content)
        .where(
            sa.or_(
                branch.c.role == MessageRole.USER.value,
                branch.c.status.in_([status.value for status in _ANSWERS_KEPT]) & (branch.c.content != ""),
            )
        )
        .order_by(branch.c.seq)
    )


_BRANCH = _branch_statement()


async def turns_for(session: AsyncSession, claimed: Claim, settings: Settings) -> list[ChatTurn]:
    """What the model is sent for the claimed answer: the conversation's instructions (else the server's), then the
    branch that leads to it, within the history token budget."""
    rows = await session.exec(_BRANCH, params={"parent_id": claimed.parent_id})
    turns = [ChatTurn("user" if role == MessageRole.USER else "assistant", content) for role, content in rows]
    system = ChatTurn("system", claimed.instructions or settings.system_prompt)
    return fit_to_budget(system, turns, settings.history_token_budget)


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
