"""The home-visit workflow. Importing the package arms the standing gate: every session's commit reads the
borrowers' replies to a notice as consent events and re-checks the open visits of borrowers whose facts it
wrote (`visits.replies`, `visits.recheck`)."""

from duecare.visits import replies as _replies  # noqa: F401 - registers the session listeners
