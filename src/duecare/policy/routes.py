"""REST: evaluate a case file with the same code as the nightly batch; read packs and strategies."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from duecare.kit.errors import NotFound
from duecare.ledger.casefile import CaseFile, _check_references
from duecare.ledger.frames import case_to_frames
from duecare.policy.evaluator import Policy, decide
from duecare.policy.loader import PACK_NAMES, load_pack, load_strategy
from duecare.policy.output import decision_json, feature_dict
from duecare.privacy.deps import require

router = APIRouter(prefix="/api/v1", tags=["decisions"])


def _checked(case: CaseFile) -> CaseFile:
    _check_references(case, "case")
    return case


@router.post("/decisions:evaluate", dependencies=[Depends(require("decisions.evaluate"))],
             summary="Decide the next lawful action for every loan of a case file")
def evaluate_decisions(case: CaseFile, strategy: Annotated[str, Query(max_length=64)] = "standard") -> dict[str, Any]:
    """Case file in (DESIGN.md format), one decision per loan out — the code path of `duecare run`."""
    policy = _policy(strategy)
    frames = case_to_frames(_checked(case))
    return {"decisions": decision_json(decide(frames, case.as_of, policy), policy)}


@router.post("/features:evaluate", dependencies=[Depends(require("decisions.evaluate"))],
             summary="Ageing and contact features for every loan of a case file")
def evaluate_features(case: CaseFile) -> dict[str, Any]:
    policy = _policy("standard")
    rows = decide(case_to_frames(_checked(case)), case.as_of, policy).to_dicts()
    return {"features": [{"loan_id": r["loan_id"], **feature_dict(r)} for r in rows]}


@router.get("/policy/packs", dependencies=[Depends(require("policy.read"))], summary="Jurisdiction packs")
def list_packs() -> list[dict[str, Any]]:
    return [{"pack": p.pack, "version": p.version, "name": p.name, "digest": p.digest,
             "rules": [r.__dict__ for r in p.rules]} for p in (load_pack(n) for n in PACK_NAMES)]


@router.get("/policy/strategies/{name}", dependencies=[Depends(require("policy.read"))],
            summary="A strategy: ladder, gate, windows, variants")
def get_strategy(name: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
    s = _strategy_or_404(name)
    return {"strategy": s.strategy, "version": s.version, "digest": s.digest, "definition": s.definition()}


def _strategy_or_404(name: str):  # type: ignore[no-untyped-def]
    if not name.replace("-", "").replace("_", "").isalnum():
        raise NotFound(f"unknown strategy {name!r}")
    return load_strategy(name)  # no such file: PolicyFileNotFound, a 404


def _policy(strategy: str) -> Policy:
    return Policy(packs={n: load_pack(n) for n in PACK_NAMES}, strategy=_strategy_or_404(strategy))
