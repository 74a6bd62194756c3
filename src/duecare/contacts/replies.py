"""A reply to a visit notice is a consent event: "同意 / 拒绝 / 撤回 (YES / NO / WITHDRAW)".

`consent_answer(text)` reads one reply (zh and en, full-width punctuation and letters, traditional characters,
surrounding politeness) as `granted`, `declined`, `withdrawn` or None when it is not one clear answer (empty,
two answers at once, or a question). None records nothing: the borrower gets a short clarification instead.
"""

from __future__ import annotations

import re
import unicodedata

# A yes/no form value typed by staff or a borrower ("yes" in either language).
YES_VALUES = frozenset({"true", "yes", "y", "1", "是"})
# Whole-message opt-out words (contacts.service.record_reply honours them on that channel) (carriers' standard list, and the Chinese 退订 / TD).
OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "TD", "T",
                           "退订", "取消订阅", "退订短信", "不要再发"})
OPT_OUT_CONTAINS = ("退订", "UNSUBSCRIBE")
WRONG_PARTY = ("WRONGNUMBER", "WRONGPERSON", "NOTME", "打错了", "不是本人", "不认识")

# Traditional → simplified for the words that matter here (the rest of the text is not used).
_TRADITIONAL = str.maketrans({"撤": "撤", "銷": "销", "絕": "绝", "許": "许", "確": "确", "認": "认", "請": "请",
                              "謝": "谢", "訪": "访", "這": "这", "們": "们", "來": "来", "門": "门", "別": "别",
                              "對": "对", "願": "愿", "決": "决", "絶": "绝"})

WITHDRAW = ("撤回同意", "撤回我的同意", "撤销同意", "取消同意", "撤回", "撤销", "取消走访", "取消上门", "取消", "WITHDRAW", "REVOKE", "CANCELVISIT")
DECLINE = ("不同意", "拒绝", "不接受", "不要来", "别来", "不要上门", "不愿意", "NO", "N", "DECLINE", "REFUSE",
           "DONOTCOME", "DONTCOME")
GRANT = ("同意", "接受", "可以上门", "可以来", "好的可以", "YES", "Y", "AGREE", "ACCEPT", "OK同意")
# Words that add nothing to the answer.
_POLITE = ("您好", "你好", "谢谢", "谢了", "好的", "回复", "我", "本人", "的", "了", "吧", "呢", "啊", "哦",
           "PLEASE", "THANKS", "THANKYOU", "HI", "HELLO", "REPLY", "I")


def _normalise(text: str) -> str:
    # NFKC turns full-width letters, digits and punctuation into their ASCII forms (ＹＥＳ → YES, ！ → !).
    norm = unicodedata.normalize("NFKC", text).translate(_TRADITIONAL).upper()
    return re.sub(r"[\s\W_]+", "", norm, flags=re.UNICODE)


def _strip_polite(norm: str) -> str:
    changed = True
    while changed and norm:
        changed = False
        for word in sorted(_POLITE, key=len, reverse=True):
            if norm.startswith(word) and len(norm) > len(word):
                norm, changed = norm[len(word):], True
            if norm.endswith(word) and len(norm) > len(word):
                norm, changed = norm[: -len(word)], True
    return norm


def consent_answer(text: str) -> str | None:
    """`granted`, `declined`, `withdrawn`, or None when the reply is not one clear answer."""
    raw = unicodedata.normalize("NFKC", text or "")
    if "?" in raw or "吗" in raw:
        return None  # a question is not an answer
    norm = _strip_polite(_normalise(raw))
    if not norm:
        return None
    # Whole-message keywords first (short Latin answers must be the whole message: "NO", "Y").
    for decision, words in (("withdrawn", WITHDRAW), ("declined", DECLINE), ("granted", GRANT)):
        if norm in words:
            return decision
    # Then Chinese phrases inside a sentence; "不同意" contains "同意", so a negative wins over a grant, and
    # two different answers at once (同意…撤回) are ambiguous.
    found = set()
    phrases = sorted(((w, d) for d, ws in (("withdrawn", WITHDRAW), ("declined", DECLINE), ("granted", GRANT))
                      for w in ws if not w.isascii()), key=lambda p: -len(p[0]))
    for word, decision in phrases:  # longest first: 撤回同意 and 不同意 before 同意
        if word in norm:
            found.add(decision)
            norm = norm.replace(word, "")
    if found == {"declined", "granted"}:
        return None
    if len(found) == 1:
        return found.pop()
    return None
