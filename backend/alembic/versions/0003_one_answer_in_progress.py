"""one answer in progress per conversation

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 10:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_message_one_answer_in_progress",
        "message",
        ["conversation_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('pending', 'streaming')"),
    )


def downgrade() -> None:
    op.drop_index("ix_message_one_answer_in_progress", table_name="message")
