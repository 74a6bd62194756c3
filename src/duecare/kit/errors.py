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
"""

from __future__ import annotations

from typing import Any, ClassVar


class UserError(Exception):
    """Bad input from a person or a file; the CLI prints it and exits with code 2, the web answers `status`."""

    exit_code: ClassVar[int] = 2
    status: int = 422  # an instance may say more precisely (a refused upload: 413 or 415)
    default_code: ClassVar[str] = "invalid"

    def __init__(self, message: str, *, place: str | None = None, code: str | None = None,
                 status: int | None = None) -> None:
        self.place = place
        self.code = code or self.default_code
        if status is not None:
            self.status = status
        super().__init__(f"{place}: {message}" if place else message)

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

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}", code=code)


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
