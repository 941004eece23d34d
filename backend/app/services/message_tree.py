"""Messages form a tree: each has a parent, and messages with the same parent are versions of one turn (an edited
question, a regenerated answer). A conversation shows one branch, from a first turn down to its
``current_message_id``; sending, regenerating and selecting a version move that end, so every device shows the same.

Reading a conversation costs three small queries whatever its size: the conversation, its tree's skeleton (ids and
parents only, in the order they were written), then the full rows of the branch alone.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    Conversation,
    ConversationExport,
    ConversationPublic,
    ConversationWithMessages,
    Message,
    MessagePublic,
    utcnow,
)
from app.services import conversations
from app.services.errors import NO_SUCH_MESSAGE, NotFoundError

ExportScope = Literal["branch", "tree"]

_MESSAGE_TABLE: sa.Table = Message.__table__  # type: ignore[attr-defined]
_PUBLIC_COLUMNS = [_MESSAGE_TABLE.c[name] for name in MessagePublic.model_fields if name != "sibling_ids"]


@dataclass(frozen=True)
class Tree:
    """A conversation's messages as ids: each one's parent, and each parent's children oldest first."""

    parents: dict[uuid.UUID, uuid.UUID | None]
    children: dict[uuid.UUID | None, list[uuid.UUID]]
    # Every id, in the order the messages were written.
    order: list[uuid.UUID]

    @classmethod
    def of(cls, rows: Sequence[tuple[uuid.UUID, uuid.UUID | None]]) -> "Tree":
        """From (id, parent_id) rows in the order the messages were written."""
        children: dict[uuid.UUID | None, list[uuid.UUID]] = defaultdict(list)
        for message_id, parent_id in rows:
            children[parent_id].append(message_id)
        return cls(dict(rows), children, [message_id for message_id, _ in rows])

    def branch(self, end: uuid.UUID | None) -> list[uuid.UUID]:
        """The ids from a first turn down to ``end``; with no ``end`` known (or not in the tree), down to the newest
        message."""
        if end not in self.parents:
            end = self.order[-1] if self.order else None
        ids: list[uuid.UUID] = []
        while end is not None:
            ids.append(end)
            end = self.parents[end]
        ids.reverse()
        return ids

    def siblings(self, message_id: uuid.UUID) -> list[uuid.UUID]:
        return self.children[self.parents[message_id]]

    def newest_under(self, message_id: uuid.UUID) -> uuid.UUID:
        """The newest message at or below ``message_id``: where its subtree was last written to, and a leaf (a
        message is always written after its parent)."""
        newest, position = message_id, {m: i for i, m in enumerate(self.order)}
        pending = [message_id]
        while pending:
            below = self.children.get(pending.pop(), [])
            pending.extend(below)
            newest = max([newest, *below], key=position.__getitem__)
        return newest


async def _tree(session: AsyncSession, conversation_id: uuid.UUID) -> Tree:
    rows = await session.exec(
        select(col(Message.id), col(Message.parent_id))
        .where(col(Message.conversation_id) == conversation_id)
        .order_by(col(Message.seq))
    )
    return Tree.of(rows.all())


async def _public(session: AsyncSession, tree: Tree, ids: list[uuid.UUID]) -> list[MessagePublic]:
    """The messages with these ids, in this order, with their versions."""
    if not ids:
        return []
    # Core rows of the public columns, not ORM entities: a long conversation's read is mostly this loop.
    found = await session.execute(sa.select(*_PUBLIC_COLUMNS).where(_MESSAGE_TABLE.c.id.in_(ids)))
    rows = {row["id"]: row for row in found.mappings()}
    return [MessagePublic.model_validate({**rows[m], "sibling_ids": tree.siblings(m)}) for m in ids]


async def conversation_view(
    session: AsyncSession, user_id: uuid.UUID, conversation_id: uuid.UUID
) -> ConversationWithMessages:
    """The caller's conversation with its current branch, each message with its versions."""
    conversation = await conversations.get(session, user_id, conversation_id)
    tree = await _tree(session, conversation_id)
    messages = await _public(session, tree, tree.branch(conversation.current_message_id))
    return ConversationWithMessages.model_validate({**_fields(conversation), "messages": messages})


async def select_branch(
    session: AsyncSession, user_id: uuid.UUID, conversation_id: uuid.UUID, message_id: uuid.UUID
) -> ConversationWithMessages:
    """Show the branch through ``message_id``, down to the newest message below it, and return the conversation."""
    conversation = await conversations.get(session, user_id, conversation_id)
    tree = await _tree(session, conversation_id)
    if message_id not in tree.parents:
        raise NotFoundError(NO_SUCH_MESSAGE)
    end = tree.newest_under(message_id)
    await session.exec(
        sa.update(Conversation)
        .where(col(Conversation.id) == conversation_id)
        .values(current_message_id=end)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    messages = await _public(session, tree, tree.branch(end))
    return ConversationWithMessages.model_validate({**_fields(conversation), "messages": messages})


async def export(
    session: AsyncSession, user_id: uuid.UUID, conversation_id: uuid.UUID, scope: ExportScope
) -> ConversationExport:
    conversation = await conversations.get(session, user_id, conversation_id)
    tree = await _tree(session, conversation_id)
    ids = tree.branch(conversation.current_message_id) if scope == "branch" else tree.order
    messages = await _public(session, tree, ids)
    return ConversationExport.model_validate(
        {**_fields(conversation), "scope": scope, "exported_at": utcnow(), "messages": messages}
    )


def _fields(conversation: Conversation) -> dict[str, Any]:
    return ConversationPublic.model_validate(conversation).model_dump()
