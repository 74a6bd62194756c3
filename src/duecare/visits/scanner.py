"""Scan a visit report's free text for personal data the visit scope does not allow (zh and en).

Built on Microsoft Presidio's analyzer framework, with no model at run time: its pattern recognizers (with
checksums and context words) and our own recognizers run over a small NLP engine that segments Chinese with
jieba (and tags person names) and English with a regular expression. Categories (the finding codes):
identifiers (`cn_id_number` with the GB 11643 checksum, `other_id_number`, `bank_card` with Luhn,
`wechat_id`, `financial_account`), other people (`third_party_phone` parsed with `phonenumbers` for the pack's
country, `relative_name`, `minor`, `income_of_others`), places (`address`, `precise_location`) and the PIPL
Art. 28 sensitive categories (`health_detail`, `ethnicity`, `religion`, `political_view`, `criminal_record`,
`sexual_orientation`, `biometric`). Tuned on tests/visits/data/scanner_labelled.jsonl and scanner_tuning2.jsonl,
measured also on two held-out sets never tuned on (benchmarks/scanner_eval.py --set heldout|heldout2).

Findings name the category and the position, never the matched text, so a refusal can be shown and logged
without repeating what it refused.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

import phonenumbers
from presidio_analyzer import (
    AnalyzerEngine,
    EntityRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine
from spacy.tokens import Doc
from spacy.vocab import Vocab

from duecare.visits import scanner_lexicon as lex

LANGUAGES = ("zh", "en")
REGION = {"cn": "CN", "us": "US", "uk": "GB"}
THRESHOLD = 0.5
_CJK = re.compile(r"[\u4e00-\u9fff]")
_EN_TOKEN = re.compile(r"[A-Za-z]+(?:'[a-z]+)?|\d+|[^\sA-Za-z\d]")
_CN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CN_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class Finding:
    code: str
    field: str
    position: int

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "field": self.field, "position": self.position}


# --- checksums -------------------------------------------------------------------------------------------------

def cn_id_checksum_ok(number: str) -> bool:
    """GB 11643-1999: the 18th character is the ISO 7064 MOD 11-2 check of the first 17 digits."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _CN_ID_WEIGHTS, strict=True))
    return _CN_ID_CHECK[total % 11] == number[17].upper()


def cn_id_plausible(number: str) -> bool:
    """A region code and a real birth date in the right places (a typo'd check digit still identifies)."""
    if len(number) == 15:
        return number.isdigit() and number[0] in "12345678" and 1 <= int(number[8:10]) <= 12
    year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
    return number[0] in "12345678" and 1900 <= year <= 2030 and 1 <= month <= 12 and 1 <= day <= 31


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


# --- the NLP engine: jieba for Chinese, a regular expression for English ---------------------------------------

class SegmentingNlpEngine(NlpEngine):
    """Tokens, token offsets and lower-cased lemmas (what Presidio's context enhancer reads); Chinese is
    segmented with jieba's own dictionary (shipped in the package). No model is loaded or downloaded."""

    def __init__(self) -> None:
        self._vocab = Vocab()
        self._loaded = False

    def load(self) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        self._loaded = True

    def is_loaded(self) -> bool:
        return self._loaded

    def segments(self, text: str) -> list[tuple[str, int]]:
        """(word, start) over the whole text; Chinese runs are segmented by jieba, Latin runs by a regex."""
        import jieba

        out: list[tuple[str, int]] = []
        for word, start, _end in jieba.tokenize(text):
            if not word.strip():
                continue
            if _CJK.search(word):
                out.append((word, start))
            else:
                out += [(m.group(0), start + m.start()) for m in _EN_TOKEN.finditer(word)]
        return out

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        segs = self.segments(text) if _CJK.search(text) else [
            (m.group(0), m.start()) for m in _EN_TOKEN.finditer(text)]
        words = [w for w, _ in segs] or [""]
        doc = Doc(self._vocab, words=words)
        return NlpArtifacts(entities=[], tokens=doc, tokens_indices=[s for _, s in segs] or [0],
                            lemmas=[w.lower() for w in words], nlp_engine=self, language=language)

    def process_batch(self, texts: Iterable[str], language: str, batch_size: int = 1, n_process: int = 1,
                      **kwargs: Any) -> Any:
        for text in texts:
            yield text, self.process_text(text, language)

    def is_stopword(self, word: str, language: str) -> bool:
        return word.lower() in lex.STOPWORDS

    def is_punct(self, word: str, language: str) -> bool:
        return bool(word) and not any(c.isalnum() for c in word)

    def get_supported_entities(self) -> list[str]:
        return []

    def get_supported_languages(self) -> list[str]:
        return list(LANGUAGES)


