"""What each source of free help in a pack is called and what it does for a borrower, as catalog messages.

The pack (packs/*.yaml, `help:`) holds the facts: id, kind, phone, address, source. The words a borrower reads
are here, keyed by the same id, so that they are translated like every other page text (zh_CN and en).
"""

from __future__ import annotations

from dataclasses import dataclass

from duecare.kit.errors import PolicyError
from duecare.kit.i18n import N_, translate
from duecare.policy.loader import HelpLine, load_pack

# id -> (name, what it does); both are msgids (kit/i18n catalogs).
TEXTS: dict[str, tuple[str, str]] = {
    "cn_12348": (N_("Public legal service hotline 12348"),
                 N_("Free legal advice by phone, and a referral to the legal aid centre where you live.")),
    "cn_legal_aid_centre": (N_("Local legal aid centre"),
                            N_("The justice bureau of your city or county gives free legal help to people who "
                               "cannot afford a lawyer (Legal Aid Law).")),
    "cn_12378": (N_("Financial consumer complaint hotline 12378"),
                 N_("The National Financial Regulatory Administration takes complaints about lenders.")),
    "us_cfpb": (N_("Consumer Financial Protection Bureau (CFPB)"),
                N_("Plain guides to debt collection and your rights; you can also submit a complaint at "
                   "consumerfinance.gov/complaint.")),
    "us_credit_counseling": (N_("Nonprofit credit counseling agency"),
                             N_("Free or low-cost budgeting and debt advice from an agency approved by the U.S. "
                                "Trustee Program (justice.gov/ust).")),
    "us_legal_aid": (N_("Local legal aid office"),
                     N_("Free legal help for people on low incomes; find your state's programs at lawhelp.org.")),
    "uk_moneyhelper": (N_("MoneyHelper"),
                       N_("Free, impartial money and debt advice, backed by the government.")),
    "uk_stepchange": (N_("StepChange Debt Charity"),
                      N_("Free debt advice and debt solutions, online or by phone.")),
    "uk_fos": (N_("Financial Ombudsman Service"),
               N_("Free and independent: if our final answer to a complaint does not satisfy you, or we have not "
                  "answered within 8 weeks, you can refer it within 6 months.")),
}


@dataclass(frozen=True)
class Help:
    """One source of help, ready to show: name and description as msgids, phone and address as data."""

    id: str
    kind: str
    name: str
    what: str
    url: str
    phone: str | None

    @property
    def site(self) -> str:
        """The address without the scheme, as people type it."""
        return self.url.removeprefix("https://").rstrip("/")


def _ready(line: HelpLine) -> Help:
    name, what = TEXTS[line.id]
    return Help(id=line.id, kind=line.kind, name=name, what=what, url=line.url, phone=line.phone)


def help_for(pack: str) -> list[Help]:
    """The pack's sources of free help, in the pack's order (an unknown pack: the cn default)."""
    try:
        lines = load_pack(pack).help
    except PolicyError:  # an unknown pack name shows the default pack's help, never an error page
        lines = load_pack("cn").help
    return [_ready(line) for line in lines]


def help_text(pack: str, language: str | None) -> str:
    """One paragraph naming every source of help, in the reader's language (letters, notices, messages)."""
    parts = []
    for h in help_for(pack):
        contact = ", ".join(x for x in (h.phone, h.site) if x)
        parts.append(f"{translate(language, h.name)} ({contact}): {translate(language, h.what)}")
    return translate(language, "Free help:") + " " + " ".join(parts)
