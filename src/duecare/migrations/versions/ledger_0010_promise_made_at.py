"""ledger: `promises.made_at` — when the promise was made (NULL for promises learnt from the lender's file, whose
status the lender states); the payments since then settle it as kept, broken or open

Revision ID: ledger_0010
Revises: ledger_0009
Create Date: 2026-12-04 14:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'ledger_0010'
down_revision: str | Sequence[str] | None = 'ledger_0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('promises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('made_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('promises', schema=None) as batch_op:
        batch_op.drop_column('made_at')
