"""What the borrower said: intents, the promise to pay (date and amount) and the hardship cause."""

from __future__ import annotations

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
    """The first cause of hardship the borrower names; in one clause a relative's emergency wins."""
    causes = lx.HARDSHIP[t.lang]
    for turn in t.turns:
        if turn.speaker != "borrower":
            continue
        for sentence in sentences(turn.text, t.lang):
            for clause in clauses(sentence, t.lang):
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


def _promise_in_turn(t: Transcript, turn: Turn, previous_agent: Turn | None) -> Promise | None:
    lang, today = t.lang, t.today
    result: Promise | None = None
    for sentence in sentences(turn.text, lang):
        if lx.HEDGES[lang].search(sentence):
            continue
        parts = clauses(sentence, lang)
        carried_date = None
        for i, clause in enumerate(parts):
            negated = bool(lx.NEGATIONS[lang].search(clause))
            dates = [d for d in find_dates(clause, lang, today) if d.value >= today]
            if negated:
                carried_date = None
                continue
            pay = bool(lx.PAY_VERBS[lang].search(clause)) or (lang == "en" and bool(find_amounts(clause, lang))
                                                             and " do " in f" {clause.lower()} ")
            accepts = bool(lx.ACCEPT[lang].search(clause)) or "可以" in clause or "行" in clause
            if dates and not pay and accepts and previous_agent and _is_pay_proposal(previous_agent, lang):
                amount = _amount_near(previous_agent.text, lang)
                result = Promise(dates[-1].value, amount, turn.index, clause)
                continue
            if not pay:
                if dates:
                    carried_date = dates[-1].value
                continue
            when = dates[-1].value if dates else carried_date
            if when is None:
                # "下周三，我先还一千" keeps the date in the next clause; "I'll pay $200, on Friday" in the one after.
                later = [d for c in parts[i + 1:] if not lx.NEGATIONS[lang].search(c)
                         for d in find_dates(c, lang, today) if d.value >= today]
                if not later:
                    continue
                when = later[0].value
            amount = _amount_near(clause, lang)
            if amount is None:
                for other in parts[i + 1:]:
                    if not lx.NEGATIONS[lang].search(other) and find_amounts(other, lang):
                        amount = _amount_near(other, lang)
                        break
            result = Promise(when, amount, turn.index, sentence)
    if result is None and previous_agent is not None:
        first = sentences(turn.text, lang)[:1]
        if first and lx.ACCEPT[lang].search(first[0]) and not lx.HEDGES[lang].search(turn.text) \
                and not lx.NEGATIONS[lang].search(first[0]) and lx.PAY_VERBS[lang].search(previous_agent.text):
            dates = [d for d in find_dates(previous_agent.text, lang, today) if d.value >= today]
            if dates:
                result = Promise(dates[-1].value, _amount_near(previous_agent.text, lang), turn.index, first[0])
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
        for earlier in reversed(t.turns[: promise.turn]):
            amounts = find_amounts(earlier.text, t.lang)
            if earlier.speaker == "agent" and amounts:
                return Promise(promise.date, amounts[-1].value, promise.turn, promise.quote)
    for later in t.turns[promise.turn + 1: promise.turn + 4]:
        if later.speaker == "borrower":
            amounts = find_amounts(later.text, t.lang)
            if amounts and not lx.NEGATIONS[t.lang].search(later.text) and not lx.HEDGES[t.lang].search(later.text):
                return Promise(promise.date, amounts[-1].value, promise.turn, promise.quote)
            break
    return promise
