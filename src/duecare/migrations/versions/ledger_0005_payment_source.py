"""ledger: `payments.source` — where a payment was learnt (`ledger` file or the `portal` provider callback)

Revision ID: ledger_0005
Revises: ledger_0004
Create Date: 2026-12-03 21:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'ledger_0005'
down_revision: str | Sequence[str] | None = 'ledger_0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=16), server_default='ledger', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_column('source')
