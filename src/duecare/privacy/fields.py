"""Moved to `duecare.kit.fields`: the encrypted column type and the keyed hash sit below every domain (ledger
models use them). This name remains only for code written before the move; import from `duecare.kit.fields`."""

from duecare.kit.fields import *  # noqa: F403
