"""search: generated tsvector columns on conversation titles and message text, with GIN indexes

``conversation.search_vector`` is the title, at weight A; ``message.search_vector`` the first 100,000 characters of
a message's text, NULL while an answer is still pending or streaming; each "<" is read as followed by a space, so
that ``<div>`` is a word rather than an HTML tag. PostgreSQL computes both (STORED generated columns), so no write
path has to remember them.

Adding a stored generated column rewrites the table under an exclusive lock, computing every row's vector, and the
indexes are built without CONCURRENTLY (migrations run in a transaction): on a large deployment, run this upgrade
in a quiet window.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VECTORS = {
    "conversation": "setweight(to_tsvector('english', replace(left(coalesce(title, ''), 100000), '<', '< ')), 'A')",
    "message": "CASE WHEN status IN ('completed', 'failed', 'cancelled') "
    "THEN to_tsvector('english', replace(left(content, 100000), '<', '< ')) END",
}


def upgrade() -> None:
    for table, expression in _VECTORS.items():
        op.add_column(table, sa.Column("search_vector", TSVECTOR(), sa.Computed(expression, persisted=True)))
        op.create_index(f"ix_{table}_search_vector", table, ["search_vector"], postgresql_using="gin")


def downgrade() -> None:
    for table in _VECTORS:
        op.drop_index(f"ix_{table}_search_vector", table_name=table)
        op.drop_column(table, "search_vector")
