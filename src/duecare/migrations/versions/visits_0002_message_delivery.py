"""visits: message delivery through the outbox (status `queued`, the contact task that delivers each message)

Revision ID: visits_0002
Revises: visits_0001
Create Date: 2026-11-29 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'visits_0002'
down_revision: str | Sequence[str] | None = 'visits_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('visit_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_visit_messages_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_visit_messages_status'),
                                         "status IN ('pending', 'queued', 'sent', 'failed')")
        batch_op.add_column(sa.Column('task_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                                      nullable=True))
        batch_op.add_column(sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_visit_messages_task_id'), ['task_id'], unique=False)


def downgrade() -> None:
    op.execute("UPDATE visit_messages SET status = 'pending' WHERE status = 'queued'")
    with op.batch_alter_table('visit_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_messages_task_id'))
        batch_op.drop_column('delivered_at')
        batch_op.drop_column('task_id')
        batch_op.drop_constraint(batch_op.f('ck_visit_messages_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_visit_messages_status'),
                                         "status IN ('pending', 'sent', 'failed')")
