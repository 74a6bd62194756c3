"""privacy: rate-limiter hits in the database, shared by every web worker (`duecare serve --workers N`)

Revision ID: privacy_0003
Revises: privacy_0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "privacy_0003"
down_revision: str | Sequence[str] | None = "privacy_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_hits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_hits")),
    )
    op.create_index(op.f("ix_rate_limit_hits_key_hash"), "rate_limit_hits", ["key_hash"])
    op.create_index(op.f("ix_rate_limit_hits_at"), "rate_limit_hits", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_rate_limit_hits_at"), table_name="rate_limit_hits")
    op.drop_index(op.f("ix_rate_limit_hits_key_hash"), table_name="rate_limit_hits")
    op.drop_table("rate_limit_hits")
