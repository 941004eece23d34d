"""accounts: users, their sessions, and an owner for every conversation

Conversations from before accounts are adopted by one user, made here only if there are any: its email is
ADOPTED_OWNER_EMAIL from the environment (default owner@adopted.invalid) and it has no password, so nobody can
sign in as it until an operator gives it one with `python -m app.auth.set_password EMAIL` (DEPLOYMENT.md).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 23:30:00.000000
"""

import os
import uuid
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_ADOPTED_OWNER_EMAIL = "owner@adopted.invalid"


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "auth_session",
        sa.Column("token_hash", sa.LargeBinary(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_auth_session_user_id", "auth_session", ["user_id"])

    op.add_column("conversation", sa.Column("user_id", sa.Uuid(), nullable=True))
    connection = op.get_bind()
    if connection.execute(sa.text("SELECT EXISTS (SELECT 1 FROM conversation)")).scalar():
        owner = uuid.uuid4()
        email = os.environ.get("ADOPTED_OWNER_EMAIL", DEFAULT_ADOPTED_OWNER_EMAIL).strip().lower()
        connection.execute(
            sa.text("INSERT INTO app_user (id, email, created_at) VALUES (:id, :email, now())"),
            {"id": owner, "email": email},
        )
        connection.execute(sa.text("UPDATE conversation SET user_id = :id"), {"id": owner})
    op.alter_column("conversation", "user_id", nullable=False)
    op.create_foreign_key(
        "conversation_user_id_fkey", "conversation", "app_user", ["user_id"], ["id"], ondelete="CASCADE"
    )
    op.drop_index("ix_conversation_updated_at", table_name="conversation")
    op.create_index("ix_conversation_user_recent", "conversation", ["user_id", sa.text("updated_at DESC"), "id"])


def downgrade() -> None:
    op.drop_index("ix_conversation_user_recent", table_name="conversation")
    op.create_index("ix_conversation_updated_at", "conversation", ["updated_at"])
    op.drop_constraint("conversation_user_id_fkey", "conversation", type_="foreignkey")
    op.drop_column("conversation", "user_id")
    op.drop_table("auth_session")
    op.drop_table("app_user")
