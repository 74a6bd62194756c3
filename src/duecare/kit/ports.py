"""Binding a local port for the demo's sandboxes, with a failure a person can act on."""

from __future__ import annotations

import errno

from duecare.kit.errors import UserError


def bind_failure(exc: OSError, what: str, host: str, port: int, option: str, variable: str) -> UserError:
    """The user error (exit 2) for a sandbox that could not listen on host:port, saying why and what to change."""
    if exc.errno == errno.EADDRINUSE:
        why = f"port {port} on {host} is already in use (another duecare demo or program is listening there)"
    elif exc.errno == errno.EACCES:
        why = f"port {port} on {host} needs privileges this user does not have"
    else:
        why = f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return UserError(f"the {what} did not start: {why}; choose another port with {option} or {variable}")
