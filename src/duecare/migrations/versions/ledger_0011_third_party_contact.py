"""ledger: contact limit kind `third_party_contact` — the phone number on file reaches a third party the borrower
named (an emergency contact or a reference); cn_debtor_only lets it be called only while the borrower is out of
reach

Revision ID: ledger_0011
Revises: ledger_0010
Create Date: 2026-12-04 17:25:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = 'ledger_0011'
down_revision: str | Sequence[str] | None = 'ledger_0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('contact_limits', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_contact_limits_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_contact_limits_kind'),
                                         "kind IN ('workplace', 'third_party_objected', 'third_party_contact')")


def downgrade() -> None:
    op.execute("DELETE FROM contact_limits WHERE kind = 'third_party_contact'")
    with op.batch_alter_table('contact_limits', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_contact_limits_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_contact_limits_kind'),
                                         "kind IN ('workplace', 'third_party_objected')")
