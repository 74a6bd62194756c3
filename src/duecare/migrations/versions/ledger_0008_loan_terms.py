"""ledger: loan contract terms on `loans` — interest rate, APR, fees, late fee, penalty rate, grace days
(all nullable: NULL = not on file; existing loans stay valid)

Revision ID: ledger_0008
Revises: ledger_0007
Create Date: 2026-12-04 08:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'ledger_0008'
down_revision: str | Sequence[str] | None = 'ledger_0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (('interest_rate_bp', sa.Integer()), ('apr_bp', sa.Integer()), ('fees_minor', sa.BigInteger()),
            ('late_fee_minor', sa.BigInteger()), ('penalty_rate_bp', sa.Integer()), ('grace_days', sa.Integer()))


def upgrade() -> None:
    with op.batch_alter_table('loans', schema=None) as batch_op:
        for name, kind in _COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_loans_terms_not_negative'),
            "interest_rate_bp >= 0 AND apr_bp >= 0 AND penalty_rate_bp >= 0 AND fees_minor >= 0 "
            "AND late_fee_minor >= 0 AND grace_days >= 0")


def downgrade() -> None:
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_loans_terms_not_negative'), type_='check')
        for name, _kind in reversed(_COLUMNS):
            batch_op.drop_column(name)
