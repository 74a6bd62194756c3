"""console: notes and callbacks agents write on a case (text encrypted at rest)

Revision ID: console_0001
Revises: (branch root; depends on 0001_ledger)
Create Date: 2026-12-03 18:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'console_0001'
down_revision: str | Sequence[str] | None = None  # a branch root
branch_labels: str | Sequence[str] | None = ('console',)
depends_on: str | Sequence[str] | None = '0001_ledger'


def upgrade() -> None:
    op.create_table('console_case_notes',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('loan_id', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('author_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('note', 'callback')", name=op.f('ck_console_case_notes_kind')),
    sa.CheckConstraint("kind = 'note' OR due_at IS NOT NULL", name=op.f('ck_console_case_notes_callback_has_due')),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_console_case_notes_borrower_id_borrowers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_console_case_notes_loan_id_loans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_case_notes'))
    )
    with op.batch_alter_table('console_case_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_case_notes_borrower_id'), ['borrower_id'], unique=False)
        batch_op.create_index('ix_console_case_notes_callbacks', ['kind', 'done_at', 'due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('console_case_notes', schema=None) as batch_op:
        batch_op.drop_index('ix_console_case_notes_callbacks')
        batch_op.drop_index(batch_op.f('ix_console_case_notes_borrower_id'))
    op.drop_table('console_case_notes')
