"""What the borrower said: intents, the promise to pay (date and amount) and the hardship cause."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from duecare.speech import lexicon as lx
from duecare.speech.amounts import find_amounts
from duecare.speech.dates import find_dates
from duecare.speech.transcript import Transcript, Turn, clauses, sentences


@dataclass(frozen=True)
class Evidence:
    label: str
    turn: int
    quote: str


@dataclass(frozen=True)
class Promise:
    date: date
    amount: Decimal | None
    turn: int
    quote: str


def _rules(lang: str) -> dict[str, lx.Rule]:
    return lx.ZH if lang == "zh" else lx.EN


def detect_intents(t: Transcript) -> list[Evidence]:
    """Lexicon intents: the debtor's turns, and wrong_party from whoever answered."""
    found: list[Evidence] = []
    rules = _rules(t.lang)
    for turn in t.turns:
        if turn.speaker == "agent":
            continue
        labels = ("wrong_party",) if turn.speaker == "other" else tuple(rules)
        for sentence in sentences(turn.text, t.lang):
            for clause in clauses(sentence, t.lang):
                for label in labels:
                    if rules[label].search(clause):
                        found.append(Evidence(label, turn.index, clause))
    if not t.reached_borrower and any(x.speaker == "other" for x in t.turns) and not any(
            e.label == "wrong_party" for e in found):
        first = next(x for x in t.turns if x.speaker == "other")
        found.append(Evidence("wrong_party", first.index, first.text))
    if any(e.label == "claims_paid" for e in found):
        # "I don't owe you anything, I paid it last week" is a claim of payment, not a denial of the debt.
        found = [e for e in found if not (e.label == "dispute" and _is_bare_owe_denial(e.quote, t.lang))]
    return found


def _is_bare_owe_denial(quote: str, lang: str) -> bool:
    lowered = quote.lower()
    return lang == "en" and ("don't owe" in lowered or "do not owe" in lowered or "owe nothing" in lowered)


def detect_hardship(t: Transcript) -> Evidence | None:
    """The first cause of hardship the borrower names; a relative's emergency wins within a sentence, since the
    relative and what happened to them are often in different clauses ("not me, my daughter, she's in hospital")."""
    causes = lx.HARDSHIP[t.lang]
    for turn in t.turns:
        if turn.speaker != "borrower":
            continue
        parts = [c for s in sentences(turn.text, t.lang) for c in clauses(s, t.lang)]
        for category, patterns in causes.items():
            if category != "family_emergency":
                break
            for sentence in sentences(turn.text, t.lang):
                if any(p.search(sentence) for p in patterns):
                    return Evidence(category, turn.index, sentence)
        for clause in parts:
            for category, patterns in causes.items():
                if any(p.search(clause) for p in patterns):
                    return Evidence(category, turn.index, clause)
    return None


def _amount_near(clause: str, lang: str) -> Decimal | None:
    """The amount to be paid in a clause: the one after the pay verb if several."""
    amounts = find_amounts(clause, lang)
    if not amounts:
        return None
    verb = lx.PAY_VERBS[lang].search(clause)
    if verb:
        after = [a for a in amounts if a.start >= verb.start()]
        if after:
            return after[0].value
    return amounts[-1].value


def _is_pay_proposal(turn: Turn, lang: str) -> bool:
    return bool(lx.PAY_VERBS[lang].search(turn.text) or find_amounts(turn.text, lang))


_QUESTION = re.compile(r"[？?]|吗|呢|多少|什么时候|哪天|\b(?:when|what|how much|can you|could you|would you)\b", re.IGNORECASE)


def _future_dates(text: str, t: Transcript) -> list[date]:
    return [d.value for d in find_dates(text, t.lang, t.today) if d.value >= t.today]


def negated(clause: str, lang: str) -> bool:
    """A clause that says the borrower cannot or will not pay; two cancelling negations (不是不还) do not count."""
    return bool(lx.NEGATIONS[lang].search(lx.DOUBLE_NEGATIONS[lang].sub(" ", clause)))


def firm_parts(sentence: str, lang: str) -> list[str]:
    """The parts of a sentence a promise may come from. A hedge (尽量, "I'll try") makes the whole sentence
    tentative, except a part that is itself firm (肯定, "definitely") and set off from the hedge by a contrast."""
    if not lx.HEDGES[lang].search(sentence):
        return [sentence]
    parts = [p for p in lx.CONTRASTS[lang].split(sentence) if p and p.strip()]
    if len(parts) < 2:
        return []
    return [p for p in parts if not lx.HEDGES[lang].search(p) and lx.CERTAINTY[lang].search(p)]


def _payment_amounts(clause: str, lang: str) -> list[Decimal]:
    """Amounts in a clause that can be a payment (not income, debt or balance talk)."""
    if lx.NOT_PAYMENT_AMOUNT[lang].search(clause):
        return []
    return [a.value for a in find_amounts(clause, lang)]


