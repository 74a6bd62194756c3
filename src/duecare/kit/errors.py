"""Errors a user can meet: each says what was wrong and where, never a stack trace."""

from __future__ import annotations


class UserError(Exception):
    """Bad input from a person or a file; the CLI prints it and exits with code 2."""

    exit_code = 2

    def __init__(self, message: str, *, place: str | None = None) -> None:
        self.place = place
        super().__init__(f"{place}: {message}" if place else message)


class CaseFileError(UserError):
    """A case file that does not follow the published schema."""


class PolicyError(UserError):
    """A jurisdiction pack or strategy that does not validate."""


class TransitionError(Exception):
    """A workflow transition that the transition table does not list."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(f"{code}: {message}")
