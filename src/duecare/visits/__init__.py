"""The home-visit workflow. Importing the package arms the standing gate: every session's commit re-checks
the open visits of borrowers whose facts it wrote (`visits.recheck`)."""

from duecare.visits import recheck as _recheck  # noqa: F401 - registers the session listeners
