"""contacts: decisions, outbox tasks, suppressions, inbound, call queue

Revision ID: contacts_0001
Revises: (branch root; depends on 0001_ledger)
Create Date: 2026-11-28 13:34:04.327076
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'contacts_0001'
down_revision: str | Sequence[str] | None = None  # a branch root
branch_labels: str | Sequence[str] | None = ('contacts',)
depends_on: str | Sequence[str] | None = '0001_ledger'


def upgrade() -> None:
    op.create_table('decisions',
    sa.Column('run_id', sa.String(length=64), nullable=False),
    sa.Column('loan_id', sa.String(length=64), nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('pack', sa.String(length=8), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=False),
    sa.Column('policy_version', sa.String(length=128), nullable=False),
    sa.Column('variant', sa.String(length=16), nullable=True),
    sa.Column('ladder_line', sa.String(length=64), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('blocked_rules', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('run_id', 'loan_id', name=op.f('pk_decisions'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_borrower_id'), ['borrower_id'], unique=False)

    op.create_table('contact_suppressions',
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('address_hash', sa.String(length=64), nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.Enum('opt_out', 'wrong_party', 'invalid', name='reason', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_contact_suppressions_borrower_id_borrowers')),
    sa.PrimaryKeyConstraint('channel', 'address_hash', name=op.f('pk_contact_suppressions'))
    )
    with op.batch_alter_table('contact_suppressions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_suppressions_borrower_id'), ['borrower_id'], unique=False)

    op.create_table('contact_tasks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('run_id', sa.String(length=64), nullable=False),
    sa.Column('loan_id', sa.String(length=64), nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('local_day', sa.Date(), nullable=False),
    sa.Column('policy_version', sa.String(length=128), nullable=False),
    sa.Column('pack', sa.String(length=8), nullable=True),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('pending', 'claimed', 'sending', 'sent', 'skipped', 'dead', name='status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lease_owner', sa.String(length=64), nullable=True),
    sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempt_id', sa.String(length=64), nullable=True),
    sa.Column('provider_ref', sa.String(length=128), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_contact_tasks_attempts_not_negative')),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_contact_tasks_borrower_id_borrowers')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_contact_tasks_loan_id_loans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_tasks')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_contact_tasks_idempotency_key')),
    sa.UniqueConstraint('loan_id', 'action', 'local_day', 'policy_version', name='uq_contact_tasks_idempotency')
    )
    with op.batch_alter_table('contact_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_tasks_borrower_id'), ['borrower_id'], unique=False)
        batch_op.create_index('ix_contact_tasks_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_tasks_loan_id'), ['loan_id'], unique=False)

    op.create_table('call_queue',
    sa.Column('task_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('loan_id', sa.String(length=64), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_call_queue_borrower_id_borrowers')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_call_queue_loan_id_loans')),
    sa.ForeignKeyConstraint(['task_id'], ['contact_tasks.id'], name=op.f('fk_call_queue_task_id_contact_tasks')),
    sa.PrimaryKeyConstraint('task_id', name=op.f('pk_call_queue'))
    )
    with op.batch_alter_table('call_queue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_queue_borrower_id'), ['borrower_id'], unique=False)

    op.create_table('contact_inbound',
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('event_id', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('task_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('borrower_id', sa.String(length=64), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_contact_inbound_borrower_id_borrowers')),
    sa.ForeignKeyConstraint(['task_id'], ['contact_tasks.id'], name=op.f('fk_contact_inbound_task_id_contact_tasks')),
    sa.PrimaryKeyConstraint('provider', 'event_id', name=op.f('pk_contact_inbound'))
    )


def downgrade() -> None:
    op.drop_table('contact_inbound')
    with op.batch_alter_table('call_queue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_queue_borrower_id'))

    op.drop_table('call_queue')
    with op.batch_alter_table('contact_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_tasks_loan_id'))
        batch_op.drop_index('ix_contact_tasks_due')
        batch_op.drop_index(batch_op.f('ix_contact_tasks_borrower_id'))

    op.drop_table('contact_tasks')
    with op.batch_alter_table('contact_suppressions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_suppressions_borrower_id'))

    op.drop_table('contact_suppressions')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_borrower_id'))

    op.drop_table('decisions')
