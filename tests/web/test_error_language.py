"""Page errors in the reader's language: the error page and a form shown again with why say what was wrong in
Chinese to a Chinese reader and in English to an English one, while the JSON API answers the same failure in
English exactly as before (its words are for integrators)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from test_pages import borrower_signs_in, staff_signs_in, token

HAN = re.compile(r"[\u4e00-\u9fff]")
JSON = {"accept": "application/json"}
LANGUAGES = pytest.mark.parametrize("language", ["zh", "en"])


def reader(client: Any, language: str) -> dict[str, str]:
    """The reader's language as the language switch sets it (the cookie wins over the browser's header)."""
    client.cookies.delete("duecare_lang")  # the portal's sign-in sets the borrower's own language
    client.cookies.set("duecare_lang", "zh_CN" if language == "zh" else "en")
    return {"accept-language": "zh-CN" if language == "zh" else "en"}


def detail(page: str) -> str:
    """The error page's detail line (the paragraph under its heading)."""
    found = re.search(r'data-testid="error-page">.*?</h1>\s*<p>(.*?)</p>', page, re.DOTALL)
    assert found, page[:500]
    return found.group(1)


def case_error(page: str) -> str:
    found = re.search(r'data-testid="case-error">(.*?)</p>', page, re.DOTALL)
    assert found, page[:500]
    return found.group(1)


def reads(text: str, language: str, english: str) -> None:
    """`text` is in `language`: Chinese characters for zh (and not the English sentence), the English words for en."""
    if language == "zh":
        assert HAN.search(text) and english not in text, text
    else:
        assert english in text and not HAN.search(text), text


def same_failure(client: Any, language: str, method: str, url: str, status: int, english: str,
                 api: dict[str, Any] | None, data: dict[str, str] | None = None) -> str:
    """The failure as a page in `language` (its detail line returned) and, when `api` is given, as the JSON
    answer, which must be exactly `api`."""
    page = client.request(method, url, data=data, headers=reader(client, language))
    assert page.status_code == status
    reads(detail(page.text), language, english)
    if api is not None:
        answer = client.request(method, url, data=data, headers=JSON)
        assert answer.status_code == status and answer.json() == api
    return detail(page.text)


class TestTheErrorPageSpeaksTheReadersLanguage:
    @LANGUAGES
    def test_a_case_that_does_not_exist_is_404_in_the_readers_language(
            self, client: Any, world: Any, language: str) -> None:
        staff_signs_in(client, "web-agent")
        same_failure(client, language, "GET", "/console/cases/B-NOBODY", 404, "no such case", {"error": "no such case"})

    @LANGUAGES
    def test_a_visit_that_does_not_exist_is_404_with_its_id(self, client: Any, world: Any, language: str) -> None:
        staff_signs_in(client, "web-supervisor")
        said = same_failure(client, language, "GET", "/console/visits/V-NOPE", 404, "not found",
                            {"error": "visit V-NOPE not found", "code": "not_found"})
        assert "V-NOPE" in said

    @LANGUAGES
    def test_a_second_visit_on_a_loan_is_409_in_the_readers_language(
            self, client: Any, world: Any, language: str) -> None:
        staff_signs_in(client, "web-agent")
        page = client.get(f"/console/cases/{world.visit_borrower}").text
        same_failure(client, language, "POST", "/console/loans/L-B1/visit", 409, "already has an open visit",
                     {"error": "visit_already_open: loan L-B1 already has an open visit", "code": "visit_already_open"},
                     data={"csrf_token": token(page)})

    @LANGUAGES
    def test_a_notice_answer_the_workflow_refuses_is_409_with_its_states_labelled(
            self, client: Any, world: Any, language: str) -> None:
        borrower_signs_in(client, world.visit_phone)
        page = client.get(f"/portal/notices/{world.notice_b1}").text
        said = same_failure(client, language, "POST", f"/portal/notices/{world.notice_b1}/decision", 409,
                            "cannot answer", {"error": "consent_step_not_allowed: cannot answer withdrawn now "
                                                       "(current: none)", "code": "consent_step_not_allowed"},
                            data={"decision": "withdrawn", "csrf_token": token(page)})
        assert ("已撤回" if language == "zh" else "Withdrawn") in said  # the code's label, not `withdrawn`

    @LANGUAGES
    def test_a_refused_form_value_is_422_in_the_readers_language(
            self, client: Any, world: Any, language: str) -> None:
        borrower_signs_in(client, world.plan_phone)
        page = client.get("/portal/video").text
        same_failure(client, language, "POST", "/portal/video/book", 422, "choose one of the times shown",
                     {"error": "slot: choose one of the times shown", "code": "invalid"},
                     data={"slot": "not a time", "mode": "video", "csrf_token": token(page)})

    @LANGUAGES
    def test_an_invalid_form_is_422_naming_the_fields_label(self, client: Any, world: Any, language: str) -> None:
        borrower_signs_in(client, world.plan_phone)
        page = client.get("/portal/promise").text
        said = same_failure(client, language, "POST", "/portal/promise", 422, "required",
                            {"error": "invalid input", "code": "invalid", "problems": ["amount: Field required"]},
                            data={"loan_id": "L-B2", "promised_date": "2030-01-01", "csrf_token": token(page)})
        assert ("金额" if language == "zh" else "Amount") in said

    @LANGUAGES
    def test_a_page_the_role_may_not_open_is_403_in_the_readers_language(
            self, client: Any, world: Any, language: str) -> None:
        staff_signs_in(client, "web-agent")
        same_failure(client, language, "GET", "/console/inbox", 403, "your role may not", None)
        answer = client.get("/console/inbox", headers=JSON)
        assert answer.status_code == 403 and answer.json()["error"].startswith("your role may not ")

    @LANGUAGES
    def test_a_form_without_its_token_is_403_in_the_readers_language(
            self, client: Any, world: Any, language: str) -> None:
        borrower_signs_in(client, world.plan_phone)
        same_failure(client, language, "POST", "/portal/promise", 403, "CSRF token missing or wrong",
                     {"error": "CSRF token missing or wrong; reload the page and retry"},
                     data={"loan_id": "L-B2", "promised_date": "2030-01-01", "amount": "5"})

    @LANGUAGES
    def test_too_many_sign_in_attempts_are_429_in_the_readers_language(
            self, client: Any, world: Any, language: str) -> None:
        page = client.get("/console/signin").text
        form = {"username": "web-agent", "password": "wrong", "csrf_token": token(page)}
        for _ in range(10):
            client.post("/auth/login", data=form, headers=JSON)
        same_failure(client, language, "POST", "/auth/login", 429, "Too many attempts", None, data=form)
        reader(client, "en")  # the sign-in API answers in the caller's language, as it always has
        answer = client.post("/auth/login", data=form, headers=JSON)
        assert answer.status_code == 429 and answer.json() == {"error": "Too many attempts; wait 15 minutes."}


