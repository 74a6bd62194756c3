"""Partition-local index arrays → Arrow tables with ids, in the exact types of docs/data-format.md."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from duecare.ledger.synth import arrow, params
from duecare.ledger.synth.contacts import ContactRows, agents_and_durations
from duecare.ledger.synth.visits import Workflow, notice_version


def _opt(values: pa.Array, idx: np.ndarray) -> pa.Array:
    """values[idx], null where idx < 0."""
    safe = np.where(idx < 0, 0, idx)
    return values.take(pa.array(safe, mask=idx < 0))


def _labels(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Labels such as A007 for agent, field-agent and supervisor numbers."""
    digits = pc.utf8_lpad(pa.array(numbers.astype(np.int64)).cast(arrow.S), width, padding="0")
    return pc.binary_join_element_wise(prefix, digits, "")


def contacts(rng: np.random.Generator, rows: ContactRows, borrower_ids: pa.Array, loan_ids: pa.Array,
             start: int) -> pa.Table:
    c = rows.columns()
    order = np.lexsort((c["at"], c["borrower"]))
    c = {k: v[order] for k, v in c.items()}
    agent, dur = agents_and_durations(rng, c["channel"], c["outcome"])
    is_visit = c["channel"] == params.VISIT
    agent_label = pa.concat_arrays([_labels("A", np.arange(params.AGENTS), 3),
                                    _labels("F", np.arange(params.FIELD_AGENTS), 3)])
    agent_idx = np.where(agent < 0, -1, agent + np.where(is_visit, params.AGENTS, 0))
    n = len(order)
    return arrow.table("contacts", {
        "contact_id": arrow.ids("C", start, n, 11),
        "borrower_id": borrower_ids.take(pa.array(c["borrower"])),
        "loan_id": _opt(loan_ids, c["loan"]),
        "at": arrow.instants(c["at"]),
        "channel": arrow.codes(params.CHANNELS, c["channel"]),
        "direction": arrow.codes(("outbound", "inbound"), c["inbound"].astype(np.int64)),
        "outcome": arrow.codes(params.OUTCOMES, c["outcome"]),
        "agent_id": _opt(agent_label, agent_idx),
        "duration_s": pa.array(dur.astype(np.int32), mask=dur < 0),
        # Synthetic borrowers answer visit notices through the consents file only, never by a marked reply.
        "answers_notice": pa.nulls(n, pa.string()),
    })


def promises(p: dict[str, np.ndarray], borrower_ids: pa.Array, loan_ids: pa.Array, start: int) -> pa.Table:
    n = len(p["loan"])
    return arrow.table("promises", {
        "promise_id": arrow.ids("PR", start, n, 10),
        "borrower_id": borrower_ids.take(pa.array(p["borrower"])),
        "loan_id": loan_ids.take(pa.array(p["loan"])),
        "promised_date": arrow.dates(p["day"]),
        "amount": arrow.money(p["cents"]),
        "status": arrow.codes(("open", "kept", "broken", "cancelled"), p["status"]),
    })


def workflow(wf: Workflow, borrower_ids: pa.Array, loan_ids: pa.Array, jurisdiction: np.ndarray,
             starts: dict[str, int]) -> dict[str, pa.Table]:
    """Notices, consents, approvals and visits; ids continue from `starts` per entity."""
    no, co, ap, vi = wf.notice, wf.consent, wf.approval, wf.visit
    nn = len(no["borrower"])
    notice_ids = arrow.ids("N", starts["notices"], nn, 10)
    versions = pa.array([notice_version(j) for j in params.JURISDICTIONS])
    tables = {"notices": arrow.table("notices", {
        "notice_id": notice_ids, "borrower_id": borrower_ids.take(pa.array(no["borrower"])),
        "loan_id": loan_ids.take(pa.array(no["loan"])), "kind": pa.array(["visit_notice"] * nn, arrow.S),
        "sent_at": arrow.instants(no["at"]),
        "version_hash": versions.take(pa.array(jurisdiction[no["borrower"]]))})}
    ncs = len(co["borrower"])
    evidence = [f"{'portal-session' if portal else 'signed-form'}:{token:016x}"
                for portal, token in zip(co["portal"].tolist(), co["token"].tolist(), strict=True)]
    tables["consents"] = arrow.table("consents", {
        "consent_id": arrow.ids("CS", starts["consents"], ncs, 10),
        "borrower_id": borrower_ids.take(pa.array(co["borrower"])),
        "purpose": pa.array(["home_visit"] * ncs, arrow.S),
        "decision": arrow.codes(("granted", "declined", "withdrawn"), co["decision"]),
        "at": arrow.instants(co["at"]), "notice_id": notice_ids.take(pa.array(co["notice"])),
        "channel": arrow.codes(("letter", "portal"), co["portal"].astype(np.int64)),
        "evidence": pa.array(evidence, arrow.S)})
    na = len(ap["borrower"])
    tables["approvals"] = arrow.table("approvals", {
        "approval_id": arrow.ids("AP", starts["approvals"], na, 10),
        "borrower_id": borrower_ids.take(pa.array(ap["borrower"])),
        "notice_id": notice_ids.take(pa.array(ap["notice"])),
        "decision": arrow.codes(("rejected", "approved"), ap["approved"].astype(np.int64)),
        "at": arrow.instants(ap["at"]), "by": _labels("S", ap["by"], 3)})
    nv = len(vi["borrower"])
    tables["visits"] = arrow.table("visits", {
        "visit_id": arrow.ids("V", starts["visits"], nv, 10),
        "borrower_id": borrower_ids.take(pa.array(vi["borrower"])),
        "loan_id": loan_ids.take(pa.array(vi["loan"])),
        "status": arrow.codes(("proposed", "scheduled", "completed", "cancelled"), vi["status"]),
        "at": arrow.instants(vi["at"]),
        # The generator's visits carry no outcome: a synthetic borrower never asks staff not to return.
        "outcome": pa.nulls(nv, pa.string())})
    return tables

