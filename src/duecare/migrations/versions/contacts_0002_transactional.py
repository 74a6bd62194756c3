"""contacts: transactional tasks (sign-in codes) without a loan, and their encrypted payloads

Revision ID: contacts_0002
Revises: contacts_0001
Create Date: 2026-11-28 14:02:39.913089
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'contacts_0002'
down_revision: str | Sequence[str] | None = 'contacts_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rebuilding_contact_tasks(alter: Callable[[], None]) -> None:
    """Run `alter`; SQLite rebuilds contact_tasks for it (copy, drop, rename) under enforced foreign keys, so the
    rows of tables that point at it are set aside in temporary tables and put back after the rebuild."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        alter()
        return
    names = [n for (n,) in bind.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")]
    referring = [n for n in names if n != "contact_tasks" and any(
        row[2] == "contact_tasks" for row in bind.exec_driver_sql(f'PRAGMA foreign_key_list("{n}")'))]
    for name in referring:
        op.execute(f'CREATE TEMP TABLE "keep_{name}" AS SELECT * FROM "{name}"')
        op.execute(f'DELETE FROM "{name}"')
    alter()
    for name in referring:
        op.execute(f'INSERT INTO "{name}" SELECT * FROM "keep_{name}"')
        op.execute(f'DROP TABLE "keep_{name}"')


def _nullable_loan(nullable: bool) -> Callable[[], None]:
    def alter() -> None:
        with op.batch_alter_table('contact_tasks', schema=None) as batch_op:
            batch_op.alter_column('loan_id', existing_type=sa.String(length=64), nullable=nullable)
    return alter


def upgrade() -> None:
    _rebuilding_contact_tasks(_nullable_loan(True))
    op.create_table('contact_task_payloads',
    sa.Column('task_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['contact_tasks.id'],
                            name=op.f('fk_contact_task_payloads_task_id_contact_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('task_id', name=op.f('pk_contact_task_payloads'))
    )


def downgrade() -> None:
    op.drop_table('contact_task_payloads')
    op.execute("UPDATE contact_inbound SET task_id = NULL "
               "WHERE task_id IN (SELECT id FROM contact_tasks WHERE loan_id IS NULL)")
    op.execute("DELETE FROM contact_tasks WHERE loan_id IS NULL")
    _rebuilding_contact_tasks(_nullable_loan(False))
