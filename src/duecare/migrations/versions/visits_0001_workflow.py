"""visits: cases, events, notice documents, preferences, reports, follow-ups, messages

Revision ID: visits_0001
Revises: (branch root; depends on 0001_ledger and privacy_0001)
Create Date: 2026-11-28 13:30:46.658119
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'visits_0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('visits',)
depends_on: str | Sequence[str] | None = ('0001_ledger', 'privacy_0001')


def upgrade() -> None:
    op.create_table('visit_preferences',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('stated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.CheckConstraint('end_time > start_time', name=op.f('ck_visit_preferences_hours_ordered')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_visit_preferences_weekday_range')),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_visit_preferences_borrower_id_borrowers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_preferences'))
    )
    with op.batch_alter_table('visit_preferences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_preferences_borrower_id'), ['borrower_id'], unique=False)

    op.create_table('visit_cases',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('loan_id', sa.String(length=64), nullable=False),
    sa.Column('state', sa.Enum('proposed', 'notice_sent', 'consented', 'declined', 'expired', 'approved', 'rejected', 'scheduled', 'reported', 'reviewed', 'cancelled', name='state', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('pack', sa.String(length=8), nullable=False),
    sa.Column('policy_version', sa.String(length=128), nullable=False),
    sa.Column('proposed_by', sa.String(length=128), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('notice_id', sa.String(length=64), nullable=True),
    sa.Column('approval_id', sa.String(length=64), nullable=True),
    sa.Column('ledger_visit_id', sa.String(length=64), nullable=True),
    sa.Column('agent_a', sa.String(length=64), nullable=True),
    sa.Column('agent_b', sa.String(length=64), nullable=True),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('window_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('planned_arrival', sa.DateTime(timezone=True), nullable=True),
    sa.Column('route_order', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Enum('met_borrower', 'not_home', 'moved', 'refused', 'third_party_only', name='outcome', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('close_reason', sa.String(length=500), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('agent_a IS NULL OR agent_a <> agent_b', name=op.f('ck_visit_cases_two_distinct_agents')),
    sa.CheckConstraint('window_end IS NULL OR window_end > window_start', name=op.f('ck_visit_cases_window_ordered')),
    sa.ForeignKeyConstraint(['agent_a'], ['staff_users.id'], name=op.f('fk_visit_cases_agent_a_staff_users')),
    sa.ForeignKeyConstraint(['agent_b'], ['staff_users.id'], name=op.f('fk_visit_cases_agent_b_staff_users')),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_visit_cases_approval_id_approvals')),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_visit_cases_borrower_id_borrowers')),
    sa.ForeignKeyConstraint(['ledger_visit_id'], ['visits.id'], name=op.f('fk_visit_cases_ledger_visit_id_visits')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_visit_cases_loan_id_loans')),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_visit_cases_notice_id_notices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_cases'))
    )
    with op.batch_alter_table('visit_cases', schema=None) as batch_op:
        batch_op.create_index('ix_visit_cases_borrower_state', ['borrower_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_cases_loan_id'), ['loan_id'], unique=False)

    op.create_table('visit_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('visit_id', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=True),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('rule_id', sa.String(length=128), nullable=True),
    sa.Column('legal_basis', sa.String(length=500), nullable=True),
    sa.Column('gate', sa.Text(), nullable=True),
    sa.Column('gate_digest', sa.String(length=64), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['visit_id'], ['visit_cases.id'], name=op.f('fk_visit_events_visit_id_visit_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_events'))
    )
    with op.batch_alter_table('visit_events', schema=None) as batch_op:
        batch_op.create_index('ix_visit_events_visit_seq', ['visit_id', 'id'], unique=False)

    op.create_table('visit_follow_ups',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('visit_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=True),
    sa.Column('details', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('promise', 'plan_proposal', 'hardship_hold', 'referral')", name=op.f('ck_visit_follow_ups_kind')),
    sa.ForeignKeyConstraint(['visit_id'], ['visit_cases.id'], name=op.f('fk_visit_follow_ups_visit_id_visit_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_follow_ups'))
    )
    with op.batch_alter_table('visit_follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_follow_ups_visit_id'), ['visit_id'], unique=False)

    op.create_table('visit_messages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('visit_id', sa.String(length=64), nullable=False),
    sa.Column('recipient_kind', sa.String(length=16), nullable=False),
    sa.Column('recipient_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("recipient_kind IN ('borrower', 'staff')", name=op.f('ck_visit_messages_recipient_kind')),
    sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name=op.f('ck_visit_messages_status')),
    sa.ForeignKeyConstraint(['visit_id'], ['visit_cases.id'], name=op.f('fk_visit_messages_visit_id_visit_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_messages')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_visit_messages_idempotency_key'))
    )
    with op.batch_alter_table('visit_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_messages_visit_id'), ['visit_id'], unique=False)

    op.create_table('visit_notice_documents',
    sa.Column('notice_id', sa.String(length=64), nullable=False),
    sa.Column('visit_id', sa.String(length=64), nullable=False),
    sa.Column('template_version', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('version_hash', sa.String(length=64), nullable=False),
    sa.Column('canonical_text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_visit_notice_documents_notice_id_notices')),
    sa.ForeignKeyConstraint(['visit_id'], ['visit_cases.id'], name=op.f('fk_visit_notice_documents_visit_id_visit_cases')),
    sa.PrimaryKeyConstraint('notice_id', name=op.f('pk_visit_notice_documents'))
    )
    with op.batch_alter_table('visit_notice_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_notice_documents_visit_id'), ['visit_id'], unique=False)

    op.create_table('visit_reports',
    sa.Column('visit_id', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.Enum('met_borrower', 'not_home', 'moved', 'refused', 'third_party_only', name='outcome', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('fields', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('recording_ref', sa.String(length=256), nullable=True),
    sa.Column('filed_by', sa.String(length=64), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('scope_version', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['filed_by'], ['staff_users.id'], name=op.f('fk_visit_reports_filed_by_staff_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visit_cases.id'], name=op.f('fk_visit_reports_visit_id_visit_cases')),
    sa.PrimaryKeyConstraint('visit_id', name=op.f('pk_visit_reports'))
    )


def downgrade() -> None:
    op.drop_table('visit_reports')
    op.drop_table('visit_notice_documents')
    op.drop_table('visit_messages')
    op.drop_table('visit_follow_ups')
    op.drop_table('visit_events')
    op.drop_table('visit_cases')
    op.drop_table('visit_preferences')
