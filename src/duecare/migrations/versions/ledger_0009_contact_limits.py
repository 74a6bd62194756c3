"""ledger: `contact_limits` — known limits on reaching a borrower on one channel: the channel reaches them at work
and work contact is barred (by the employer or the borrower), or a third party reached on it objected

Revision ID: ledger_0009
Revises: ledger_0008
Create Date: 2026-12-04 14:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'ledger_0009'
down_revision: str | Sequence[str] | None = 'ledger_0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('contact_limits',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.Enum('workplace', 'third_party_objected', name='kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('by', sa.Enum('employer', 'borrower', 'third_party', name='by', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('channel', sa.Enum('call', 'sms', 'email', name='channel', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ingest_digest', sa.String(length=64), nullable=True),
    sa.CheckConstraint('lifted_at IS NULL OR lifted_at >= at', name=op.f('ck_contact_limits_lifted_after_set')),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_contact_limits_borrower_id_borrowers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_limits'))
    )
    with op.batch_alter_table('contact_limits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_limits_borrower_id'), ['borrower_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('contact_limits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_limits_borrower_id'))

    op.drop_table('contact_limits')
