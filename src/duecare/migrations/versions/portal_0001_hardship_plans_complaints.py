"""portal: hardship answers, plan proposals, complaints

Revision ID: portal_0001
Revises: (branch root; depends on 0001_ledger)
Create Date: 2026-11-28 13:30:14.936327
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'portal_0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('portal',)
depends_on: str | Sequence[str] | None = '0001_ledger'


def upgrade() -> None:
    op.create_table('portal_complaints',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('received', 'in_progress', 'closed')", name=op.f('ck_portal_complaints_status')),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_portal_complaints_borrower_id_borrowers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_complaints'))
    )
    with op.batch_alter_table('portal_complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_complaints_borrower_id'), ['borrower_id'], unique=False)

    op.create_table('portal_hardship_answers',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=64), nullable=False),
    sa.Column('answers', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_portal_hardship_answers_borrower_id_borrowers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_hardship_answers'))
    )
    with op.batch_alter_table('portal_hardship_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_hardship_answers_borrower_id'), ['borrower_id'], unique=False)

    op.create_table('portal_plan_proposals',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('loan_id', sa.String(length=64), nullable=False),
    sa.Column('proposed', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('counter', sa.Text(), nullable=True),
    sa.Column('rules_version', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("outcome IN ('accepted', 'counter_offer', 'referred')", name=op.f('ck_portal_plan_proposals_outcome')),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_portal_plan_proposals_borrower_id_borrowers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_portal_plan_proposals_loan_id_loans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_plan_proposals'))
    )
    with op.batch_alter_table('portal_plan_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_plan_proposals_borrower_id'), ['borrower_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('portal_plan_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_plan_proposals_borrower_id'))

    op.drop_table('portal_plan_proposals')
    with op.batch_alter_table('portal_hardship_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_hardship_answers_borrower_id'))

    op.drop_table('portal_hardship_answers')
    with op.batch_alter_table('portal_complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_complaints_borrower_id'))

    op.drop_table('portal_complaints')
