"""Proof of income or hardship uploaded by the borrower for a remote alternative (issue 17).

Checked by content, never by the name or the declared type: the first bytes must be a PDF, JPEG or PNG
signature; a PDF must parse cleanly with pypdf (strict), unencrypted, within the page limit, with no scripts,
launch actions or embedded files and no second file format inside (a polyglot), and is re-written page by page
(metadata and anything appended dropped); an image is decoded under a pixel limit (decompression bombs) and
re-encoded from its pixels alone, so EXIF (location, device) is gone. The cleaned bytes are stored encrypted
(`PersonalText`), deleted after the pack's retention, and readable by staff with a need to know (the borrower's
assigned agent, supervisors, compliance), each read audited. Services take the session and never commit.
"""

from __future__ import annotations

import base64
import hashlib
import io
import uuid
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from PIL import Image, ImageOps
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from duecare.kit.errors import NotFound, UserError
from duecare.kit.i18n import N_, bilingual
from duecare.ledger.models import Alternative, AlternativeKind, Borrower
from duecare.privacy.audit import audit_read, record_audit
from duecare.privacy.permissions import Actor, check
from duecare.privacy.scope import readable_borrowers
from duecare.visits import alternatives
from duecare.visits.models import RemoteDocument

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
SIGNATURES = ((b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG))
KINDS = ("income", "hardship", "other")
# Markers of a second format hidden in a PDF (zip local/central headers, executables, HTML/script).
FOREIGN = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x01\x02", b"MZ\x90\x00", b"\x7fELF", b"<html", b"<script")
# PDF features a proof of income never needs and that carry active content.
ACTIVE_PDF = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/RichMedia", b"/XFA", b"/SubmitForm")


class DocumentRefused(UserError):
    """The upload was refused and nothing was stored; `code` names why (wrong_type, too_large, ...).

    The API and the CLI read it in English and Chinese together (the uploader's language is not known there);
    the page shows the reader's language (`in_language`)."""

    def __init__(self, code: str, message: str, status: int = 422, *, both: bool = True, **values: Any) -> None:
        super().__init__(message, place="document", code=code, status=status, **values)
        if both:
            self.args = (f"document: {bilingual(message, **values)}",)


def sniff(head: bytes) -> str:
    """The content type from the first bytes, or DocumentRefused(wrong_type)."""
    for magic, kind in SIGNATURES:
        if head.startswith(magic):
            return kind
    raise DocumentRefused("wrong_type", N_("only PDF, JPEG or PNG files are accepted (checked by their content)"),
                          415)


def clean_pdf(data: bytes, max_pages: int) -> bytes:
    """A PDF re-written from its pages, or DocumentRefused (broken, encrypted, active content, polyglot)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    if any(marker in data for marker in FOREIGN):
        raise DocumentRefused("polyglot", N_("the PDF also contains another kind of file; upload a plain PDF"))
    if any(marker in data for marker in ACTIVE_PDF):
        raise DocumentRefused("active_content", N_("the PDF contains scripts, actions or attachments; print it to a plain PDF first"))
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted:
            raise DocumentRefused("encrypted", N_("the PDF is password-protected; upload it without a password"))
        pages = len(reader.pages)
        if not 1 <= pages <= max_pages:
            raise DocumentRefused("too_many_pages", N_("a document may have 1 to {pages} pages"),
                                  pages=max_pages)
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        out = io.BytesIO()
        writer.write(out)
    except DocumentRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise DocumentRefused("broken_pdf", N_("the PDF cannot be read ({error}); upload another copy"),
                              error=type(exc).__name__) from None
    return out.getvalue()


def clean_image(data: bytes, kind: str, max_pixels: int) -> bytes:
    """The image decoded under a pixel limit and re-encoded from its pixels only (no EXIF, no text chunks)."""
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            with Image.open(io.BytesIO(data)) as img:
                if img.format not in ("JPEG", "PNG") or (img.format == "JPEG") != (kind == JPEG):
                    raise DocumentRefused("wrong_type", N_("the image is not the type its content starts with"),
                                          415)
                upright = ImageOps.exif_transpose(img)
                mode = "RGB" if upright.mode not in ("RGB", "L", "RGBA") or kind == JPEG else upright.mode
                pixels = upright.convert(mode)
                clean = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DocumentRefused("too_many_pixels", N_("the image is larger than {pixels} pixels"),
                              pixels=format(max_pixels, ",")) from None
    except DocumentRefused:
        raise
    except (OSError, ValueError, SyntaxError) as exc:
        raise DocumentRefused("broken_image", N_("the image cannot be read ({error})"),
                              error=type(exc).__name__) from None
    out = io.BytesIO()
    clean.save(out, format="JPEG" if kind == JPEG else "PNG", **({"quality": 88} if kind == JPEG else {}))
    return out.getvalue()


def cleaned(data: bytes, max_bytes: int, max_pixels: int, max_pages: int) -> tuple[str, bytes]:
    """(content type, cleaned bytes) of an upload, or DocumentRefused with the reason."""
    if not data:
        raise DocumentRefused("empty", N_("the file is empty"))
    if len(data) > max_bytes:
        raise DocumentRefused("too_large", N_("the file is larger than {mb} MB"),
                              413, mb=max_bytes // (1024 * 1024))
    kind = sniff(data[:16])
    return kind, clean_pdf(data, max_pages) if kind == PDF else clean_image(data, kind, max_pixels)


@dataclass(frozen=True)
class Stored:
    id: str
    content_type: str
    size_bytes: int


def store(db: Session, borrower_id: str, kind: str, data: bytes, at: datetime, strategy: str = "standard") -> Stored:
    """Check, clean, encrypt and keep one upload for the borrower's documents alternative (chosen if needed),
    which is then complete on the borrower's side and waits for a person to verify it."""
    if kind not in KINDS:
        raise DocumentRefused("kind", N_("kind must be one of {kinds}"), both=False, kinds=", ".join(KINDS))
    if db.get(Borrower, borrower_id) is None:  # a portal account without a ledger row: no case to prove
        raise NotFound(N_("no borrower record for this account"), place="borrower")
    rules = alternatives.policy(strategy).documents
    content_type, clean = cleaned(data, rules.max_bytes, rules.max_pixels, rules.max_pdf_pages)
    alt = alternatives.choose(db, borrower_id, AlternativeKind.DOCUMENTS.value, at)
    count = len(list(db.scalars(select(RemoteDocument.id).where(RemoteDocument.alternative_id == alt.id))))
    if count >= rules.max_files_per_alternative:
        raise DocumentRefused("too_many_files", N_("at most {count} files"),
                              409, count=rules.max_files_per_alternative)
    pack = db.get_one(Borrower, borrower_id).jurisdiction.value
    doc = RemoteDocument(id=f"DOC-{uuid.uuid4().hex[:16]}", alternative_id=alt.id, borrower_id=borrower_id,
                         kind=kind, content_type=content_type, size_bytes=len(clean),
                         sha256=hashlib.sha256(clean).hexdigest(), content=base64.b64encode(clean).decode("ascii"),
                         uploaded_at=at, delete_after=at + timedelta(days=rules.keep_days[pack].days))  # type: ignore[index]
    db.add(doc)
    db.flush()
    record_audit(db, actor=f"borrower:{borrower_id}", action="document.uploaded", subject=f"borrower:{borrower_id}",
                 rule_id="visit_alternatives_first",
                 after={"document": doc.id, "kind": kind, "type": content_type, "bytes": len(clean)}, at=at)
    alternatives.complete_open(db, borrower_id, AlternativeKind.DOCUMENTS, at, f"document:{doc.id}")
    return Stored(doc.id, content_type, len(clean))


