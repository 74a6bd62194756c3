"""visits: the gate as a standing condition — states in_progress and on_hold, check-in/check-out evidence,
consent forms verified by a second person, the do-not-return follow-up

Revision ID: visits_0003
Revises: visits_0002
Create Date: 2026-12-03 18:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'visits_0003'
down_revision: str | Sequence[str] | None = 'visits_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES = ("'proposed', 'notice_sent', 'consented', 'declined', 'expired', 'approved', 'rejected', 'scheduled', "
          "'in_progress', 'on_hold', 'reported', 'reviewed', 'cancelled'")
OLD_STATES = ("'proposed', 'notice_sent', 'consented', 'declined', 'expired', 'approved', 'rejected', "
              "'scheduled', 'reported', 'reviewed', 'cancelled'")


def upgrade() -> None:
    with op.batch_alter_table('visit_cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_visit_cases_state'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_visit_cases_state'), f"state IN ({STATES})")
        batch_op.add_column(sa.Column('held_from', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('checked_in_by', sa.String(length=140), nullable=True))
        batch_op.add_column(sa.Column('checked_out_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('checked_out_by', sa.String(length=140), nullable=True))
    with op.batch_alter_table('visit_follow_ups', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_visit_follow_ups_kind'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_visit_follow_ups_kind'),
            "kind IN ('promise', 'plan_proposal', 'hardship_hold', 'referral', 'do_not_return')")
    op.create_table('visit_consent_forms',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('visit_id', sa.String(length=64), nullable=False),
    sa.Column('notice_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('document_sha256', sa.String(length=64), nullable=False),
    sa.Column('document_ref', sa.Text(), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('verified_by', sa.String(length=64), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('consent_id', sa.String(length=64), nullable=True),
    sa.CheckConstraint("kind IN ('signed_form', 'recorded_statement')", name=op.f('ck_visit_consent_forms_kind')),
    sa.CheckConstraint("status IN ('pending', 'verified', 'rejected')", name=op.f('ck_visit_consent_forms_status')),
    sa.CheckConstraint('verified_by IS NULL OR verified_by <> uploaded_by',
                       name=op.f('ck_visit_consent_forms_second_person')),
    sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_visit_consent_forms_consent_id_consents')),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_visit_consent_forms_notice_id_notices')),
    sa.ForeignKeyConstraint(['visit_id'], ['visit_cases.id'],
                            name=op.f('fk_visit_consent_forms_visit_id_visit_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_consent_forms'))
    )
    with op.batch_alter_table('visit_consent_forms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_consent_forms_visit_id'), ['visit_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('visit_consent_forms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_consent_forms_visit_id'))
    op.drop_table('visit_consent_forms')
    op.execute("DELETE FROM visit_follow_ups WHERE kind = 'do_not_return'")
    with op.batch_alter_table('visit_follow_ups', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_visit_follow_ups_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_visit_follow_ups_kind'),
                                         "kind IN ('promise', 'plan_proposal', 'hardship_hold', 'referral')")
    op.execute("UPDATE visit_cases SET state = 'cancelled' WHERE state IN ('in_progress', 'on_hold')")
    with op.batch_alter_table('visit_cases', schema=None) as batch_op:
        for col in ('checked_out_by', 'checked_out_at', 'checked_in_by', 'checked_in_at', 'held_from'):
            batch_op.drop_column(col)
        batch_op.drop_constraint(batch_op.f('ck_visit_cases_state'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_visit_cases_state'), f"state IN ({OLD_STATES})")
