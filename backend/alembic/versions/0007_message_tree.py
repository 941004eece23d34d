"""message tree: each message has a parent, a conversation shows one branch; model and instructions per conversation

Messages with the same parent are versions of one turn: an edited question, a regenerated answer.
``conversation.current_message_id`` is the last message of the branch the conversation shows. Existing
conversations come along as single branches: each message's parent is the one written before it, and the branch
shown ends at the last one.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("message", sa.Column("parent_id", sa.Uuid(), nullable=True))
    op.create_foreign_key("message_parent_id_fkey", "message", "message", ["parent_id"], ["id"], ondelete="CASCADE")
    # For the foreign key's cascade (without it, deleting a conversation scans the table once per message).
    op.create_index(op.f("ix_message_parent_id"), "message", ["parent_id"])
    op.add_column("conversation", sa.Column("current_message_id", sa.Uuid(), nullable=True))
    op.add_column("conversation", sa.Column("model", sa.String(length=200), nullable=True))
    op.add_column("conversation", sa.Column("instructions", sa.Text(), nullable=True))
    op.execute(
        """
        UPDATE message SET parent_id = chain.previous
        FROM (
            SELECT id, lag(id) OVER (PARTITION BY conversation_id ORDER BY seq) AS previous FROM message
        ) AS chain
        WHERE message.id = chain.id AND chain.previous IS NOT NULL
        """
    )
    op.execute(
        """
        UPDATE conversation SET current_message_id = last.id
        FROM (SELECT DISTINCT ON (conversation_id) conversation_id, id FROM message ORDER BY conversation_id, seq DESC)
            AS last
        WHERE conversation.id = last.conversation_id
        """
    )


def downgrade() -> None:
    op.drop_column("conversation", "instructions")
    op.drop_column("conversation", "model")
    op.drop_column("conversation", "current_message_id")
    op.drop_index(op.f("ix_message_parent_id"), table_name="message")
    op.drop_constraint("message_parent_id_fkey", "message", type_="foreignkey")
    op.drop_column("message", "parent_id")
