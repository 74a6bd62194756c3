"""ledger: `borrower_changes` — the log of borrowers whose decision facts were written, and when, so that a page
keeping decisions between requests (the work queue) re-decides exactly those borrowers

Revision ID: ledger_0014
Revises: ledger_0013
Create Date: 2026-12-05 21:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'ledger_0014'
down_revision: str | Sequence[str] | None = 'ledger_0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('borrower_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_borrower_changes'))
    )
    with op.batch_alter_table('borrower_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_borrower_changes_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('borrower_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_borrower_changes_at'))

    op.drop_table('borrower_changes')
