"""the lease epoch of each answer, so PostgreSQL refuses writes from a worker that lost the answer

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 21:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing answers get 0: any lease taken from now on has a larger epoch (µs of Redis' clock).
    op.add_column("message", sa.Column("lease_epoch", sa.BigInteger(), server_default="0", nullable=False))


def downgrade() -> None:
    op.drop_column("message", "lease_epoch")
