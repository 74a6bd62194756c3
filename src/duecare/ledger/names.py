"""Finding a borrower by name without reading names: keyed hashes of the normalised name.

Names are encrypted at rest. `name_hashes` gives the lookup keys of a name: it is normalised (Unicode NFKC, so
full-width letters and compatibility forms read alike; case-folded; spaces, dots, hyphens and middle dots
removed), then hashed with the lookup key (kit/fields.keyed_hash). A Latin name is also indexed with its words
in reverse order ("Wang Fang" and "Fang Wang" find the same person). The index table `borrower_name_index` is
filled at ingest and by the demo's generator through ingest; a search hashes what was typed the same way and
looks the hash up, never scanning or decrypting names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from duecare.kit.fields import keyed_hashes
from duecare.ledger.models import BorrowerName

_SEPARATORS = re.compile(r"[\s.\-_'’·•,\uff0c\u3001]+")  # also the full-width comma and the enumeration comma


def normalise_name(name: str) -> str:
    """The form both indexing and searching hash: NFKC, case-folded, without separators."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", name).casefold())


def name_variants(name: str) -> list[str]:
    """The normalised name, and for a name of several words, its words in reverse order."""
    words = [w for w in _SEPARATORS.split(unicodedata.normalize("NFKC", name).casefold()) if w]
    if not words:
        return []
    out = ["".join(words)]
    if len(words) > 1:
        out.append("".join(reversed(words)))
    return list(dict.fromkeys(out))


def name_hashes(name: str | None) -> list[str]:
    """Keyed hashes of every variant of a name (empty for an empty name)."""
    return keyed_hashes(name_variants(name or ""), "text")


def looks_like_name(q: str) -> bool:
    """Worth a name lookup: at least two letters (Han characters count) and no digits."""
    letters = sum(ch.isalpha() for ch in q)
    return letters >= 2 and not any(ch.isdigit() for ch in q)


def set_names(session: Session, rows: Sequence[tuple[str, str | None]]) -> None:
    """Replace the name index rows of these borrowers: (borrower id, clear name)."""
    ids = [bid for bid, _ in rows]
    if not ids:
        return
    session.execute(delete(BorrowerName).where(BorrowerName.borrower_id.in_(ids)))
    values = [{"borrower_id": bid, "name_hash": h} for bid, name in rows for h in dict.fromkeys(name_hashes(name))]
    if values:
        session.execute(insert(BorrowerName), values)
