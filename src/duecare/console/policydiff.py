"""`policy diff` on the console: the champion strategy against its challenger variant, on today's store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from duecare.policy.diff import action_pairs, summarise
from duecare.policy.evaluator import Policy
from duecare.policy.loader import load_strategy
from duecare.policy.model import Variant, Variants
from duecare.privacy.permissions import SYSTEM
from duecare.web.snapshot import load_frames


def champion_challenger(db: Session, at: datetime) -> dict[str, Any]:
    """Loans per (champion action, challenger action) pair; aggregates and loan ids only."""
    strategy = load_strategy("standard")
    challenger_params = strategy.variant_params("challenger")
    champion_only = Variants(champion=Variant(share=1.0), challenger=Variant(share=0.0))
    old = Policy(packs=Policy.default().packs, strategy=strategy.model_copy(update={"variants": champion_only}))
    new = Policy(packs=old.packs, strategy=strategy.model_copy(update={
        "params": challenger_params, "variants": champion_only, "version": f"{strategy.version}-challenger"}))
    frames = load_frames(db, SYSTEM)
    before, after = strategy.params.as_dict(), challenger_params.as_dict()
    changed_params = {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v}
    if frames["loans"].height == 0:
        return {"rows": [], "changed_params": changed_params, "strategy": strategy, "loans": 0}
    pairs = action_pairs(frames, at, old, new)
    rows = summarise(pairs).rename({"example_loan_ids": "examples"}).to_dicts()
    return {"rows": rows, "changed_params": changed_params, "strategy": strategy, "loans": pairs.height}
