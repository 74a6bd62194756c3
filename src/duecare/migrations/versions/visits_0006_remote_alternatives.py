"""visits: remote alternatives to a visit — uploaded documents (encrypted), video/phone appointments and the
remote report (the scoped visit report with a `source`)

Revision ID: visits_0006
Revises: visits_0005
Create Date: 2026-12-03 21:24:02.019146
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'visits_0006'
down_revision: str | Sequence[str] | None = 'visits_0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = 'ledger_0006'  # the alternatives table


def upgrade() -> None:
    op.create_table('remote_appointments',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('alternative_id', sa.String(length=64), nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('loan_id', sa.String(length=64), nullable=True),
    sa.Column('mode', sa.String(length=8), nullable=False),
    sa.Column('state', sa.Enum('booked', 'done', 'cancelled', name='state', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('slot_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('slot_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('agent_id', sa.String(length=64), nullable=True),
    sa.Column('booked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('call_consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('connected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("mode IN ('video', 'phone')", name=op.f('ck_remote_appointments_mode')),
    sa.ForeignKeyConstraint(['agent_id'], ['staff_users.id'], name=op.f('fk_remote_appointments_agent_id_staff_users')),
    sa.ForeignKeyConstraint(['alternative_id'], ['alternatives.id'], name=op.f('fk_remote_appointments_alternative_id_alternatives')),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_remote_appointments_borrower_id_borrowers')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_remote_appointments_loan_id_loans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remote_appointments'))
    )
    with op.batch_alter_table('remote_appointments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remote_appointments_alternative_id'), ['alternative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_remote_appointments_borrower_id'), ['borrower_id'], unique=False)

    op.create_table('remote_documents',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('alternative_id', sa.String(length=64), nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delete_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("content_type IN ('application/pdf', 'image/jpeg', 'image/png')", name=op.f('ck_remote_documents_content_type')),
    sa.CheckConstraint("kind IN ('income', 'hardship', 'other')", name=op.f('ck_remote_documents_kind')),
    sa.ForeignKeyConstraint(['alternative_id'], ['alternatives.id'], name=op.f('fk_remote_documents_alternative_id_alternatives')),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_remote_documents_borrower_id_borrowers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remote_documents'))
    )
    with op.batch_alter_table('remote_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remote_documents_alternative_id'), ['alternative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_remote_documents_borrower_id'), ['borrower_id'], unique=False)

    op.create_table('remote_reports',
    sa.Column('alternative_id', sa.String(length=64), nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.Enum('met_borrower', 'not_home', 'moved', 'refused', 'third_party_only', name='outcome', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('fields', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('filed_by', sa.String(length=64), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('scope_version', sa.String(length=64), nullable=False),
    sa.CheckConstraint("source IN ('video', 'phone', 'documents', 'questionnaire', 'plan')", name=op.f('ck_remote_reports_source')),
    sa.ForeignKeyConstraint(['alternative_id'], ['alternatives.id'], name=op.f('fk_remote_reports_alternative_id_alternatives')),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_remote_reports_borrower_id_borrowers')),
    sa.ForeignKeyConstraint(['filed_by'], ['staff_users.id'], name=op.f('fk_remote_reports_filed_by_staff_users')),
    sa.PrimaryKeyConstraint('alternative_id', name=op.f('pk_remote_reports'))
    )
    with op.batch_alter_table('remote_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remote_reports_borrower_id'), ['borrower_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('remote_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_remote_reports_borrower_id'))
    op.drop_table('remote_reports')
    with op.batch_alter_table('remote_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_remote_documents_borrower_id'))
        batch_op.drop_index(batch_op.f('ix_remote_documents_alternative_id'))

    op.drop_table('remote_documents')
    with op.batch_alter_table('remote_appointments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_remote_appointments_borrower_id'))
        batch_op.drop_index(batch_op.f('ix_remote_appointments_alternative_id'))

    op.drop_table('remote_appointments')
