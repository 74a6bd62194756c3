
# The change log's trigger (`ledger.changes`, an `after_flush` listener) is registered wherever the ledger is
# imported: a process that can write a fact can never run without it.
from duecare.ledger import changes as _changes  # noqa: E402, F401
