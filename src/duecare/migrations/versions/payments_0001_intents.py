"""payments: payment intents (a portal payment handed to the provider, applied once when it confirms)

Revision ID: payments_0001
Revises:
Create Date: 2026-12-03 21:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'payments_0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('payments',)
depends_on: str | Sequence[str] | None = '0001_ledger'


def upgrade() -> None:
    op.create_table(
        'payment_intents',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('borrower_id', sa.String(length=64), nullable=False),
        sa.Column('loan_id', sa.String(length=64), nullable=False),
        sa.Column('amount_minor', sa.BigInteger(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('provider', sa.String(length=32), nullable=False),
        sa.Column('checkout_id', sa.String(length=64), nullable=True),
        sa.Column('provider_event_id', sa.String(length=64), nullable=True),
        sa.Column('payment_id', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('amount_minor > 0', name=op.f('ck_payment_intents_amount_positive')),
        sa.CheckConstraint("state IN ('created', 'pending', 'paid', 'failed', 'cancelled')",
                           name=op.f('ck_payment_intents_state')),
        sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'],
                                name=op.f('fk_payment_intents_borrower_id_borrowers'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_payment_intents_loan_id_loans')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_intents')),
        sa.UniqueConstraint('provider_event_id', name=op.f('uq_payment_intents_provider_event_id')),
    )
    with op.batch_alter_table('payment_intents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_intents_borrower_id'), ['borrower_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('payment_intents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_intents_borrower_id'))
    op.drop_table('payment_intents')
