"""ledger: `alternatives` — remote alternatives to a home visit the borrower chose (questionnaire, documents,
video call, phone appointment, repayment plan); they pause the visit or, verified, close its need

Revision ID: ledger_0006
Revises: ledger_0005
Create Date: 2026-12-03 21:02:02.195306
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'ledger_0006'
down_revision: str | Sequence[str] | None = 'ledger_0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('alternatives',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('loan_id', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.Enum('questionnaire', 'documents', 'video', 'phone_appointment', 'plan', name='kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('state', sa.Enum('chosen', 'completed', 'verified', 'cancelled', name='state', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('chosen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('evidence_ref', sa.String(length=200), nullable=True),
    sa.Column('notice_id', sa.String(length=64), nullable=True),
    sa.Column('ingest_digest', sa.String(length=64), nullable=True),
    sa.CheckConstraint('completed_at IS NULL OR completed_at >= chosen_at', name=op.f('ck_alternatives_completed_after_chosen')),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_alternatives_borrower_id_borrowers')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_alternatives_loan_id_loans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alternatives'))
    )
    with op.batch_alter_table('alternatives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alternatives_borrower_id'), ['borrower_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('alternatives', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alternatives_borrower_id'))

    op.drop_table('alternatives')