# --- recognizers -----------------------------------------------------------------------------------------------

class CnIdRecognizer(PatternRecognizer):
    """Resident ID numbers: a valid check digit is certain; a plausible one needs a context word nearby."""

    def __init__(self, language: str) -> None:
        super().__init__("cn_id_number", name=f"cn_id_{language}", supported_language=language,
                         patterns=[Pattern("cn_id_18", r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])", 0.45),
                                   Pattern("cn_id_15", r"(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])", 0.3)],
                         context=list(lex.ID_CONTEXT))

    def validate_result(self, pattern_text: str) -> bool | None:
        if cn_id_checksum_ok(pattern_text):
            return True
        return None if cn_id_plausible(pattern_text) else False


class CardRecognizer(PatternRecognizer):
    """Payment card numbers (16–19 digits, spaces or dashes allowed) that pass the Luhn check."""

    def __init__(self, language: str) -> None:
        super().__init__("bank_card", name=f"bank_card_{language}", supported_language=language,
                         patterns=[Pattern("card", r"(?<![\dA-Za-z])\d{4}(?:[ -]?\d){11,14}\d?(?![\dA-Za-z])", 0.4)],
                         context=list(lex.CARD_CONTEXT))

    def validate_result(self, pattern_text: str) -> bool | None:
        digits = re.sub(r"\D", "", pattern_text)
        if not 16 <= len(digits) <= 19 or (len(digits) == 18 and cn_id_checksum_ok(digits)):
            return False
        return luhn_ok(digits)


class LexiconRecognizer(EntityRecognizer):
    """One category's regular expressions (words, phrases and patterns, zh and en) — see scanner_lexicon."""

    def __init__(self, code: str, patterns: tuple[str, ...], language: str) -> None:
        self.rx = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
        super().__init__(supported_entities=[code], name=f"{code}_{language}", supported_language=language)

    def load(self) -> None:
        return None

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
                ) -> list[RecognizerResult]:
        code = self.supported_entities[0]
        return [RecognizerResult(code, m.start(), max(m.end(), m.start() + 1), 0.85)
                for m in self.rx.finditer(text)]


class RelativeNameRecognizer(EntityRecognizer):
    """A relative named in the text: a kinship word followed closely by a person's name (in Chinese, the next
    jieba segments after a naming verb ("is called", "is") when they form two or three characters starting with a common surname; in
    English, capitalised words)."""

    def __init__(self, language: str, engine: SegmentingNlpEngine) -> None:
        self.engine = engine
        super().__init__(supported_entities=["relative_name"], name=f"relative_name_{language}",
                         supported_language=language)

    def load(self) -> None:
        return None

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
                ) -> list[RecognizerResult]:
        out = [RecognizerResult("relative_name", m.start(1), m.end(1), 0.85) for m in lex.EN_RELATIVE_NAME.finditer(text)
               if m.group(1).split()[0] not in lex.EN_NOT_NAMES]
        if _CJK.search(text):
            segs = self.engine.segments(text)
            for i, (word, _start) in enumerate(segs):
                if word not in lex.ZH_KIN:
                    continue
                rest = segs[i + 1:i + 4]
                if rest and rest[0][0] in lex.ZH_NAMING:
                    rest = rest[1:]
                name = _zh_name([w for w, _ in rest[:2]])
                if name and rest:
                    out.append(RecognizerResult("relative_name", rest[0][1], rest[0][1] + len(name), 0.85))
        return out


def _zh_name(words: list[str]) -> str | None:
    """A Chinese personal name at the start of these segments: a common surname and one or two given-name
    characters, in one segment or split by the segmenter (surname / given name)."""
    for n in (1, 2):
        cand = "".join(words[:n])
        if 2 <= len(cand) <= 3 and cand[0] in lex.ZH_SURNAMES and all(_CJK.match(c) for c in cand) \
                and cand not in lex.ZH_NOT_NAMES:
            return cand
    return None


