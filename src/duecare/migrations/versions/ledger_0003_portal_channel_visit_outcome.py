"""ledger: contact channel `portal` (the signed-in borrower is a right-party contact) and `visits.outcome`
(a refused visit is the borrower's "do not come back")

Revision ID: ledger_0003
Revises: ledger_0002
Create Date: 2026-12-03 18:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'ledger_0003'
down_revision: str | Sequence[str] | None = 'ledger_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('contact_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_contact_events_channel'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_contact_events_channel'),
                                         "channel IN ('call', 'sms', 'email', 'letter', 'visit', 'portal')")
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=20), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM contact_events WHERE channel = 'portal'")
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_column('outcome')
    with op.batch_alter_table('contact_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_contact_events_channel'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_contact_events_channel'),
                                         "channel IN ('call', 'sms', 'email', 'letter', 'visit')")
