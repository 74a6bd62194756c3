"""visits: the hardship category "illness" (health data, PIPL Art. 28) becomes "unable_to_work" in stored reports,
portal questionnaires and the hold reasons that name it

Revision ID: visits_0005
Revises: visits_0004
Create Date: 2026-12-03

The report fields and questionnaire answers are encrypted JSON, so they are rewritten row by row through the
PersonalText type (decrypted and encrypted again with the active key). Messages already sent are records of
what was sent and are left as they are.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from duecare.kit.fields import PersonalText

revision: str = "visits_0005"
down_revision: str | Sequence[str] | None = "visits_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("portal_0001",)

OLD, NEW = "illness", "unable_to_work"


def _rewrite(table: str, key: str, column: str, field: str) -> None:
    t = sa.table(table, sa.column(key), sa.column(column, PersonalText()))
    conn = op.get_bind()
    for row_key, text in conn.execute(sa.select(t.c[key], t.c[column])).all():
        try:
            data = json.loads(text or "{}")
        except ValueError:  # anonymised
            continue
        if isinstance(data, dict) and data.get(field) == OLD:
            data[field] = NEW
            conn.execute(t.update().where(t.c[key] == row_key).values({column: json.dumps(data, ensure_ascii=False)}))


def upgrade() -> None:
    _rewrite("visit_reports", "visit_id", "fields", "hardship_category")
    _rewrite("portal_hardship_answers", "id", "answers", "reason")
    holds = sa.table("holds", sa.column("reason", sa.String))
    op.execute(holds.update().where(holds.c.reason.like("%hardship%illness%"))
               .values(reason=sa.func.replace(holds.c.reason, OLD, NEW)))


def downgrade() -> None:
    """The old category is not restored: it named a health condition."""
