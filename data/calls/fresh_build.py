"""Write the fresh labelled split (data/calls/fresh/) from fresh_zh.py and fresh_en.py.

    .venv/bin/python data/calls/fresh_build.py

The fresh split was written by hand from the label definitions of issue 8, in styles the dev set lacks
(colloquial and regional Mandarin, ASR-like noise, rambling, interruptions, answers to the agent's question),
and committed before the analyser was run on it. Labelling decisions not spelt out by the definitions:
- "in two weeks" / 两周后 is a stated relative date: today + 14 calendar days (like 三天后 = today + 3).
- A borrower who refuses and later promises gets both `refusal` and `promise_to_pay` (intents are multi-label).
- A promise that accepts the agent's proposal ("那就下周三吧" after "下周三能还一千五吗？") takes the agent's amount.
- A promise with no amount anywhere in the call has `amount: null`.
- An agent who claims to be police or a court has not disclosed their identity (missing `agent_identity`).
- Asking "when are you going to pay" states the call purpose.
- Only the debtor's intents count: a third party asking to call back is `wrong_party` only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fresh_en  # noqa: E402
import fresh_probe  # noqa: E402
import fresh_zh  # noqa: E402

SPEAKERS = {"A": "agent", "B": "borrower", "O": "other"}
INTENTS = {"promise_to_pay", "hardship", "dispute", "wrong_party", "callback_request", "refusal", "claims_paid"}
CODES = {"threat", "abusive_language", "third_party_disclosure", "impersonation_of_authority", "false_consequence"}
DISCLOSURES = {"agent_identity", "call_purpose", "recording_notice"}
CATEGORIES = {"job_loss", "illness", "income_drop", "family_emergency", "disaster", "other"}


def build(lang: str, calls: list[dict], out: Path, split: str = "fresh", prefix: str = "f") -> list[dict]:
    rows = []
    for n, call in enumerate(calls):
        turns = []
        for line in call["turns"]:
            tag, text = line.split(":", 1)
            turns.append({"speaker": SPEAKERS[tag.strip()], "text": text.strip()})
        intents = sorted(call["intents"])
        assert set(intents) <= INTENTS, intents
        assert ("promise_to_pay" in intents) == ("promise" in call), (lang, n)
        assert ("hardship" in intents) == ("hardship" in call), (lang, n)
        if "hardship" in call:
            assert call["hardship"] in CATEGORIES
        violations = [{"code": code, "turn": turn} for code, turn in call.get("violations", [])]
        for v in violations:
            assert v["code"] in CODES and turns[v["turn"]]["speaker"] == "agent", (lang, n, v)
        missing = sorted(call.get("missing", []))
        assert set(missing) <= DISCLOSURES
        if "wrong_party" in intents:
            assert not missing, "disclosures are judged only on calls that reach the debtor"
        call_id = f"{lang}-{prefix}{n:03d}"
        transcript = {"lang": lang, "as_of": call["as_of"], "turns": turns}
        expected = {"intents": intents, "promise": call.get("promise"),
                    "hardship": {"category": call["hardship"]} if "hardship" in call else None,
                    "violations": violations, "missing_disclosures": missing}
        (out / f"{call_id}.json").write_text(json.dumps(transcript, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        (out / f"{call_id}.expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        rows.append({"id": call_id, "lang": lang, "source": "fresh", "split": split})
    return rows


def main() -> None:
    out = HERE / "fresh"
    out.mkdir(exist_ok=True)
    for old in out.glob("*.json"):
        old.unlink()
    rows = build("zh", fresh_zh.CALLS, out) + build("en", fresh_en.CALLS, out)
    rows += build("zh", fresh_probe.ZH, out, "probe", "p") + build("en", fresh_probe.EN, out, "probe", "p")
    (out / "index.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    print(f"wrote {len(rows)} calls: fresh zh={len(fresh_zh.CALLS)} en={len(fresh_en.CALLS)}, "
          f"probe zh={len(fresh_probe.ZH)} en={len(fresh_probe.EN)}", file=sys.stderr)


if __name__ == "__main__":
    main()
