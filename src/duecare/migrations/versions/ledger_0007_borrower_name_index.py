"""ledger: `borrower_name_index` — keyed hashes of each borrower's normalised name (search by name without
reading names); existing borrowers are indexed from their encrypted names

Revision ID: ledger_0007
Revises: ledger_0006
Create Date: 2026-12-03 21:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'ledger_0007'
down_revision: str | Sequence[str] | None = 'ledger_0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 1000


def upgrade() -> None:
    op.create_table(
        'borrower_name_index',
        sa.Column('borrower_id', sa.String(length=64), nullable=False),
        sa.Column('name_hash', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'],
                                name=op.f('fk_borrower_name_index_borrower_id_borrowers'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('borrower_id', 'name_hash', name=op.f('pk_borrower_name_index')),
    )
    with op.batch_alter_table('borrower_name_index', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_borrower_name_index_name_hash'), ['name_hash'], unique=False)
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM borrowers LIMIT 1")).first() is None:
        return  # a new store: nothing to index, and no key is needed
    # The keyring and the normalisation are the running code's: names can only be read with them.
    from duecare.kit.fields import decrypt_text
    from duecare.ledger.names import name_hashes

    last = ""
    while True:
        rows = bind.execute(sa.text("SELECT id, name FROM borrowers WHERE id > :last ORDER BY id LIMIT :n"),
                            {"last": last, "n": _CHUNK}).all()
        if not rows:
            break
        last = rows[-1][0]
        values = [{"id": bid, "h": h} for bid, stored in rows if stored
                  for h in dict.fromkeys(name_hashes(decrypt_text(stored)))]
        if values:
            bind.execute(sa.text("INSERT INTO borrower_name_index (borrower_id, name_hash) VALUES (:id, :h)"), values)


def downgrade() -> None:
    with op.batch_alter_table('borrower_name_index', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_borrower_name_index_name_hash'))
    op.drop_table('borrower_name_index')
