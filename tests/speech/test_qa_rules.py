"""Call-QA findings name the pack rule they breach (issue 15 item 7): the pack schema knows exactly the codes speech
emits, every rule's `qa` codes are among them, every code is either a rule of each pack or explicitly held only to
the lender's own call standard there, and a saved call shows the rule and its source on the case timeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.speech.conftest import call
from tests.speech.test_record_call import THREAT, add_case

from duecare.console.timeline import timeline
from duecare.kit.db import unit_of_work
from duecare.kit.errors import PolicyError
from duecare.ledger.models import Borrower, Jurisdiction
from duecare.policy import loader
from duecare.policy.loader import PACK_NAMES, load_pack
from duecare.speech.analysis import analyze_transcript
from duecare.speech.events import call_events
from duecare.speech.qa import CODES, DISCLOSURE_CODES, QA_CODES
from duecare.speech.qa_bank import VIOLATION_BANK
from duecare.speech.service import analyze_and_record

# Per pack, the codes no rule of the pack covers (regulations.md has no row for them there): shown as breaching
# the lender's call standard. Every other code must name at least one rule.
LENDER_STANDARD = {
    # cn_banned_conduct bans intimidation, not insults; no cn row requires the agent's name, the purpose or a
    # recording notice (cn_records is the lender keeping recordings, not telling the debtor).
    "cn": {"abusive_language", "missing_agent_identity", "missing_call_purpose", "missing_recording_notice"},
    # The us pack has no 1692e row (false representations: government affiliation, arrest), and no rule asks
    # for a recording notice.
    "us": {"impersonation_of_authority", "false_consequence", "missing_recording_notice"},
    # CONC rows in the table: no insult, identity, purpose-of-call or recording-notice duty on calls.
    "uk": {"abusive_language", "missing_agent_identity", "missing_call_purpose", "missing_recording_notice"},
}


def _schema_enum() -> list[str]:
    schema = json.loads((Path(loader.__file__).parent / "schemas" / "pack.schema.json").read_text(encoding="utf-8"))
    return list(schema["$defs"]["rule"]["properties"]["qa"]["items"]["enum"])


def test_the_pack_schema_lists_exactly_the_codes_speech_emits() -> None:
    assert _schema_enum() == list(QA_CODES)
    assert CODES + tuple(f"missing_{c}" for c in DISCLOSURE_CODES) == QA_CODES
    assert set(VIOLATION_BANK) <= set(CODES)  # the semantic layer emits no code of its own


def test_the_codes_a_call_emits_are_qa_codes() -> None:
    analysis = analyze_transcript(call("zh", "A: 喂，你好。", "B: 喂？", f"A: {THREAT}", "A: 你这个老赖。"))
    emitted = [e["code"] for e in call_events(analysis) if e["kind"] == "qa_finding"]
    assert emitted == ["threat", "abusive_language", "missing_agent_identity", "missing_call_purpose",
                       "missing_recording_notice"]
    assert set(emitted) <= set(QA_CODES)


@pytest.mark.parametrize("name", PACK_NAMES)
def test_every_rule_lists_only_qa_codes_and_applies_to_calls(name: str) -> None:
    pack = load_pack(name)
    listed = [r for r in pack.rules if r.qa]
    assert listed
    for rule in listed:
        assert set(rule.qa) <= set(QA_CODES), rule.id
        assert len(set(rule.qa)) == len(rule.qa), rule.id
        # uk_privacy keeps regulations.md's scope (V, M); its source keeps third parties unaware on a call too
        assert "C" in rule.scope or rule.id == "uk_privacy", rule.id


@pytest.mark.parametrize("name", PACK_NAMES)
def test_every_code_names_a_rule_or_is_explicitly_the_lenders_standard(name: str) -> None:
    pack = load_pack(name)
    uncovered = {code for code in QA_CODES if not pack.breached_by(code)}
    assert uncovered == LENDER_STANDARD[name]


def test_breached_by_returns_the_rules_that_list_the_code_in_pack_order() -> None:
    cn, us, uk = load_pack("cn"), load_pack("us"), load_pack("uk")
    assert [r.id for r in cn.breached_by("threat")] == ["cn_banned_conduct"]
    assert [r.id for r in cn.breached_by("third_party_disclosure")] == ["cn_debtor_only"]
    assert [r.id for r in us.breached_by("missing_agent_identity")] == ["us_harass"]
    assert [r.id for r in us.breached_by("missing_call_purpose")] == ["us_disclosure"]
    assert [r.id for r in us.breached_by("third_party_disclosure")] == ["us_third_party"]
    assert [r.id for r in uk.breached_by("false_consequence")] == ["uk_misrep"]
    assert [r.id for r in uk.breached_by("third_party_disclosure")] == ["uk_privacy"]
    assert cn.breached_by("abusive_language") == () and cn.breached_by("no_such_code") == ()
    assert all(r.id != "crim_bg" for code in QA_CODES for r in cn.breached_by(code))


def test_a_pack_with_an_unknown_qa_code_is_refused_on_load(tmp_path: Path) -> None:
    text = (Path(loader.__file__).parent / "packs" / "cn.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "cn-bad.yaml"
    bad.write_text(text.replace("qa: [third_party_disclosure]", "qa: [third_party_disclosure, rudeness]", 1),
                   encoding="utf-8")
    with pytest.raises(PolicyError, match="rudeness"):
        load_pack(str(bad))


@pytest.mark.parametrize(("jurisdiction", "threat_rule", "identity_rule"), [
    ("cn", "cn_banned_conduct", None), ("us", "us_harass", "us_harass"), ("uk", "uk_misrep", None)])
def test_a_saved_call_shows_the_rules_of_the_borrowers_pack_on_the_timeline(
        db_url: str, jurisdiction: str, threat_rule: str, identity_rule: str | None) -> None:
    with unit_of_work(db_url) as s:
        loan = add_case(s)
        s.get_one(Borrower, "B1").jurisdiction = Jurisdiction(jurisdiction)
    transcript = call("zh", "A: 喂，你好。", "B: 嗯，你说。", f"A: {THREAT}", "B: 好的。")
    with unit_of_work(db_url) as s:
        analyze_and_record(s, "B1", loan, transcript, "S1")
        (item,) = [i for i in timeline(s, "B1") if i.kind == "call"]
    pack = load_pack(jurisdiction)
    (finding,) = item.detail["qa_findings"]
    rule = pack.rule(threat_rule)
    assert finding["rules"] == [{"id": rule.id, "title": rule.description, "source": rule.source}]
    missing = {m["code"]: [r["id"] for r in m["rules"]] for m in item.detail["missing_disclosures"]}
    assert missing == {"agent_identity": [identity_rule] if identity_rule else [],
                       "call_purpose": ["us_disclosure"] if jurisdiction == "us" else [],
                       "recording_notice": []}
    assert f"breaches {threat_rule}" in item.title
    assert "recording_notice (breaches the lender's call standard)" in item.title

