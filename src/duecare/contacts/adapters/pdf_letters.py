"""Letters rendered to PDF (fpdf2, WenQuanYi Micro Hei for Chinese) into an outgoing folder for print and post.

The file is named after the idempotency key and written by rename, so a retry finds it and writes nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

from fpdf import FPDF
from sqlalchemy.orm import Session

from duecare.contacts.adapters.base import (
    Confirmation,
    Delivered,
    LetterPrinter,
    OutboundMessage,
    PermanentError,
    TransientError,
)
from duecare.kit.errors import Unavailable
from duecare.kit.fonts import cjk_font
from duecare.kit.settings import get_settings


def render_pdf(title: str, address_block: str, body: str, font: Path | None = None) -> bytes:
    """A one-letter PDF; the font covers Chinese and Latin text (`kit.fonts.cjk_font` unless given)."""
    try:
        font = font or cjk_font()
    except Unavailable as exc:
        raise PermanentError(str(exc)) from None
    if not font.exists():
        raise PermanentError(f"letter font {font} is missing (apt-get install fonts-wqy-microhei)")
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    pdf.add_font("wqy", fname=str(font), collection_font_number=0)
    pdf.set_font("wqy", size=10)
    pdf.multi_cell(0, 5, address_block)
    pdf.ln(8)
    pdf.set_font("wqy", size=14)
    pdf.multi_cell(0, 8, title)
    pdf.ln(4)
    pdf.set_font("wqy", size=11)
    pdf.multi_cell(0, 6, body)
    return bytes(pdf.output())


def letter_dir() -> Path:
    s = get_settings()
    return s.letter_dir or s.data_dir / "outgoing" / "letters"


class PdfLetters(LetterPrinter):
    resend_is_safe = True  # the file name is the key

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or letter_dir()

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.pdf"

    def deliver(self, message: OutboundMessage, session: Session) -> Delivered:
        target = self._path(message.key)
        if target.exists():
            return Delivered(provider_ref=target.name, duplicate=True)
        data = message.attachment or render_pdf(message.subject, message.to, message.body)
        tmp = target.with_suffix(".pdf.part")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(data)
            os.chmod(tmp, 0o600)  # letters carry personal data
            os.replace(tmp, target)
        except OSError as exc:  # full, unwritable or not a folder: nothing was delivered, retry with the reason
            if tmp.parent.is_dir():
                tmp.unlink(missing_ok=True)
            raise TransientError(f"letters folder {self.folder.name!r} not writable: "
                                 f"{exc.strerror or type(exc).__name__} (errno {exc.errno})") from None
        return Delivered(provider_ref=target.name)

    def confirm(self, message: OutboundMessage, session: Session) -> tuple[Confirmation, str | None]:
        target = self._path(message.key)
        return (Confirmation.DELIVERED, target.name) if target.exists() else (Confirmation.NOT_DELIVERED, None)
