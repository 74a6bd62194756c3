"""ledger: `contact_events.answers_notice_id` — the visit notice a contact answers (a reply parsed into a
consent record is an answer about the visit, not a right-party contact)

Revision ID: ledger_0004
Revises: ledger_0003
Create Date: 2026-12-03 19:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'ledger_0004'
down_revision: str | Sequence[str] | None = 'ledger_0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('contact_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answers_notice_id', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('contact_events', schema=None) as batch_op:
        batch_op.drop_column('answers_notice_id')
