"""ledger: `promises.paid_minor` and `promises.kept_on` — the settlement of a promise made here, written back
with its status (kept, broken, open) whenever a payment or a promise is recorded and by the nightly run
(policy/promises.py), so the decisions and every page read one stored answer

Revision ID: ledger_0012
Revises: ledger_0011
Create Date: 2026-12-04 17:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'ledger_0012'
down_revision: str | Sequence[str] | None = 'ledger_0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('promises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid_minor', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('kept_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('promises', schema=None) as batch_op:
        batch_op.drop_column('kept_on')
        batch_op.drop_column('paid_minor')
