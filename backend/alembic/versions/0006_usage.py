"""usage: model tokens per user and UTC day, and per answer

``usage_day`` belongs to the user, not to a conversation, so deleting a conversation does not take back what its
answers cost. Each answer also keeps its own numbers (``message.input_tokens``, ``output_tokens``, and
``usage_estimated`` when they were counted here rather than reported by the model); answers from before this
revision have none.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "usage_day",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("input_tokens", sa.BigInteger(), nullable=False),
        sa.Column("output_tokens", sa.BigInteger(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "day"),
    )
    op.add_column("message", sa.Column("input_tokens", sa.Integer(), nullable=True))
    op.add_column("message", sa.Column("output_tokens", sa.Integer(), nullable=True))
    op.add_column("message", sa.Column("usage_estimated", sa.Boolean(), nullable=True))


def downgrade() -> None:
    op.drop_column("message", "usage_estimated")
    op.drop_column("message", "output_tokens")
    op.drop_column("message", "input_tokens")
    op.drop_table("usage_day")