class TestAFormShownAgainSaysWhyInTheReadersLanguage:
    @LANGUAGES
    def test_a_refused_upload_says_why_in_the_readers_language_and_the_api_in_both(
            self, client: Any, world: Any, language: str) -> None:
        borrower_signs_in(client, world.visit_phone)
        page = client.get("/portal/documents").text
        form = {"csrf_token": token(page), "kind": "income"}
        empty = {"file": ("payslip.pdf", b"", "application/pdf")}
        r = client.post("/portal/documents", data=form, files=empty, headers=reader(client, language))
        assert r.status_code == 422
        said = re.search(r'data-testid="upload-error"[^>]*>(.*?)</p>', r.text, re.DOTALL)
        assert said and said.group(1) == ("文件为空" if language == "zh" else "the file is empty"), r.text[:300]
        api = client.post("/portal/documents", data=form, files=empty, headers=JSON)
        assert api.json() == {"error": "document: the file is empty / 文件为空", "code": "empty"}

    @LANGUAGES
    def test_an_empty_note_on_the_case_page(self, client: Any, world: Any, language: str) -> None:
        staff_signs_in(client, "web-agent")
        page = client.get(f"/console/cases/{world.plan_borrower}").text
        headers = reader(client, language)
        r = client.post(f"/console/cases/{world.plan_borrower}/notes", data={"text": "   ", "csrf_token": token(page)},
                        headers=headers)
        assert r.status_code == 422
        reads(case_error(r.text), language, "note: write something")


class TestAFormsProblemsAsSentences:
    def test_a_validators_marked_words_are_translated_and_unmarked_ones_kept_as_the_reason(self) -> None:
        from duecare.kit.errors import Message
        from duecare.web.problems import problem

        marked = {"type": "value_error", "loc": ("body", "amount"),
                  "ctx": {"error": ValueError(Message("at least {amount}", amount="50.00"))}}
        assert problem(marked, "zh_CN") == "金额：至少 50.00" and problem(marked, "en") == "Amount: at least 50.00"
        unmarked = {"type": "value_error", "loc": ("body", "hours", 0), "ctx": {"error": ValueError("end < start")}}
        assert problem(unmarked, "zh_CN") == "hours.0：该值无效（end < start）"
        assert problem(unmarked, "en") == "hours.0: end < start"

    def test_the_shared_bounds_of_a_day_read_in_chinese_while_pydantics_line_stays_english(self) -> None:
        from pydantic import BaseModel, ValidationError

        from duecare.kit.bounds import Day
        from duecare.web.problems import problem

        class Form(BaseModel):
            date: Day

        with pytest.raises(ValidationError) as refused:
            Form.model_validate({"date": "1066-10-14"})
        error = refused.value.errors()[0]
        assert error["msg"] == "Value error, must be between 1900 and 2200"  # what the JSON API lists
        assert problem(error, "zh_CN") == "日期：须在 1900 到 2200 年之间"

    def test_a_missing_body_is_named_the_form(self) -> None:
        from duecare.web.problems import problem

        assert problem({"type": "missing", "loc": ("body",)}, "zh_CN") == "表单：必填"
