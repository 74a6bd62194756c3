"""What a page reads and computes per request (issue 16: a page reads what it needs): the portal's loan pages read
the ledger's frames only, and show the figures the full read gives."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from test_pages import borrower_signs_in

from duecare.kit.db import unit_of_work
from duecare.ledger.frames import SCHEMAS
from duecare.ledger.repository import store_frames
from duecare.portal import account
from duecare.privacy.permissions import Actor
from duecare.web.snapshot import LEDGER, load_frames


class TestThePortalReadsTheLedgerOnly:
    def test_the_ledger_frames_read_alone_are_the_rows_the_full_read_gives(self, world: Any) -> None:
        with unit_of_work(world.url) as db:
            full = store_frames(db, ["B2"])
            some = store_frames(db, ["B2"], tables=LEDGER)
        assert set(full) == set(SCHEMAS) and set(some) == set(LEDGER)
        for name in LEDGER:
            assert some[name].equals(full[name]), name

    def test_my_loans_on_the_ledger_frames_shows_what_the_full_frames_show(self, world: Any) -> None:
        at = datetime.now(UTC)
        borrower = Actor(kind="borrower", id="B2", role="borrower")
        with unit_of_work(world.url) as db:
            narrow = account.my_loans(db, "B2", at)
            full = account.my_loans(db, "B2", at, frames=load_frames(db, borrower, ["B2"]))
        assert narrow and narrow == full

    def test_the_loan_page_reads_four_frames_not_the_contact_history(self, client: Any, world: Any,
                                                                      monkeypatch: Any) -> None:
        import duecare.ledger.repository as repository

        asked: list[Any] = []
        real = repository.store_frames

        def counted(*args: Any, **kwargs: Any) -> Any:
            asked.append(kwargs.get("tables"))
            return real(*args, **kwargs)

        monkeypatch.setattr(repository, "store_frames", counted)
        borrower_signs_in(client, world.plan_phone)
        asked.clear()
        page = client.get("/portal/loans/L-B2")
        assert page.status_code == 200
        assert asked == [LEDGER]
