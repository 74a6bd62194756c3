"""contacts: the borrower's stated contact preferences (preferred hours, refused channels)

Revision ID: contacts_0003
Revises: contacts_0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "contacts_0003"
down_revision: str | Sequence[str] | None = "contacts_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_preferences",
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("hours", sa.Text(), nullable=False),
        sa.Column("channels_refused", sa.Text(), nullable=False),
        sa.Column("stated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["borrower_id"], ["borrowers.id"],
                                name=op.f("fk_contact_preferences_borrower_id_borrowers"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("borrower_id", name=op.f("pk_contact_preferences")),
    )


def downgrade() -> None:
    op.drop_table("contact_preferences")
