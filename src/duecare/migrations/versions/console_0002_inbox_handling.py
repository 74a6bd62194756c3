"""console: handling of specialist referrals and hardship reviews in the staff inbox (assignee, closing)

Revision ID: console_0002
Revises: console_0001
Create Date: 2026-12-03 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'console_0002'
down_revision: str | Sequence[str] | None = 'console_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'console_inbox_handling',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('item_id', sa.String(length=64), nullable=False),
        sa.Column('borrower_id', sa.String(length=64), nullable=False),
        sa.Column('assigned_to', sa.String(length=64), nullable=True),
        sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('closed_by', sa.String(length=64), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('outcome', sa.String(length=32), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('referral', 'hardship')", name=op.f('ck_console_inbox_handling_kind')),
        sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'],
                                name=op.f('fk_console_inbox_handling_borrower_id_borrowers'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_console_inbox_handling')),
        sa.UniqueConstraint('kind', 'item_id', name=op.f('uq_console_inbox_handling_kind')),
    )
    with op.batch_alter_table('console_inbox_handling', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_inbox_handling_borrower_id'), ['borrower_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('console_inbox_handling', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_inbox_handling_borrower_id'))
    op.drop_table('console_inbox_handling')
