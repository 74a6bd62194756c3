"""portal: complaint handling (reply deadline, assignee, the reply and when it was sent)

Revision ID: portal_0002
Revises: portal_0001
Create Date: 2026-12-03 18:35:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'portal_0002'
down_revision: str | Sequence[str] | None = 'portal_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('portal_complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_due', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('assigned_to', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('reply', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('portal_complaints', schema=None) as batch_op:
        batch_op.drop_column('replied_at')
        batch_op.drop_column('reply')
        batch_op.drop_column('assigned_to')
        batch_op.drop_column('reply_due')
