"""visits: borrowers' reviewed corrections of a visit report's facts (the original kept)

Revision ID: visits_0004
Revises: visits_0003
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "visits_0004"
down_revision: str | Sequence[str] | None = "visits_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "visit_report_corrections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("visit_id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('requested', 'applied', 'rejected')",
                           name=op.f("ck_visit_report_corrections_status")),
        sa.ForeignKeyConstraint(["visit_id"], ["visit_cases.id"],
                                name=op.f("fk_visit_report_corrections_visit_id_visit_cases")),
        sa.ForeignKeyConstraint(["borrower_id"], ["borrowers.id"],
                                name=op.f("fk_visit_report_corrections_borrower_id_borrowers")),
        sa.ForeignKeyConstraint(["request_id"], ["subject_requests.id"],
                                name=op.f("fk_visit_report_corrections_request_id_subject_requests")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_report_corrections")),
        sa.UniqueConstraint("request_id", name=op.f("uq_visit_report_corrections_request_id")),
    )
    op.create_index(op.f("ix_visit_report_corrections_visit_id"), "visit_report_corrections", ["visit_id"])
    op.create_index(op.f("ix_visit_report_corrections_borrower_id"), "visit_report_corrections", ["borrower_id"])


def downgrade() -> None:
    op.drop_table("visit_report_corrections")
