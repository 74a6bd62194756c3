"""Uploaded proof (issue 17): each refusal by content, EXIF stripped, encrypted at rest, retention, need to know."""

from __future__ import annotations

import base64
import io
import zipfile
from datetime import timedelta

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from sqlalchemy import text

from duecare.kit.db import unit_of_work
from duecare.ledger.models import Alternative, AlternativeState
from duecare.privacy.permissions import Actor, Forbidden
from duecare.privacy.rights import access_export
from duecare.visits import documents as docs
from duecare.visits.models import RemoteDocument

from .factories import AS_OF, staff

LIMITS = {"max_bytes": 5 * 1024 * 1024, "max_pixels": 25_000_000, "max_pages": 50}


def jpeg_with_exif(size: tuple[int, int] = (64, 48)) -> bytes:
    img = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretPhoneMaker"  # Make
    exif[0x0110] = "Model-X-12345"  # Model
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def png_with_text() -> bytes:
    info = PngInfo()
    info.add_text("Location", "31.2304N 121.4737E home")
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (0, 90, 200)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def pdf(body: str = "Payslip November 2026") -> bytes:
    from fpdf import FPDF

    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=12)
    doc.cell(text=body)
    return bytes(doc.output())


def refused(data: bytes) -> str:
    with pytest.raises(docs.DocumentRefused) as caught:
        docs.cleaned(data, **LIMITS)  # type: ignore[arg-type]
    return caught.value.code


class TestRefusedByContent:
    def test_an_executable_named_like_a_pdf_is_the_wrong_type(self) -> None:
        assert refused(b"MZ\x90\x00" + b"\x00" * 200) == "wrong_type"

    def test_plain_text_is_the_wrong_type(self) -> None:
        assert refused(b"%PD not really a pdf, just text") == "wrong_type"

    def test_a_zip_archive_is_the_wrong_type(self) -> None:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr("a.txt", "x" * 1000)
        assert refused(out.getvalue()) == "wrong_type"

    def test_a_file_over_the_limit_is_too_large(self) -> None:
        assert refused(b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024)) == "too_large"

    def test_an_empty_file_is_refused(self) -> None:
        assert refused(b"") == "empty"

    def test_a_broken_pdf_is_refused(self) -> None:
        assert refused(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage without xref\n%%EOF") == "broken_pdf"

    def test_a_pdf_with_a_zip_appended_is_a_polyglot(self) -> None:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr("bomb.txt", "0" * 10_000_000)  # a small zip bomb: 10 MB from a few KB
        assert refused(pdf() + out.getvalue()) == "polyglot"

    def test_a_pdf_with_javascript_is_refused(self) -> None:
        data = pdf().replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>")
        assert refused(data) == "active_content"

    def test_a_decompression_bomb_image_is_refused(self) -> None:
        out = io.BytesIO()
        Image.new("1", (12000, 12000)).save(out, format="PNG")  # 144 M pixels in a few hundred KB
        assert len(out.getvalue()) < 1_000_000
        assert refused(out.getvalue()) == "too_many_pixels"

    def test_a_truncated_image_is_refused(self) -> None:
        assert refused(jpeg_with_exif()[:200]) == "broken_image"


class TestCleaned:
    def test_a_jpeg_is_re_encoded_without_its_exif(self) -> None:
        original = jpeg_with_exif()
        assert b"SecretPhoneMaker" in original
        kind, clean = docs.cleaned(original, **LIMITS)  # type: ignore[arg-type]
        assert kind == docs.JPEG and b"SecretPhoneMaker" not in clean and b"Model-X" not in clean
        with Image.open(io.BytesIO(clean)) as img:
            assert img.size == (64, 48) and len(img.getexif()) == 0

    def test_a_png_loses_its_text_chunks(self) -> None:
        kind, clean = docs.cleaned(png_with_text(), **LIMITS)  # type: ignore[arg-type]
        assert kind == docs.PNG and b"121.4737E" not in clean and b"tEXt" not in clean

    def test_a_pdf_is_rewritten_and_still_reads(self) -> None:
        from pypdf import PdfReader

        kind, clean = docs.cleaned(pdf(), **LIMITS)  # type: ignore[arg-type]
        assert kind == docs.PDF and len(PdfReader(io.BytesIO(clean)).pages) == 1
        assert b"/Producer" not in clean or b"fpdf" not in clean.lower()  # the original's metadata is gone


class TestStoredEncryptedWithRetention:
    def test_content_is_encrypted_at_rest_and_readable_only_by_staff_with_a_need_to_know(self, seeded: str) -> None:
        original = jpeg_with_exif()
        with unit_of_work(seeded) as s:
            stored = docs.store(s, "B1", "income", original, AS_OF)
            staff(s, "A9", "agent")  # an agent not assigned to B1
        with unit_of_work(seeded) as s:
            raw = s.execute(text("SELECT content FROM remote_documents WHERE id = :i"), {"i": stored.id}).scalar_one()
            assert raw.startswith("v1:") and base64.b64encode(original[:30]).decode() not in raw
            alt = s.get_one(Alternative, s.get_one(RemoteDocument, stored.id).alternative_id)
            assert alt.state == AlternativeState.COMPLETED and alt.evidence_ref == f"document:{stored.id}"
            kind, data = docs.read_for(s, Actor("staff", "A1", "agent"), stored.id)  # assigned: A1
            assert kind == docs.JPEG and b"SecretPhoneMaker" not in data
            assert docs.read_for(s, Actor("staff", "C1", "compliance"), stored.id)[1] == data
            with pytest.raises(LookupError):
                docs.read_for(s, Actor("staff", "A9", "agent"), stored.id)
            with pytest.raises(Forbidden):
                docs.read_for(s, Actor("staff", "F1", "field_agent"), stored.id)
            export = access_export(s, Actor("staff", "C1", "compliance"), "B1")
            rows = export["tables"]["remote_documents"]
            assert [r["id"] for r in rows] == [stored.id] and base64.b64decode(rows[0]["content"]) == data

    def test_retention_deletes_the_content_after_the_packs_days(self, seeded: str) -> None:
        with unit_of_work(seeded) as s:
            stored = docs.store(s, "B1", "hardship", png_with_text(), AS_OF)
        with unit_of_work(seeded) as s:
            assert docs.purge_expired(s, AS_OF + timedelta(days=179)) == 0
            assert docs.purge_expired(s, AS_OF + timedelta(days=180)) == 1  # cn keeps proof 180 days
        with unit_of_work(seeded) as s:
            doc = s.get_one(RemoteDocument, stored.id)
            assert doc.content is None and doc.deleted_at is not None and doc.sha256

    def test_the_sixth_file_of_one_alternative_is_refused(self, seeded: str) -> None:
        with unit_of_work(seeded) as s:
            for _ in range(6):
                docs.store(s, "B1", "other", png_with_text(), AS_OF)
            with pytest.raises(docs.DocumentRefused) as caught:
                docs.store(s, "B1", "other", png_with_text(), AS_OF)
        assert caught.value.code == "too_many_files"
