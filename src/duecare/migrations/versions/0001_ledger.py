"""ledger: the base of every branch — borrowers, phone index, loans, installments, payments, contact events,
notices, consents, approvals, promises, holds, visits.

Revision ID: 0001_ledger
Revises:
Create Date: 2026-11-28

Types are written as plain SQL types on purpose: PersonalText is `Text` (ciphertext), UtcDateTime is
`DateTime(timezone=True)`, so that this file never changes when the Python-side types evolve.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_ledger"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("ledger",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "borrowers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("phones", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("city", sa.String(length=80), nullable=True),
        sa.Column("geo", sa.Text(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column(
            "language",
            sa.Enum("zh", "en", name="language", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column(
            "jurisdiction",
            sa.Enum("cn", "us", "uk", name="jurisdiction", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column(
            "risk_band",
            sa.Enum("low", "medium", "high", name="risk_band", native_enum=False, create_constraint=True),
            nullable=True,
        ),
        sa.Column("vulnerable", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("dispute_open", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("hardship_open", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("deceased", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("bankrupt", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("represented_by_lawyer", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("do_not_contact", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("ingest_digest", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_borrowers")),
    )

    op.create_table(
        "borrower_phone_index",
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["borrower_id"],
            ["borrowers.id"],
            name=op.f("fk_borrower_phone_index_borrower_id_borrowers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("borrower_id", "phone_hash", name=op.f("pk_borrower_phone_index")),
    )
    op.create_index(op.f("ix_borrower_phone_index_phone_hash"), "borrower_phone_index", ["phone_hash"])

    op.create_table(
        "loans",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("principal_minor", sa.BigInteger(), nullable=False),
        sa.Column("disbursed_on", sa.Date(), nullable=False),
        sa.Column("ingest_digest", sa.String(length=64), nullable=True),
        sa.CheckConstraint("principal_minor > 0", name=op.f("ck_loans_principal_positive")),
        sa.ForeignKeyConstraint(
            ["borrower_id"], ["borrowers.id"], name=op.f("fk_loans_borrower_id_borrowers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loans")),
    )
    op.create_index(op.f("ix_loans_borrower_id"), "loans", ["borrower_id"])

    op.create_table(
        "installments",
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("ingest_digest", sa.String(length=64), nullable=True),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_installments_amount_positive")),
        sa.CheckConstraint("seq >= 1", name=op.f("ck_installments_seq_positive")),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_installments_loan_id_loans")),
        sa.PrimaryKeyConstraint("loan_id", "seq", name=op.f("pk_installments")),
    )

    op.create_table(
        "payments",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("ingest_digest", sa.String(length=64), nullable=True),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_payments_amount_positive")),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_payments_loan_id_loans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    op.create_index(op.f("ix_payments_loan_id"), "payments", ["loan_id"])

    op.create_table(
        "contact_events",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "call",
                "sms",
                "email",
                "letter",
                "visit",
                name="channel",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "direction",
            sa.Enum("outbound", "inbound", name="direction", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column(
            "outcome",
            sa.Enum(
                "rpc",
                "ptp",
                "refused",
                "dispute",
                "no_answer",
                "busy",
                "voicemail",
                "invalid",
                "third_party",
                "delivered",
                "undelivered",
                name="outcome",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("agent_id", sa.String(length=64), nullable=True),
        sa.Column("duration_s", sa.Integer(), nullable=True),
        sa.Column("ingest_digest", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "duration_s IS NULL OR duration_s >= 0", name=op.f("ck_contact_events_duration_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["borrower_id"], ["borrowers.id"], name=op.f("fk_contact_events_borrower_id_borrowers")
        ),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_contact_events_loan_id_loans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_events")),
    )
    op.create_index("ix_contact_events_borrower_at", "contact_events", ["borrower_id", "at"])
    op.create_index(op.f("ix_contact_events_loan_id"), "contact_events", ["loan_id"])

    op.create_table(
        "notices",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version_hash", sa.String(length=64), nullable=True),
        sa.Column("ingest_digest", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["borrower_id"], ["borrowers.id"], name=op.f("fk_notices_borrower_id_borrowers")
        ),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_notices_loan_id_loans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    op.create_index(op.f("ix_notices_borrower_id"), "notices", ["borrower_id"])

    op.create_table(
        "consents",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column(
            "decision",
            sa.Enum(
                "granted", "declined", "withdrawn", name="decision", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notice_id", sa.String(length=64), nullable=True),
        sa.Column("notice_version_hash", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("ingest_digest", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["borrower_id"], ["borrowers.id"], name=op.f("fk_consents_borrower_id_borrowers")
        ),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"], name=op.f("fk_consents_notice_id_notices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    op.create_index("ix_consents_borrower_purpose_at", "consents", ["borrower_id", "purpose", "at"])

    op.create_table(
        "approvals",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("notice_id", sa.String(length=64), nullable=False),
        sa.Column(
            "decision",
            sa.Enum("approved", "rejected", name="decision", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("ingest_digest", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["borrower_id"], ["borrowers.id"], name=op.f("fk_approvals_borrower_id_borrowers")
        ),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"], name=op.f("fk_approvals_notice_id_notices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approvals")),
    )
    op.create_index(op.f("ix_approvals_borrower_id"), "approvals", ["borrower_id"])
    op.create_index(op.f("ix_approvals_notice_id"), "approvals", ["notice_id"])

    op.create_table(
        "promises",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=True),
        sa.Column("promised_date", sa.Date(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "kept",
                "broken",
                "cancelled",
                name="status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("ingest_digest", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "amount_minor IS NULL OR amount_minor > 0", name=op.f("ck_promises_amount_positive")
        ),
        sa.ForeignKeyConstraint(
            ["borrower_id"], ["borrowers.id"], name=op.f("fk_promises_borrower_id_borrowers")
        ),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_promises_loan_id_loans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promises")),
    )
    op.create_index(op.f("ix_promises_borrower_id"), "promises", ["borrower_id"])

    op.create_table(
        "holds",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "deceased",
                "bankrupt",
                "dispute_open",
                "do_not_contact",
                "represented_by_lawyer",
                "hardship_open",
                name="kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "closed_at IS NULL OR closed_at >= opened_at", name=op.f("ck_holds_closed_after_opened")
        ),
        sa.ForeignKeyConstraint(
            ["borrower_id"], ["borrowers.id"], name=op.f("fk_holds_borrower_id_borrowers")
        ),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_holds_loan_id_loans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holds")),
    )
    op.create_index(op.f("ix_holds_borrower_id"), "holds", ["borrower_id"])

    op.create_table(
        "visits",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "scheduled",
                "completed",
                "cancelled",
                name="status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ingest_digest", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["borrower_id"], ["borrowers.id"], name=op.f("fk_visits_borrower_id_borrowers")
        ),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_visits_loan_id_loans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
    )
    op.create_index(op.f("ix_visits_borrower_id"), "visits", ["borrower_id"])


def downgrade() -> None:
    op.drop_table("visits")
    op.drop_table("holds")
    op.drop_table("promises")
    op.drop_table("approvals")
    op.drop_table("consents")
    op.drop_table("notices")
    op.drop_table("contact_events")
    op.drop_table("payments")
    op.drop_table("installments")
    op.drop_table("loans")
    op.drop_table("borrower_phone_index")
    op.drop_table("borrowers")
