"""Without a font that covers Chinese, a PDF download answers 503 naming the package to install (never a 500), and
a letter task fails permanently with the same sentence; with one, the register is a PDF."""

from __future__ import annotations

from pathlib import Path

import pytest

from duecare.contacts.adapters.base import PermanentError
from duecare.contacts.adapters.pdf_letters import render_pdf
from duecare.kit import fonts
from duecare.kit.errors import Unavailable

from .conftest import Clients


@pytest.fixture
def no_font(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(fonts, "CANDIDATES", (tmp_path / "missing.ttc",))


def test_the_first_installed_candidate_is_used(tmp_path: Path) -> None:
    present = tmp_path / "b.ttf"
    present.write_bytes(b"")
    assert fonts.cjk_font((tmp_path / "a.ttc", present)) == present


@pytest.mark.usefixtures("no_font")
def test_the_register_pdf_without_a_font_is_a_503_that_says_what_to_install(api: Clients) -> None:
    compliance = api.staff("C1", "compliance")
    answer = compliance.get("/visit-register.pdf")
    assert answer.status_code == 503
    assert answer.json()["code"] == "pdf_font_missing" and "fonts-wqy-microhei" in answer.json()["error"]
    page = compliance.get("/visit-register.pdf", headers={"Accept": "text/html"})
    assert page.status_code == 503 and "text/html" in page.headers["content-type"]
    assert "fonts-wqy-microhei" in page.text
    assert compliance.get("/visit-register.csv").status_code == 200  # the CSV needs no font


@pytest.mark.usefixtures("no_font")
def test_a_letter_without_a_font_fails_permanently_with_the_same_sentence() -> None:
    with pytest.raises(Unavailable):
        fonts.cjk_font()
    with pytest.raises(PermanentError, match="fonts-wqy-microhei"):
        render_pdf("标题", "地址", "正文")
