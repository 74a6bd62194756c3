"""The transparency notice: one canonical text per (pack, language) from a template, hashed; HTML and PDF are
derived from that same text, so what the hash pins is exactly what the borrower read.

Canonical text lines: `# title`, `## heading`, `- bullet`, anything else a paragraph.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from html import escape
from importlib import resources
from typing import Any

import jinja2
import yaml
from fpdf import FPDF

from duecare.kit.fonts import cjk_font
from duecare.kit.settings import get_settings
from duecare.policy.helplines import help_text
from duecare.visits.scope import VisitPolicy

LANGUAGES = ("zh", "en")
# The pack-specific paragraphs every visit notice carries (notice_content.yaml), besides rights and complaint.
NOTICE_ELEMENTS = ("outcome", "recording", "retention", "sensitive")
# Legal aid and advice come from the pack's `help:` list (policy/helplines.py), the same as the portal footer.


def portal_url() -> str:
    """The borrower portal's address on notices and messages: DUECARE_PORTAL_URL, else DUECARE_PUBLIC_URL/portal."""
    s = get_settings()
    return (s.portal_url or f"{s.public_url.rstrip('/')}/portal").rstrip("/")


def notice_link(notice_id: str | None) -> str:
    """The portal page where the borrower reads a visit notice and answers it (`/portal/notices/<id>`)."""
    return f"{portal_url()}/notices/{notice_id}" if notice_id else f"{portal_url()}/notices"


@cache
def _content() -> dict[str, Any]:
    text = (resources.files("duecare.visits") / "notice_content.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)  # type: ignore[no-any-return]


@cache
def _template_source(language: str) -> str:
    return (resources.files("duecare.visits") / "templates" / f"notice.{language}.txt.j2").read_text(
        encoding="utf-8")


def template_version(pack: str, language: str, policy: VisitPolicy) -> str:
    """Changes whenever the template, the pack's notice content or the visit scope changes."""
    content = (yaml.safe_dump(_content()["packs"][pack], allow_unicode=True, sort_keys=True) + get_settings().brand
               + help_text(pack, language))
    h = hashlib.sha256("\n".join([_template_source(language), content, policy.version]).encode()).hexdigest()
    return f"notice-{pack}-{language}-{h[:16]}"


@dataclass(frozen=True)
class RenderedNotice:
    text: str
    version_hash: str
    template_version: str
    language: str


def notice_language(borrower_language: str) -> str:
    return "zh" if borrower_language.startswith("zh") else "en"


def render(*, pack: str, language: str, policy: VisitPolicy, notice_id: str, loan_id: str, borrower_name: str,
           sent_on: date) -> RenderedNotice:
    """The canonical notice text and its sha256 (the notice record keeps the hash)."""
    lang = notice_language(language)
    content = _content()
    pc = content["packs"][pack]
    window = policy.strategy.visit_window
    checklist = policy.checklist(lang)
    lender = get_settings().brand
    version = template_version(pack, lang, policy)
    env = jinja2.Environment(autoescape=False, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    text = env.from_string(_template_source(lang)).render(
        notice_id=notice_id, loan_id=loan_id, borrower_name=borrower_name, sent_on=sent_on.isoformat(),
        lender=lender, lender_cap=lender[:1].upper() + lender[1:],
        ask=[a["text"] for a in checklist["ask"]], never=[n["text"] for n in checklist["never"]],
        window=f"{window.start}–{window.end}", service_minutes=policy.data.scheduling.service_minutes,
        alternatives=pc["alternatives"][lang], rights=pc["rights"][lang], complaint=pc["complaint"][lang],
        **{key: pc[key][lang] for key in NOTICE_ELEMENTS}, legal_aid=help_text(pack, lang),
        sources=pc["sources"], portal_url=portal_url(), template_version=version,
        respond_by=(sent_on + timedelta(days=policy.strategy.params.consent_response_days)).isoformat(),
    )
    canonical = "\n".join(line.rstrip() for line in text.strip().splitlines()) + "\n"
    return RenderedNotice(text=canonical, version_hash=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
                          template_version=version, language=lang)


def to_html(text: str, language: str) -> str:
    """A self-contained HTML page of the canonical text (every character escaped)."""
    out: list[str] = []
    in_list = False
    for line in text.splitlines():
        is_item = line.startswith("- ")
        if in_list and not is_item:
            out.append("</ul>")
            in_list = False
        if line.startswith("## "):
            out.append(f"<h2>{escape(line[3:])}</h2>")
        elif line.startswith("# "):
            out.append(f"<h1>{escape(line[2:])}</h1>")
        elif is_item:
            if not in_list:
                out.append("<ul>")
                in_list = True
            out.append(f"<li>{escape(line[2:])}</li>")
        elif line:
            out.append(f"<p>{escape(line)}</p>")
    if in_list:
        out.append("</ul>")
    lang = "zh-CN" if language == "zh" else "en"
    title = escape(text.splitlines()[0].lstrip("# ")) if text else ""
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><main>{''.join(out)}</main></body></html>")


def _pdf() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("cjk", fname=str(cjk_font()))
    return pdf


def to_pdf(text: str) -> bytes:
    """The canonical text as a PDF with a CJK font (the same lines as the HTML)."""
    pdf = _pdf()
    pdf.add_page()
    _write_lines(pdf, text)
    return bytes(pdf.output())


def to_letter_pdf(text: str, address_block: str, version_hash: str) -> bytes:
    """The notice as a posted letter: the address block, the canonical text, then its version hash printed
    in a core font (so the borrower, and anyone checking, can match the letter to the notice record)."""
    pdf = _pdf()
    pdf.set_title("visit notice")
    pdf.set_subject(f"notice version sha256:{version_hash}")
    pdf.add_page()
    pdf.set_font("cjk", size=10.5)
    pdf.multi_cell(0, 5, address_block, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    _write_lines(pdf, text)
    pdf.ln(6)
    pdf.set_font("helvetica", size=8)
    pdf.multi_cell(0, 4, f"Notice version (sha256): {version_hash}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _write_lines(pdf: FPDF, text: str) -> None:
    for line in text.splitlines():
        pdf.set_x(pdf.l_margin)
        if line.startswith("## "):
            pdf.set_font("cjk", size=13)
            pdf.multi_cell(0, 8, line[3:], new_x="LMARGIN", new_y="NEXT")
        elif line.startswith("# "):
            pdf.set_font("cjk", size=17)
            pdf.multi_cell(0, 10, line[2:], new_x="LMARGIN", new_y="NEXT")
        elif line.startswith("- "):
            pdf.set_font("cjk", size=10.5)
            pdf.multi_cell(0, 6, "• " + line[2:], new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.set_font("cjk", size=10.5)
            pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
