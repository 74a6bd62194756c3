"""Build the labelled call development set: templated calls plus the hand-written ones.

    .venv/bin/python data/calls/build.py        # rewrites data/calls/dev/ and data/calls/index.jsonl

Each call is `dev/<id>.json` (the transcript) and `dev/<id>.expected.json` (its labels, the published output
shape). index.jsonl lists id, lang, source (template | hand) and split (tune | heldout). The split is fixed by
a hash of the id: 30 % held out, never looked at while tuning the lexicon.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import handwritten_en
import handwritten_zh
import phrases as P

AS_OFS = {"zh": ["2026-11-12T10:00:00+08:00", "2026-11-30T15:20:00+08:00", "2026-12-19T09:05:00+08:00",
                 "2027-01-06T11:30:00+08:00", "2026-10-31T14:00:00+08:00", "2027-02-15T10:10:00+08:00",
                 "2026-11-16T16:45:00+08:00"],
          "en": ["2026-11-12T10:00:00-05:00", "2026-11-30T15:20:00-06:00", "2026-12-19T09:05:00-08:00",
                 "2027-01-06T11:30:00-05:00", "2026-10-31T14:00:00+00:00", "2027-02-15T10:10:00-05:00",
                 "2026-11-16T16:45:00-07:00"]}

ZH_OPEN = [  # (text, disclosures made)
    ("您好，我是{lender}的客服{agent}，本次通话会录音，来电是关于您的借款还款。", {"agent_identity", "call_purpose", "recording_notice"}),
    ("{name}您好，我是{lender}的工作人员{agent}，通话全程录音，提醒您这期账单已经逾期了。", {"agent_identity", "call_purpose", "recording_notice"}),
    ("喂，您好，这里是{lender}贷后中心，我是{agent}，电话会录音，找您是关于您的贷款逾期的事。", {"agent_identity", "call_purpose", "recording_notice"}),
    ("喂，您好，我是{lender}的{agent}，找您是关于您的借款逾期的事。", {"agent_identity", "call_purpose"}),
    ("喂，你那笔借款逾期了知道吗？电话有录音。", {"call_purpose", "recording_notice"}),
    ("您好，我是{lender}的{agent}，本次通话会被录音。", {"agent_identity", "recording_notice"}),
    ("喂，{name}吗？你的贷款已经逾期好几天了。", {"call_purpose"}),
]
EN_OPEN = [
    ("Hi, this is {agent} from {lender}. This call is recorded, and I'm calling about your loan.", {"agent_identity", "call_purpose", "recording_notice"}),
    ("Good morning, my name is {agent} with {lender}. This is an attempt to collect a debt and this call may be recorded.", {"agent_identity", "call_purpose", "recording_notice"}),
    ("Hello {name}, this is {agent} calling from {lender} regarding your past due balance. Calls are recorded for quality.", {"agent_identity", "call_purpose", "recording_notice"}),
    ("Hi, this is {agent} from {lender}, I'm calling about your loan payment.", {"agent_identity", "call_purpose"}),
    ("Hey, your account is past due. Just so you know this call is recorded.", {"call_purpose", "recording_notice"}),
    ("Hi, this is {agent} with {lender}, and this call is being recorded.", {"agent_identity", "recording_notice"}),
    ("Hello {name}? You're overdue on your loan.", {"call_purpose"}),
]
ALL_DISCLOSURES = {"agent_identity", "call_purpose", "recording_notice"}

ZH_VIOLATIONS = {
    "threat": ["你再不还，我们就通知你的家人和单位。", "不还的话我们会把你的事发到你们小区群里。", "你小心点，我们有的是办法让你抬不起头。"],
    "abusive_language": ["你这个老赖，借了钱就想赖账？", "你是不是脑子有病，这点钱都拖？", "真是不要脸，说好的又不还。"],
    "false_consequence": ["再不还你就等着坐牢吧。", "你的征信会被永久拉黑，一辈子都贷不了款。", "不还钱会影响你孩子以后上学和考公务员。"],
    "impersonation_of_authority": ["我这边是法院执行局的，你的案子已经立案了。", "我们是公安经侦的，现在正式通知你。"],
}
EN_VIOLATIONS = {
    "threat": ["If you don't pay, we'll tell your employer and your family.", "We'll post about this on your Facebook so everyone knows.",
               "You'd better watch your back if this doesn't get paid."],
    "abusive_language": ["You're just a deadbeat who doesn't pay his bills.", "Don't be stupid, it's a small amount.", "Honestly, that's pathetic."],
    "false_consequence": ["If you don't pay, you're going to jail.", "You'll be blacklisted and never get a loan again.",
                          "We can have you arrested for this."],
    "impersonation_of_authority": ["This is Officer Brown from the county sheriff's office.", "I'm calling from the district court about your case."],
}
ZH_SAFE_AGENT = ["逾期可能会影响您的征信记录，建议尽快处理。", "您的信息我们会严格保密，不会告诉任何其他人。",
                 "如果对账单有异议，您可以向我们提出，也可以向监管部门投诉。", "好的，我这边给您备注一下。", "理解您的情况，我们可以一起想办法。"]
EN_SAFE_AGENT = ["Late payments may be reported to the credit bureaus, so it's best to sort it out.", "Everything we discuss is confidential, we won't share it with anyone.",
                 "If you think the amount is wrong, you can dispute it in writing.", "Okay, I've made a note of that.", "I understand, let's see what we can work out."]


def _fmt(text: str, ctx: dict[str, str]) -> str:
    return text.format(**ctx)


def _dates(lang: str, today: date, rng: random.Random) -> tuple[str, str]:
    table = P.ZH_DATES if lang == "zh" else P.EN_DATES
    while True:
        phrase, fn = rng.choice(table)
        value = fn(today)
        if value is not None:
            return phrase, value.isoformat()


def _borrower(lang: str, scenario: str, today: date, rng: random.Random) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """Borrower (and agent follow-up) turns for one scenario, with its expected labels."""
    zh = lang == "zh"
    amount_text, amount = rng.choice(P.ZH_AMOUNTS if zh else P.EN_AMOUNTS)
    when_text, when = _dates(lang, today, rng)
    causes = P.ZH_CAUSES if zh else P.EN_CAUSES
    category = rng.choice(sorted(causes))
    cause = rng.choice(causes[category])
    exp: dict[str, Any] = {"intents": set(), "promise": None, "hardship": None}
    B = "borrower"
    if scenario == "promise":
        forms = (["{w}我还{a}。", "行，{w}之前我把{a}转过去。", "我{w}先还{a}，剩下的下个月再还。", "这样吧，{w}我一定还{a}。", "{w}发工资，我{w}还{a}。"]
                 if zh else ["I'll pay {a} {w}.", "Okay, I can send {a} {w}.", "I'll make a payment of {a} {w}, I promise.",
                             "Put me down for {a} {w}.", "Fine. {a}, {w}. I'll pay it."])
        text = rng.choice(forms).format(w=when_text, a=amount_text)
        exp.update(intents={"promise_to_pay"}, promise={"date": when, "amount": amount})
        return [(B, text)], exp
    if scenario == "hardship_promise":
        text = (f"{cause}，不过{when_text}我先还{amount_text}。" if zh else f"{cause.capitalize()}, but I'll pay {amount_text} {when_text}.")
        exp.update(intents={"promise_to_pay", "hardship"}, promise={"date": when, "amount": amount}, hardship={"category": category})
        return [(B, text)], exp
    if scenario == "hardship_hedge":
        forms = (["{c}，{w}我尽量还一点，但不能保证。", "{c}，真的没办法，等找到钱再说吧。", "{c}，看情况吧，可能{w}能还{a}。"]
                 if zh else ["{C}. I'll try to pay something {w}, but I can't promise.", "{C}, so maybe {w} I can do {a}, I'm not sure.",
                             "{C}. I can't promise anything until things get better."])
        text = rng.choice(forms).format(c=cause, C=cause.capitalize(), w=when_text, a=amount_text)
        exp.update(intents={"hardship"}, hardship={"category": category})
        return [(B, text)], exp
    if scenario == "hedge":
        forms = (["{w}我尽量还{a}吧。", "看情况吧，如果{w}发工资就还{a}。", "我不能保证{w}能还上。", "每个月还三百行不行？", "{w}可能能还{a}，我也说不准。", "我没钱，真的没钱。"]
                 if zh else ["I'll try to pay {a} {w}.", "Maybe {w}, if my check clears.", "I can't promise I'll have it {w}.",
                             "Could I just do fifty dollars a month?", "I don't have any money right now.", "Hopefully I can send {a} {w}."])
        exp["intents"] = set()
        return [(B, rng.choice(forms).format(w=when_text, a=amount_text))], exp
    if scenario == "accept":
        ask = f"那您{when_text}能先还{amount_text}吗？" if zh else f"Could you pay {amount_text} {when_text}?"
        yes = rng.choice(["可以，没问题。", "行，就这么定了。", "好的，我会还的。"] if zh else ["Yes, that works.", "Okay, I can do that.", "Sure, deal."])
        exp.update(intents={"promise_to_pay"}, promise={"date": when, "amount": amount})
        return [(B, "嗯，我知道逾期了。" if zh else "Yeah, I know I'm behind."), ("agent", ask), (B, yes)], exp
    if scenario == "refusal":
        forms = (["我不会还的，你们别打了。", "不还，爱怎么样怎么样。", "凭什么还？你们利息那么高。", "一分钱都不会给你们。"]
                 if zh else ["I'm not paying, stop calling me.", "I won't pay this, period.", "You're not getting a dime from me.", "I have no intention of paying."])
        exp["intents"] = {"refusal"}
        return [(B, rng.choice(forms))], exp
    if scenario == "not_refusal":
        forms = (["我不是不想还，是真的手头紧。", "我没说不还啊，只是现在没钱。"] if zh
                 else ["It's not that I won't pay, I just don't have it right now.", "I'm not refusing, I just need some time."])
        exp["intents"] = set()
        return [(B, rng.choice(forms))], exp
    if scenario == "claims_paid":
        forms = (["我昨天已经还了啊，你们查一下。", "上周就还清了，我有转账记录。", "钱早就转过去了，怎么还打电话？"]
                 if zh else ["I already paid that last week.", "I paid it off yesterday, check again.", "It's been paid, I have the receipt."])
        exp["intents"] = {"claims_paid"}
        return [(B, rng.choice(forms))], exp
    if scenario == "not_paid_yet":
        text = f"我还没还，{when_text}还{amount_text}。" if zh else f"I haven't paid yet, but I'll pay {amount_text} {when_text}."
        exp.update(intents={"promise_to_pay"}, promise={"date": when, "amount": amount})
        return [(B, text)], exp
    if scenario == "dispute":
        forms = (["我从来没在你们那借过钱。", "这个金额不对，我只借了两千。", "哪来的这么多利息？我不认这个账。", "不是我借的，我身份证被人冒用了。"]
                 if zh else ["I never borrowed any money from you.", "That amount is wrong, I only borrowed five hundred.",
                             "That's not my loan, someone used my identity.", "I don't owe that much, the fees are wrong."])
        exp["intents"] = {"dispute"}
        return [(B, rng.choice(forms))], exp
    if scenario == "callback":
        forms = (["我在开会，你晚点再打吧。", "现在不方便，明天下午再联系我。", "我在开车，过半小时再打过来。"]
                 if zh else ["I'm driving, can you call me back later?", "It's not a good time, call me tomorrow.", "I'm at work, call back after five."])
        exp["intents"] = {"callback_request"}
        return [(B, rng.choice(forms))], exp
    if scenario == "stop_calling":
        exp["intents"] = set()
        return [(B, "别再打了，烦不烦。" if zh else "Stop calling me so much.")], exp
    raise ValueError(scenario)


SCENARIOS = ["promise", "hardship_promise", "hardship_hedge", "hedge", "accept", "refusal", "not_refusal", "claims_paid",
             "not_paid_yet", "dispute", "callback", "stop_calling"]


def _wrong_party_call(lang: str, ctx: dict[str, str], rng: random.Random) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    zh = lang == "zh"
    disclose = rng.random() < 0.5
    if zh:
        first = (f"请问是{ctx['name']}吗？您在我们{ctx['lender']}的借款已经逾期了。" if disclose
                 else f"您好，请问是{ctx['name']}本人吗？我是{ctx['lender']}的{ctx['agent']}。")
        reply = rng.choice(["你打错了，我不认识这个人。", "我不是他本人，我是他同事。", "我是他老婆，他出去了。", "这个号码是我新办的，没有这个人。"])
        close = rng.choice(["好的，打扰了。", "那麻烦您转告他回个电话，谢谢。"])
    else:
        first = (f"Is this {ctx['name']}? I'm calling about the overdue loan with {ctx['lender']}." if disclose
                 else f"Hi, may I speak with {ctx['name']}? This is {ctx['agent']} from {ctx['lender']}.")
        reply = rng.choice(["Sorry, wrong number.", "No, I'm his wife, he's not home.", "There's no one here by that name.", "I'm his roommate, he moved out."])
        close = rng.choice(["Sorry to bother you.", "Could you ask him to call us back? Thanks."])
    turns = [("agent", first), ("other", reply), ("agent", close)]
    exp: dict[str, Any] = {"intents": {"wrong_party"}, "promise": None, "hardship": None,
                           "violations": [{"code": "third_party_disclosure", "turn": 0}] if disclose else [], "missing": []}
    if rng.random() < 0.3:
        leak = (f"你告诉他，他欠我们{rng.choice(['三千块', '五千多'])}，再不还就麻烦了。" if zh
                else "Tell him he owes us twelve hundred dollars and he needs to pay.")
        turns.insert(2, ("agent", leak))
        exp["violations"].append({"code": "third_party_disclosure", "turn": 2})
    return turns, exp


def templated(lang: str, n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        as_of = rng.choice(AS_OFS[lang])
        today = datetime.fromisoformat(as_of).date()
        zh = lang == "zh"
        ctx = {"lender": rng.choice(P.ZH_LENDERS if zh else P.EN_LENDERS), "agent": rng.choice(P.ZH_AGENTS if zh else P.EN_AGENTS),
               "name": rng.choice(P.ZH_BORROWERS if zh else P.EN_BORROWERS)}
        if i % 9 == 4:
            turns, exp = _wrong_party_call(lang, ctx, rng)
            violations, missing = exp["violations"], []
        else:
            opening, made = rng.choice(ZH_OPEN if zh else EN_OPEN)
            scenario = SCENARIOS[i % len(SCENARIOS)] if i < len(SCENARIOS) * 2 else rng.choice(SCENARIOS)
            body, exp = _borrower(lang, scenario, today, rng)
            turns = [("agent", _fmt(opening, ctx))] + body
            violations = []
            if rng.random() < 0.3:
                code = rng.choice(sorted(ZH_VIOLATIONS))
                if code == "impersonation_of_authority" and "agent_identity" not in made:
                    code = "threat"  # a false identity is not the disclosure of one; keep the label unambiguous
                turns.append(("agent", rng.choice((ZH_VIOLATIONS if zh else EN_VIOLATIONS)[code])))
                violations.append({"code": code, "turn": len(turns) - 1})
            elif rng.random() < 0.5:
                turns.append(("agent", rng.choice(ZH_SAFE_AGENT if zh else EN_SAFE_AGENT)))
            turns.append(("agent", "好的，我这边记录一下，再见。" if zh else "Alright, I've noted that. Goodbye."))
            missing = sorted(ALL_DISCLOSURES - made)
        transcript = {"lang": lang, "as_of": as_of, "turns": [{"speaker": s, "text": t} for s, t in turns]}
        expected = {"intents": sorted(exp["intents"]), "promise": exp["promise"], "hardship": exp["hardship"],
                    "violations": violations, "missing_disclosures": missing}
        out.append({"id": f"{lang}-t{i:03d}", "source": "template", "transcript": transcript, "expected": expected})
    return out


def handwritten(lang: str) -> list[dict[str, Any]]:
    module = handwritten_zh if lang == "zh" else handwritten_en
    out = []
    for i, call in enumerate(module.CALLS):
        turns = [{"speaker": {"A": "agent", "B": "borrower", "O": "other"}[line[0]], "text": line[2:].strip()} for line in call["turns"]]
        expected = {"intents": sorted(call.get("intents", [])), "promise": call.get("promise"), "hardship": call.get("hardship"),
                    "violations": [{"code": c, "turn": t} for c, t in call.get("violations", [])],
                    "missing_disclosures": sorted(call.get("missing", []))}
        if expected["hardship"] is not None:
            expected["hardship"] = {"category": expected["hardship"]}
        out.append({"id": f"{lang}-h{i:03d}", "source": "hand",
                    "transcript": {"lang": lang, "as_of": call["as_of"], "turns": turns}, "expected": expected})
    return out


def split_of(call_id: str) -> str:
    return "heldout" if int(hashlib.sha256(call_id.encode()).hexdigest(), 16) % 10 < 3 else "tune"


def main() -> None:
    calls = templated("zh", 110, 7) + handwritten("zh") + templated("en", 70, 11) + handwritten("en")
    dev = HERE / "dev"
    dev.mkdir(exist_ok=True)
    for old in dev.glob("*.json"):
        old.unlink()
    with (HERE / "index.jsonl").open("w", encoding="utf-8") as index:
        for call in calls:
            (dev / f"{call['id']}.json").write_text(json.dumps(call["transcript"], ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            (dev / f"{call['id']}.expected.json").write_text(json.dumps(call["expected"], ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            row = {"id": call["id"], "lang": call["transcript"]["lang"], "source": call["source"], "split": split_of(call["id"])}
            index.write(json.dumps(row) + "\n")
    counts: dict[str, int] = {}
    for call in calls:
        key = f"{call['transcript']['lang']}/{call['source']}/{split_of(call['id'])}"
        counts[key] = counts.get(key, 0) + 1
    print(json.dumps(counts, indent=1, sort_keys=True), file=sys.stderr)


if __name__ == "__main__":
    main()
