"""contacts: the text of every delivered letter, beside its notice record

Revision ID: contacts_0004
Revises: contacts_0003
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "contacts_0004"
down_revision: str | Sequence[str] | None = "contacts_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "letter_texts",
        sa.Column("notice_id", sa.String(length=64), nullable=False),
        sa.Column("task_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"], name=op.f("fk_letter_texts_notice_id_notices"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["task_id"], ["contact_tasks.id"], name=op.f("fk_letter_texts_task_id_contact_tasks")),
        sa.PrimaryKeyConstraint("notice_id", name=op.f("pk_letter_texts")),
    )


def downgrade() -> None:
    op.drop_table("letter_texts")
