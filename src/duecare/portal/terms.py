"""A loan's contract terms in plain words: what it costs, what a missed payment leads to, and the borrower's
rights under their pack — every figure from the ledger, every unknown said to be unknown.

The facts per pack (cooling-off days, sources) are in packs/*.yaml `borrower_rights:`; the sentences are here as
catalog messages keyed by (pack, topic), translated like every page text.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from duecare.kit.i18n import N_
from duecare.ledger import models as m
from duecare.policy.loader import load_pack
from duecare.portal.account import LoanView

# (pack, topic) -> msgid. `%(days)s` is filled from the pack's `days` where the pack gives one.
RIGHTS: dict[tuple[str, str], str] = {
    ("cn", "cooling_off"): N_("Chinese law sets no general cooling-off period for consumer loans. Your contract "
                              "says whether you may cancel after signing; if it is silent, there is none."),
    ("cn", "early_repayment"): N_("You may repay early, in full or in part. Interest is then charged only for the "
                                  "time you actually had the money, unless your contract says otherwise."),
    ("cn", "missed_payment"): N_("Before adverse information is reported to the credit reference system you "
                                 "must be told. A late payment can make future borrowing harder."),
    ("cn", "complaint"): N_("You can complain to us at any time in this portal; we reply within 15 days. You can "
                            "also complain to the financial regulator (hotline 12378)."),
    ("cn", "data_rights"): N_("You may see, copy, correct and ask us to delete your personal information "
                              "(Personal Information Protection Law, Articles 44-47); if we refuse, we tell you why."),
    ("us", "cooling_off"): N_("There is no general right to cancel an unsecured consumer loan after signing. A "
                              "3-business-day right to cancel applies only to certain loans secured by your home."),
    ("us", "early_repayment"): N_("You may repay early. Your loan disclosure says whether any prepayment penalty "
                                  "applies; if it says none, repaying early costs nothing extra."),
    ("us", "missed_payment"): N_("A late charge applies only as your disclosure states. You may dispute the debt and "
                                 "ask us to verify it; we stop collecting the disputed part until we do."),
    ("us", "complaint"): N_("You can complain to us at any time in this portal, and to the Consumer Financial "
                            "Protection Bureau at consumerfinance.gov/complaint."),
    ("us", "data_rights"): N_("You may ask what information we hold about you and have mistakes corrected; "
                              "your state's privacy law may give you more rights."),
    ("uk", "cooling_off"): N_("You may withdraw from the agreement within %(days)s days without giving a reason; "
                              "you then repay what you borrowed plus interest for the days you had it."),
    ("uk", "early_repayment"): N_("You may repay all or part of the loan early at any time. Any compensation we may "
                                  "charge is capped by law, and you pay less interest."),
    ("uk", "missed_payment"): N_("We must send you a notice of sums in arrears, and a default notice before taking "
                                 "any enforcement step. We will consider a plan you can afford first."),
    ("uk", "complaint"): N_("You can complain to us at any time in this portal. If our final answer does not "
                            "satisfy you, or 8 weeks have passed, you can go to the Financial Ombudsman Service."),
    ("uk", "data_rights"): N_("You may see, correct and ask us to delete your personal data (UK GDPR), and "
                              "complain to the Information Commissioner's Office."),
}
TOPIC_TITLES: dict[str, str] = {
    "cooling_off": N_("Changing your mind (cooling-off)"),
    "early_repayment": N_("Repaying early"),
    "missed_payment": N_("If a payment is missed"),
    "complaint": N_("Making a complaint"),
    "data_rights": N_("Your personal data"),
}
# The packs' sources of the rights (packs/*.yaml `borrower_rights:`), as message ids: a citation is shown in the
# reader's language where it has a translation (tests/web/test_terms_and_help.py checks every pack's are here).
SOURCES = (
    N_('No general statutory cooling-off for consumer loans; the contract says whether one applies'),
    N_('Civil Code Art. 677 (interest for the actual period unless agreed otherwise)'),
    N_('Credit Reporting Regulation Art. 15 (notice before adverse information is reported)'),
    N_('Measures for Consumer Rights Protection of Banking and Insurance Institutions (2023)'),
    N_('PIPL Arts. 44-47, 50'),
    N_('Consumer Credit Act 1974 s.66A (withdrawal within 14 days)'),
    N_('Consumer Credit Act 1974 s.94 (full or partial early repayment), s.95A (capped compensation)'),
    N_('Consumer Credit Act 1974 s.86C (notice of sums in arrears), s.87 (default notice); CONC 7.3.4R forbearance'),
    N_('DISP 1.6, DISP 2.8 (Financial Ombudsman Service)'),
    N_("UK GDPR Arts. 15-17; Information Commissioner's Office"),
    N_('No general cooling-off for unsecured consumer loans; right of rescission only for certain home-secured credit (12 CFR 1026.23)'),
    N_('TILA disclosure of any prepayment penalty (12 CFR 1026.18(k))'),
    N_('Late charges as the contract discloses (12 CFR 1026.18(l)); validation and dispute rights (15 USC 1692g)'),
    N_('CFPB complaint process (consumerfinance.gov/complaint)'),
    N_('FDCPA 1692g (verification); state privacy laws where they apply'),
)
ORDER = ("cooling_off", "early_repayment", "complaint", "data_rights")


@dataclass(frozen=True)
class Right:
    topic: str
    title: str  # msgid
    text: str  # msgid, `%(days)s` filled by the page
    days: int | None
    source: str


@dataclass(frozen=True)
class Terms:
    """The loan's terms; None means "not on file" (never shown as 0)."""

    loan: LoanView
    pack: str
    interest_rate_bp: int | None
    apr_bp: int | None
    fees_minor: int | None
    late_fee_minor: int | None
    penalty_rate_bp: int | None
    grace_days: int | None
    rights: list[Right]
    missed: Right | None

    @property
    def scheduled_minor(self) -> int:
        """Everything the schedule asks for, principal and interest."""
        return sum(i.amount_minor for i in self.loan.installments)

    @property
    def total_minor(self) -> int | None:
        """What the loan costs in all: the schedule plus fees (unknown while the fees are)."""
        return None if self.fees_minor is None else self.scheduled_minor + self.fees_minor

    @property
    def cost_of_credit_minor(self) -> int | None:
        """What borrowing costs on top of the amount borrowed: interest and fees."""
        return None if self.total_minor is None else self.total_minor - self.loan.principal_minor

    @property
    def terms_on_file(self) -> bool:
        return any(v is not None for v in (self.interest_rate_bp, self.apr_bp, self.fees_minor,
                                           self.late_fee_minor, self.penalty_rate_bp, self.grace_days))


def _rights(pack: str) -> dict[str, Right]:
    out = {}
    for r in load_pack(pack).borrower_rights:
        text = RIGHTS.get((pack, r.topic))
        if text is not None:
            out[r.topic] = Right(r.topic, TOPIC_TITLES[r.topic], text, r.days, r.source)
    return out


def terms_of(db: Session, borrower_id: str, loan: LoanView) -> Terms:
    """The terms of one of the borrower's own loans (the LoanView was already scoped to them)."""
    row = db.get(m.Loan, loan.loan_id)
    borrower = db.get(m.Borrower, borrower_id)
    if row is None or borrower is None or row.borrower_id != borrower_id:
        raise LookupError(loan.loan_id)
    pack = borrower.jurisdiction.value
    rights = _rights(pack)
    return Terms(loan=loan, pack=pack, interest_rate_bp=row.interest_rate_bp, apr_bp=row.apr_bp,
                 fees_minor=row.fees_minor, late_fee_minor=row.late_fee_minor,
                 penalty_rate_bp=row.penalty_rate_bp, grace_days=row.grace_days,
                 rights=[rights[t] for t in ORDER if t in rights], missed=rights.get("missed_payment"))