def _promise_in_turn(t: Transcript, turn: Turn, previous_agent: Turn | None) -> Promise | None:
    """The last firm commitment in a borrower turn; hedged sentences and negated clauses never count."""
    lang = t.lang
    paid_rule = _rules(lang)["claims_paid"]
    agent_asked = previous_agent is not None and bool(lx.PAY_VERBS[lang].search(previous_agent.text)) \
        and bool(_QUESTION.search(previous_agent.text))
    callback_rule = _rules(lang)["callback_request"]
    result: Promise | None = None
    pending_date: date | None = None
    pending_amount: Decimal | None = None
    for sentence in sentences(turn.text, lang):
        firm = firm_parts(sentence, lang)
        if not firm:
            pending_date = pending_amount = None
            continue
        parts = [c for part in firm for c in clauses(part, lang)]
        before = result
        # "下周五，五百" / "Next Monday, 250 dollars": a date and an amount said together, no verb needed.
        bare_date: date | None = None
        bare_amount: Decimal | None = None
        for i, clause in enumerate(parts):
            if negated(clause, lang) or paid_rule.search(clause):
                pending_date = pending_amount = None
                bare_date = bare_amount = None
                continue
            dates = _future_dates(clause, t)
            amounts = find_amounts(clause, lang)
            pay = bool(lx.PAY_VERBS[lang].search(clause))
            if not callback_rule.search(clause):
                bare_date = dates[-1] if dates else bare_date
                payment = _payment_amounts(clause, lang)
                bare_amount = payment[-1] if payment else bare_amount
            if not pay:
                if dates and agent_asked and previous_agent is not None and not callback_rule.search(clause):
                    # An answer to "when can you pay?": "Next Wednesday. Two hundred." / 周五可以
                    amount = amounts[-1].value if amounts else None
                    if amount is None:
                        rest = turn.text[turn.text.find(clause) + len(clause):]
                        later = find_amounts(rest, lang)
                        amount = later[0].value if later else _amount_near(previous_agent.text, lang)
                    result = Promise(dates[-1], amount, turn.index, sentence)
                pending_date = dates[-1] if dates else pending_date
                pending_amount = amounts[-1].value if amounts else pending_amount
                continue
            when = dates[-1] if dates else pending_date
            if when is None:
                later_dates = [d for c in parts[i + 1:] if not negated(c, lang) for d in _future_dates(c, t)]
                if not later_dates:
                    continue
                when = later_dates[0]
            amount = _amount_near(clause, lang) or pending_amount
            if amount is None:
                later_amounts = [a for c in parts[i + 1:] if not negated(c, lang) for a in find_amounts(c, lang)]
                amount = later_amounts[0].value if later_amounts else None
            result = Promise(when, amount, turn.index, sentence)
        if result is before and bare_date is not None and bare_amount is not None:
            result = Promise(bare_date, bare_amount, turn.index, sentence)
    if result is None and previous_agent is not None and agent_asked:
        first = sentences(turn.text, lang)[:1]
        if first and lx.ACCEPT[lang].search(first[0]) and not lx.HEDGES[lang].search(turn.text) \
                and not negated(first[0], lang):
            dates = _future_dates(previous_agent.text, t)
            if dates:
                result = Promise(dates[-1], _amount_near(previous_agent.text, lang), turn.index, first[0])
    return result


def detect_promise(t: Transcript) -> Promise | None:
    """The borrower's last firm promise; a missing amount is taken from 'all of it' or the next answer."""
    promise: Promise | None = None
    previous_agent: Turn | None = None
    for turn in t.turns:
        if turn.speaker == "agent":
            previous_agent = turn
            continue
        if turn.speaker == "borrower":
            found = _promise_in_turn(t, turn, previous_agent)
            if found:
                promise = found
    if promise is None or promise.amount is not None:
        return promise
    turn = t.turns[promise.turn]
    if lx.PAY_ALL[t.lang].search(turn.text):
        # "I'll pay the whole thing tomorrow": the total the agent named before, or right after.
        nearby = list(reversed(t.turns[: promise.turn])) + list(t.turns[promise.turn + 1: promise.turn + 3])
        for other in nearby:
            amounts = find_amounts(other.text, t.lang)
            if other.speaker == "agent" and amounts:
                return Promise(promise.date, amounts[-1].value, promise.turn, promise.quote)
    for later in t.turns[promise.turn + 1: promise.turn + 4]:
        if later.speaker == "borrower":
            amounts = find_amounts(later.text, t.lang)
            if amounts and not negated(later.text, t.lang) and not lx.HEDGES[t.lang].search(later.text):
                return Promise(promise.date, amounts[-1].value, promise.turn, promise.quote)
            break
    return promise