def of_borrower(db: Session, borrower_id: str) -> list[RemoteDocument]:
    return list(db.scalars(select(RemoteDocument).where(RemoteDocument.borrower_id == borrower_id,
                                                        RemoteDocument.deleted_at.is_(None))
                           .order_by(RemoteDocument.uploaded_at.desc())))


def listed_for(db: Session, actor: Actor, alternative_ids: list[str]) -> dict[str, list[RemoteDocument]]:
    """The documents of these alternatives that the actor may see, by alternative (no content is decrypted)."""
    if not alternative_ids or not actor.can("documents.read"):
        return {}
    scoped = readable_borrowers(select(RemoteDocument.id), actor, RemoteDocument.borrower_id)
    stmt = scoped.add_columns(RemoteDocument.alternative_id, RemoteDocument.kind, RemoteDocument.content_type,
                              RemoteDocument.size_bytes, RemoteDocument.uploaded_at)
    out: dict[str, list[RemoteDocument]] = {}
    for row in db.execute(stmt.where(RemoteDocument.alternative_id.in_(alternative_ids),
                                     RemoteDocument.deleted_at.is_(None))).all():
        out.setdefault(row.alternative_id, []).append(RemoteDocument(
            id=row.id, alternative_id=row.alternative_id, kind=row.kind, content_type=row.content_type,
            size_bytes=row.size_bytes, uploaded_at=row.uploaded_at))
    return out


def read_for(db: Session, actor: Actor, document_id: str) -> tuple[str, bytes]:
    """(content type, bytes) of a document in the actor's scope; the read is audited. LookupError otherwise."""
    check(actor, "documents.read")
    doc = db.scalars(readable_borrowers(select(RemoteDocument), actor, RemoteDocument.borrower_id)
                     .where(RemoteDocument.id == document_id, RemoteDocument.deleted_at.is_(None))).first()
    if doc is None or doc.content is None:
        raise NotFound(N_("no such document in your scope"))
    audit_read(db, actor, f"borrower:{doc.borrower_id}", [f"document:{doc.id}"], purpose="remote verification")
    return doc.content_type, base64.b64decode(doc.content)


def purge_expired(db: Session, now: datetime) -> int:
    """Delete the content of every document past its retention (the row stays as evidence: type, size, hash)."""
    result = db.execute(update(RemoteDocument).where(RemoteDocument.deleted_at.is_(None),
                                                     RemoteDocument.delete_after <= now)
                        .values(content=None, deleted_at=now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def alternative_of(db: Session, document_id: str) -> Alternative | None:
    doc = db.get(RemoteDocument, document_id)
    return None if doc is None else db.get(Alternative, doc.alternative_id)