class PhoneRecognizer(EntityRecognizer):
    """Phone numbers as `phonenumbers` finds them for the pack's country (and any number with a +country
    prefix); the borrower's own numbers are left out by the caller."""

    def __init__(self, language: str) -> None:
        super().__init__(supported_entities=["third_party_phone"], name=f"phone_{language}",
                         supported_language=language)
        self.regions: tuple[str, ...] = tuple(REGION.values())

    def load(self) -> None:
        return None

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None,
                regions: tuple[str, ...] | None = None) -> list[RecognizerResult]:
        out: dict[int, RecognizerResult] = {}
        for region in regions or self.regions:
            for lenient in (phonenumbers.Leniency.VALID, phonenumbers.Leniency.POSSIBLE):
                for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=lenient):
                    raw = m.raw_string
                    digits = re.sub(r"\D", "", raw)
                    grouped = raw.startswith("+") or (raw.startswith(("0", "(")) and bool(re.search(r"[ \-)]", raw)))
                    if lenient == phonenumbers.Leniency.POSSIBLE and not (grouped and len(digits) >= 10):
                        continue
                    if lex.NOT_A_PHONE.search(text[max(0, m.start - 24):m.start]):
                        continue
                    e164 = phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164)
                    res = RecognizerResult("third_party_phone", m.start, m.end, 0.85)
                    res.recognition_metadata = {**(res.recognition_metadata or {}), "e164": e164}
                    out.setdefault(m.start, res)
        return list(out.values())


# --- the engine --------------------------------------------------------------------------------------------------

@cache
def _engine() -> tuple[AnalyzerEngine, SegmentingNlpEngine]:
    nlp = SegmentingNlpEngine()
    nlp.load()
    registry = RecognizerRegistry(supported_languages=list(LANGUAGES))
    for language in LANGUAGES:
        registry.add_recognizer(CnIdRecognizer(language))
        registry.add_recognizer(CardRecognizer(language))
        registry.add_recognizer(RelativeNameRecognizer(language, nlp))
        registry.add_recognizer(PhoneRecognizer(language))
        for code, patterns in lex.CATEGORIES.items():
            registry.add_recognizer(LexiconRecognizer(code, patterns, language))
    return AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=list(LANGUAGES),
                          default_score_threshold=THRESHOLD), nlp


def _own(numbers: Iterable[str], regions: tuple[str, ...]) -> set[str]:
    """The borrower's own numbers as E.164 (and as bare digits, for numbers that do not parse)."""
    own: set[str] = set()
    for raw in numbers:
        digits = re.sub(r"\D", "", raw)
        if digits:
            own.add(digits[-9:])
        for region in regions:
            try:
                own.add(phonenumbers.format_number(phonenumbers.parse(raw, region), phonenumbers.PhoneNumberFormat.E164))
            except phonenumbers.NumberParseException:
                continue
    return own


def _is_own(result: RecognizerResult, text: str, own: set[str]) -> bool:
    e164 = (result.recognition_metadata or {}).get("e164", "")
    digits = re.sub(r"\D", "", text[result.start:result.end])
    return e164 in own or (len(digits) >= 9 and digits[-9:] in own)


def scan(text: str, field: str, borrower_phones: Iterable[str], pack: str | None = None) -> list[Finding]:
    """Every out-of-scope item in one free-text value, in text order (one finding per category and place)."""
    if not text.strip():
        return []
    engine, _ = _engine()
    regions = (REGION[pack],) if pack in REGION else tuple(REGION.values())
    own = _own(borrower_phones, regions)
    language = "zh" if _CJK.search(text) else "en"
    results = engine.analyze(text=text, language=language)
    phone_rec = next(r for r in engine.registry.recognizers
                     if isinstance(r, PhoneRecognizer) and r.supported_language == language)
    phones = [p for p in phone_rec.analyze(text, [], None, regions) if not _is_own(p, text, own)]
    results = [r for r in results if r.entity_type != "third_party_phone"] + phones
    numbers = [(r.start, r.end) for r in results if r.entity_type in ("cn_id_number", "bank_card", "other_id_number")]
    found: dict[tuple[str, int], Finding] = {}
    for r in results:
        if r.entity_type == "third_party_phone" and any(s <= r.start < e or r.start <= s < r.end for s, e in numbers):
            continue  # the digits of an ID or a card, not a phone
        found.setdefault((r.entity_type, r.start), Finding(r.entity_type, field, r.start))
    return sorted(found.values(), key=lambda f: (f.position, f.code))


def categories(text: str, borrower_phones: Iterable[str] = (), pack: str | None = None) -> set[str]:
    """The categories found in a text (what the labelled set is scored on)."""
    return {f.code for f in scan(text, "text", borrower_phones, pack)}
