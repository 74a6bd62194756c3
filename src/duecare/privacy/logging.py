"""Structured JSON logs with personal data redacted before anything is written.

`setup_logging()` installs one JSON handler on the root logger with `RedactionFilter`, which masks phone
numbers, email addresses, Chinese resident ID numbers and every value registered with `register_personal`
(names, addresses: things no pattern can recognise) in the message, its arguments, extra fields and
tracebacks.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from datetime import UTC, datetime
from typing import Any, TextIO

REDACTED = "[redacted]"
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("email", re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")),
    (
        "cn_id",
        re.compile(
            r"(?<!\d)\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![\dA-Za-z])"
        ),
    ),
    ("cn_mobile", re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)")),
    ("intl_phone", re.compile(r"\+\d[\d\s().\-]{6,}\d")),
    ("us_phone", re.compile(r"(?<![\w.])(?:\(\d{3}\)\s?|\d{3}[\s.\-])\d{3}[\s.\-]\d{4}(?![\w.])")),
    ("uk_phone", re.compile(r"(?<![\w.])0\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}(?![\w.])")),
    ("digits", re.compile(r"(?<![\w.])\d{10,15}(?![\w.])")),  # bare phone-length digit runs
]
_STD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

_personal: dict[str, None] = {}  # insertion-ordered set, bounded
_personal_re: re.Pattern[str] | None = None
_lock = threading.Lock()
MAX_REGISTERED = 50_000


def register_personal(*values: str | None) -> None:
    """Remember values that must never appear in a log line (e.g. a borrower's name when it is decrypted)."""
    global _personal_re
    added = False
    with _lock:
        for v in values:
            if v and len(v.strip()) >= 2 and v not in _personal:
                _personal[v] = None
                added = True
        while len(_personal) > MAX_REGISTERED:
            _personal.pop(next(iter(_personal)))
        if added:
            _personal_re = None


def clear_personal() -> None:
    global _personal_re
    with _lock:
        _personal.clear()
        _personal_re = None


def _registered_re() -> re.Pattern[str] | None:
    global _personal_re
    with _lock:
        if _personal_re is None and _personal:
            alts = sorted(_personal, key=len, reverse=True)
            _personal_re = re.compile("|".join(re.escape(v) for v in alts))
        return _personal_re


def redact(text: str) -> str:
    """Mask every registered value and every pattern match in a string."""
    reg = _registered_re()
    if reg is not None:
        text = reg.sub(REDACTED, text)
    for _name, pattern in PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def _redact_any(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_any(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact_any(v) for v in value]
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return redact(str(value))


class RedactionFilter(logging.Filter):
    """Rewrites the record in place: the message is rendered and redacted, extras and tracebacks too."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not leak its arguments either
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        for key in list(vars(record)):
            if key not in _STD_ATTRS:
                setattr(record, key, _redact_any(getattr(record, key)))
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, extra fields, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STD_ATTRS:
                out[key] = value
        if record.exc_text:
            out["exc"] = record.exc_text
        return json.dumps(out, ensure_ascii=False, default=str)


def setup_logging(level: int | str = logging.INFO, stream: TextIO | None = None) -> logging.Handler:
    """Install the JSON handler with redaction on the root logger (idempotent); returns the handler."""
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_duecare", False):
            root.removeHandler(h)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactionFilter())
    handler._duecare = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    return handler
