"""Message templates per jurisdiction pack and language (zh-CN, en), with each pack's mandatory content.

Templates are data (`templates/<pack>.yaml`): `snippets` are the fixed texts (disclosures, opt-outs, help),
`mandatory` names the snippets every message of a channel must carry, and `render` refuses to return a message
that lacks one, so an edited template cannot silently drop the US debt-collector disclosure or an opt-out.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from duecare.kit.errors import PolicyError
from duecare.kit.settings import get_settings

LANGUAGES = ("zh", "en")
CHANNEL_OF_ACTION = {"sms_reminder": "sms", "email_notice": "email", "visit_notice": "letter",
                     "validation_notice": "letter"}
PREVIEW_LINES = 2  # what an inbox or lock screen shows: never the debt


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    attachment: bytes | None = None  # a letter's own document (a visit notice PDF), else rendered from body


@cache
def load_templates(pack: str) -> dict[str, Any]:
    path = resources.files("duecare.contacts") / "templates" / f"{pack}.yaml"
    try:
        data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(f"no contact templates for pack {pack!r}", place=str(path)) from None
    return data


def brand() -> str:
    return get_settings().brand


def _fill(text: str, values: dict[str, str], where: str) -> str:
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    missing = names - set(values)
    if missing:
        raise PolicyError(f"template uses unknown fields {sorted(missing)}", place=where)
    return text.format_map(values)


def render(pack: str, action: str, language: str, name: str = "", loan_id: str = "",
           extra: dict[str, str] | None = None) -> Rendered:
    """The subject and body of one message; raises if a mandatory snippet is missing from the result.
    `extra` fills facts a notice states (the validation notice's amount and dates)."""
    data = load_templates(pack)
    lang = language if language in LANGUAGES else "en"
    channel = CHANNEL_OF_ACTION[action]
    where = f"contacts/templates/{pack}.yaml: {action}.{lang}"
    values = {"brand": brand(), "name": name, "loan_ref": loan_id[-4:], **(extra or {})}
    values |= {key: _fill(text[lang], values, where) for key, text in data["snippets"].items()}
    spec = data["messages"][action]
    if channel == "sms":
        subject, body = "", _fill(spec[lang], values, where)
    else:
        subject = _fill(spec["subject"][lang], values, where)
        body = _fill(spec["body"][lang], values, where)
    for snippet in data["mandatory"][channel]:
        if values[snippet] not in body:
            raise PolicyError(f"mandatory text {snippet!r} is missing from the {channel} message", place=where)
    return Rendered(subject=subject, body=body.strip() + "\n" if channel != "sms" else body.strip())


def preview(body: str) -> str:
    """The first lines a mail client or phone shows before the message is opened."""
    lines = [line for line in body.splitlines() if line.strip()]
    return "\n".join(lines[:PREVIEW_LINES])
