"""Issue 15 items 2-3: every visit notice, for every pack and language, carries each required element and tells
the truth about what follows a decline, a withdrawal or silence; SMS and email about a visit say nothing of it
before they are opened."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from duecare.kit.db import unit_of_work
from duecare.kit.settings import get_settings
from duecare.privacy.permissions import Actor
from duecare.visits import notice, service
from duecare.visits.messages import neutral_subject
from duecare.visits.models import VisitMessage
from duecare.visits.scope import load_visit_policy

from .factories import AS_OF, assign, eligible_borrower, team

# (element, words that show it) per language; every pack's notice must contain each.
COMMON: dict[str, dict[str, list[str]]] = {
    "lender name and contact": {"en": ["## Who we are", "Contact us in the portal"], "zh": ["## 我们是谁", "联系方式"]},
    "purpose": {"en": ["## Purpose"], "zh": ["## 走访目的"]},
    "scope": {"en": ["## What we will ask"], "zh": ["## 我们会询问的内容"]},
    "what will not happen": {"en": ["## What we will not do"], "zh": ["## 我们不会做的事"]},
    "recording": {"en": ["## Recording"], "zh": ["## 录音录像"]},
    "intended outcome": {"en": ["## Intended outcome", "Intended outcome"], "zh": ["## 预期结果"]},
    "after decline, withdrawal or silence": {
        "en": ["decline, withdraw your consent or do not answer", "remote", "help",
               "No legal step follows automatically"],
        "zh": ["拒绝、撤回同意或未作答复", "远程", "帮助", "不会自动引发任何法律程序"]},
    "silence": {"en": ["nobody will visit: we will keep in touch only remotely and offer you help"],
                "zh": ["我们不会上门，仅会通过远程方式与您联系并提供帮助"]},
    "retention": {"en": ["Retention:"], "zh": ["保存期限："]},
    "personal information": {"en": ["## Your personal information"], "zh": ["## 您的个人信息"]},
    "rights": {"en": ["## Your rights"], "zh": ["## 您的权利"]},
    "complaint channel": {"en": ["“Complaint” in the portal"], "zh": ["选择“投诉”"]},
    "how to answer": {"en": ["Withdraw consent"], "zh": ["撤回同意"]},
}
PACK: dict[str, dict[str, list[str]]] = {
    "cn": {"en": ["12348", "recorded (audio and video)", "Purpose:", "kept for 2 years", "sensitive personal information",
                  "separate, explicit consent"],
           "zh": ["12348", "录音录像", "目的", "保存2年", "敏感个人信息", "单独、明确同意"]},
    "us": {"en": ["lawhelp.org", "credit counseling", "debt collector", "kept for 3 years", "not recorded"],
           "zh": ["lawhelp.org", "信用咨询", "债务催收方", "保存3年", "不录音录像"]},
    "uk": {"en": ["MoneyHelper", "financial-ombudsman.org.uk", "Intended outcome of the visit", "kept for 6 years"],
           "zh": ["MoneyHelper", "financial-ombudsman.org.uk", "上门的预期结果", "保存6年"]},
}
NEVER_SAID = {"en": ["legal review", "refer the"], "zh": ["提交法律评估"]}


def rendered(pack: str, language: str) -> str:
    return notice.render(pack=pack, language=language, policy=load_visit_policy(), notice_id="VN-1", loan_id="L1",
                         borrower_name="Alex", sent_on=date(2026, 11, 12)).text


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("pack", ["cn", "us", "uk"])
def test_every_required_element_is_in_the_notice(pack: str, language: str) -> None:
    text = rendered(pack, language)
    missing = [f"{element}: {w!r}" for element, words in COMMON.items() for w in words[language] if w not in text]
    missing += [f"{pack}: {w!r}" for w in PACK[pack][language] if w not in text]
    assert missing == [], "\n".join(missing)
    assert get_settings().brand in text
    said = [w for w in NEVER_SAID[language] if w in text]
    assert said == [], f"the notice promises or threatens an automatic legal step: {said}"


def test_a_recorded_visit_is_never_promised_to_be_unfilmed() -> None:
    for language in ("en", "zh"):
        text = rendered("cn", language)
        assert "No photos or video" not in text and "不拍摄住所照片或视频" not in text


def test_the_lender_name_is_the_configured_brand(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECARE_BRAND", "Acme Credit")
    assert "Acme Credit" in rendered("uk", "en") and "Acme Credit" in rendered("cn", "zh")


def test_visit_sms_and_email_say_nothing_of_a_visit_or_a_debt(sqlite_url: str) -> None:
    agent = Actor("staff", "A1", "agent")
    with unit_of_work(sqlite_url) as s:
        team(s)
        eligible_borrower(s)
        assign(s, "B1", "A1")
    with unit_of_work(sqlite_url) as s:
        visit = service.propose(service.Ctx(session=s, actor=agent, at=AS_OF), "L1").visit.id
    with unit_of_work(sqlite_url) as s:
        service.send_notice(service.Ctx(session=s, actor=agent, at=AS_OF), visit)
    with unit_of_work(sqlite_url) as s:
        rows: list[Any] = list(s.scalars(select(VisitMessage).where(VisitMessage.visit_id == visit)))
    remote = [m for m in rows if m.channel in ("sms", "email")]
    assert remote, [m.channel for m in rows]
    for m in remote:
        assert m.subject in {neutral_subject("zh"), neutral_subject("en")}
        for word in ("上门", "走访", "visit", "Visit", "debt", "欠款", "逾期", "催收"):
            assert word not in m.subject and word not in m.body.split(": http")[0], (m.channel, m.subject, m.body)
    portal = [m for m in rows if m.channel == "portal"]
    assert portal and "上门" in portal[0].body + portal[0].subject  # the full text waits behind the sign-in
