"""Errors a user can meet: each says what was wrong and where, never a stack trace.

One hierarchy for the command line and the web. Every error is a `UserError`: the CLI prints its message whole
and exits with `exit_code` (2); the web app's one handler (`duecare.web.errors`) answers `status` with the
message, as JSON (`{"error", "code", ...extra}`) or as the HTML error page. Services raise the kind that says
what happened; routers do not translate errors.

    UserError        422  bad input (a value out of range, a file that does not validate)
      NotFound       404  the thing named does not exist (or is not the caller's to see)
      Conflict       409  the thing exists but is not in a state that allows this
        TransitionError  a workflow step the transition table does not list (its `code` names why)
      Forbidden      403  the caller's role may not do this
      TooMany        429  a rate limit
      Unavailable    503  switched off by configuration or a provider that is down

A message a page can show is an English message id marked `N_` with its `{fields}` passed as keywords:
`NotFound(N_("no request {request_id}"), request_id=rid)`. The error reads in English exactly as an f-string
would (the CLI, logs and the JSON API stay English); `in_language(language)` is the same message translated by the
catalogs (`kit.i18n`) with the fields filled after translation, which is what the HTML pages show. Codes inside
a message (the unmet conditions of a gate) are `Codes`: joined as they are in English, labelled on a page. Where
the text travels as a string (an HTTPException's detail, a ValueError), `Message(N_("..."), **fields)` is that
string remembering its id and fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class Codes:
    """Machine codes inside a message: read as `a, b` in English; a page shows each code's label from `group`."""

    group: str
    items: tuple[str, ...]
    sep: str = ", "

    @classmethod
    def of(cls, group: str, items: Iterable[object], sep: str = ", ") -> Codes:
        return cls(group, tuple(str(i) for i in items), sep)

    def __str__(self) -> str:
        return self.sep.join(self.items)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


class Message(str):
    """An English message as a `str` (so it goes wherever text goes) that remembers its message id and fields.

    `place` (a field name, for machines) prefixes the English text; the translated message leaves it out."""

    message_id: str
    values: dict[str, Any]

    def __new__(cls, message_id: str, *, place: str | None = None, **values: Any) -> Message:
        text = message_id.format(**values) if values else message_id
        self = super().__new__(cls, f"{place}: {text}" if place else text)
        self.message_id = message_id
        self.values = values
        return self

    def in_language(self, language: str | None, value: Any = None) -> str:
        """The message in the reader's language; `value(v, language)` may render a field for the reader."""
        # imported here: the catalogs (Babel) load only when a message is shown, not for `duecare --help`
        from duecare.kit.i18n import translate

        shown = {k: value(v, language) if value else v for k, v in self.values.items()}
        return translate(language, self.message_id, **shown)


def message_of(exc: BaseException) -> str:
    """An error's English message that keeps its id and fields, to raise it again as another kind of error."""
    if isinstance(exc, UserError):
        return Message(exc.message.message_id, place=exc.place, **exc.message.values)
    first = exc.args[0] if exc.args else None
    return first if isinstance(first, Message) else str(exc)


class UserError(Exception):
    """Bad input from a person or a file; the CLI prints it and exits with code 2, the web answers `status`."""

    exit_code: ClassVar[int] = 2
    status: int = 422  # an instance may say more precisely (a refused upload: 413 or 415)
    default_code: ClassVar[str] = "invalid"

    def __init__(self, message: str, *, place: str | None = None, code: str | None = None,
                 status: int | None = None, **values: Any) -> None:
        self.place = place
        self.code = code or self.default_code
        if status is not None:
            self.status = status
        self.message = message if isinstance(message, Message) and not values else Message(message, **values)
        super().__init__(f"{place}: {self.message}" if place else str(self.message))

    def in_language(self, language: str | None, value: Any = None) -> str:
        """The message in the reader's language (no `place` prefix: a page's message names its field in words).

        `value(v, language)` may render a field's value for the reader (the web layer labels `Codes` with it)."""
        return self.message.in_language(language, value)

    def extra(self) -> dict[str, Any]:
        """Fields the JSON answer carries besides `error` and `code` (what was unmet, the reasons)."""
        return {}


class CaseFileError(UserError):
    """A case file that does not follow the published schema."""


class PolicyError(UserError):
    """A jurisdiction pack or strategy that does not validate."""


class NotFound(UserError, LookupError):
    """The thing named does not exist, or is outside what the caller may see (404)."""

    status = 404
    default_code = "not_found"


class Conflict(UserError):
    """The thing exists but its state does not allow this now (409)."""

    status = 409
    default_code = "conflict"


class TransitionError(Conflict):
    """A workflow transition that the transition table does not list (409, with a code saying why)."""

    def __init__(self, code: str, message: str, **values: Any) -> None:
        shown = message if isinstance(message, Message) and not values else Message(message, **values)
        super().__init__(f"{code}: {shown}", code=code)
        self.message = shown  # a page shows the message without its machine code


class Forbidden(UserError):
    """The caller's role may not do this (403)."""

    status = 403
    default_code = "forbidden"


class TooMany(UserError):
    """Too many tries; wait and retry (429)."""

    status = 429
    default_code = "too_many"


class Unavailable(UserError):
    """Switched off by configuration, or a provider that does not answer (503)."""

    status = 503
    default_code = "unavailable"
