"""speech: call analyses (intents, promise, hardship, agent QA, encrypted transcript) linked to the case

Revision ID: speech_0001
Revises: (branch root; depends on 0001_ledger)
Create Date: 2026-11-28 14:07:59.052149
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'speech_0001'
down_revision: str | Sequence[str] | None = None  # a branch root
branch_labels: str | Sequence[str] | None = ('speech',)
depends_on: str | Sequence[str] | None = '0001_ledger'


def upgrade() -> None:
    op.create_table('call_analyses',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('loan_id', sa.String(length=64), nullable=True),
    sa.Column('contact_event_id', sa.String(length=64), nullable=True),
    sa.Column('promise_id', sa.String(length=64), nullable=True),
    sa.Column('hold_id', sa.String(length=64), nullable=True),
    sa.Column('call_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lang', sa.String(length=2), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('intents', sa.Text(), nullable=False),
    sa.Column('promise', sa.Text(), nullable=True),
    sa.Column('hardship_category', sa.String(length=32), nullable=True),
    sa.Column('qa_findings', sa.Text(), nullable=False),
    sa.Column('missing_disclosures', sa.Text(), nullable=False),
    sa.Column('followups', sa.Text(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('transcript', sa.Text(), nullable=False),
    sa.Column('agent_id', sa.String(length=64), nullable=True),
    sa.Column('audio_ref', sa.String(length=255), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_call_analyses_borrower_id_borrowers')),
    sa.ForeignKeyConstraint(['contact_event_id'], ['contact_events.id'], name=op.f('fk_call_analyses_contact_event_id_contact_events')),
    sa.ForeignKeyConstraint(['hold_id'], ['holds.id'], name=op.f('fk_call_analyses_hold_id_holds')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_call_analyses_loan_id_loans')),
    sa.ForeignKeyConstraint(['promise_id'], ['promises.id'], name=op.f('fk_call_analyses_promise_id_promises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_analyses')),
    sa.UniqueConstraint('borrower_id', 'digest', name='uq_call_analyses_borrower_digest')
    )
    with op.batch_alter_table('call_analyses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_analyses_borrower_id'), ['borrower_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('call_analyses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_analyses_borrower_id'))

    op.drop_table('call_analyses')
