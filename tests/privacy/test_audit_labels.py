"""Every action the audit trail records has a readable label in both languages (the audit page shows it).

The actions are found statically: every `record_audit(..., action=...)` and `Entry(action=...)` call in src/. A
literal action is taken as it is; an f-string action must be listed in DYNAMIC with the values its placeholder
takes, read from the code that produces them where the code has them as data. A new action, or a new f-string
form, fails here until web/labels.py has its label and the zh_CN catalog its translation.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import duecare
from duecare.kit.i18n import translate
from duecare.web.labels import LABELS

SRC = Path(duecare.__file__).resolve().parent
WRITERS = {"record_audit", "Entry"}  # privacy/audit.py: the one way to append (audit_read calls record_audit)
CJK = re.compile(r"[\u4e00-\u9fff]")


def _dynamic() -> dict[str, set[str]]:
    """f-string actions (as `ast.unparse` writes them) and every action each can produce."""
    from duecare.contacts.models import SuppressionReason, TaskStatus
    from duecare.ledger.enums import AlternativeState, ConsentDecision
    from duecare.portal.activity import ACTIVITIES
    from duecare.privacy.rights import REQUEST_KINDS, REVIEW_OUTCOMES
    from duecare.visits.flows import TABLE

    return {
        "f'visit.{row.step}'": {f"visit.{t.step}" for t in TABLE.values()},
        "f'rights_{kind}_requested'": {f"rights_{k}_requested" for k in REQUEST_KINDS},
        "f'review_{outcome}'": {f"review_{o}" for o in REVIEW_OUTCOMES},
        "f'portal_contact.{activity}'": {f"portal_contact.{a}" for a in ACTIVITIES},
        "f'alternative.{to.value}'": {f"alternative.{s.value}" for s in AlternativeState},
        "f'contact_{reason.value}'": {f"contact_{r.value}" for r in SuppressionReason},
        "f'consent.{decision}'": {f"consent.{d.value}" for d in ConsentDecision},
        # contacts/worker.py `_close`: a task closes as skipped or dead
        "f'contact_{status.value}'": {f"contact_{s.value}" for s in (TaskStatus.SKIPPED, TaskStatus.DEAD)},
        # policy/promises.py `settle_frame`: a settlement makes a promise kept, broken or open
        "f'promise_{status}'": {"promise_kept", "promise_broken", "promise_open"},
        # policy/plans.py: an evaluation's outcome (the plan_outcome labels name the same three)
        "f'plan_{result.outcome}'": {f"plan_{o}" for o in ("accepted", "counter_offer", "referred")},
        # payments/service.py `confirm`: a callback that is not a success fails or cancels the intent
        "f'payment_{intent.state}'": {"payment_failed", "payment_cancelled"},
        # privacy/rights.py `handle_deletion`: deleted (completed) or refused with the reasons
        "f'rights_deletion_{req.status}'": {"rights_deletion_completed", "rights_deletion_refused"},
        # visits/corrections.py `decide`: the correction is applied or rejected
        "f'rights_report_correction_{row.status}'": {"rights_report_correction_applied",
                                                      "rights_report_correction_rejected"},
    }


def _call_sites() -> tuple[set[str], set[str], list[str]]:
    """(literal actions, f-string forms, problems) over every module of the package."""
    literals: set[str] = set()
    forms: set[str] = set()
    problems: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name not in WRITERS:
                continue
            action = next((k.value for k in node.keywords if k.arg == "action"), None)
            where = f"{path.relative_to(SRC)}:{node.lineno}"
            if action is None:
                if name == "record_audit":  # keyword-only: a call without one would not run
                    problems.append(f"{where}: record_audit without action=")
                continue  # cli.Entry (a command's help) shares the name and takes no action
            if isinstance(action, ast.Constant) and isinstance(action.value, str):
                literals.add(action.value)
            elif isinstance(action, ast.JoinedStr):
                forms.add(ast.unparse(action))
            else:
                problems.append(f"{where}: action={ast.unparse(action)} is neither a literal nor an f-string: "
                                "list its values in this test")
    return literals, forms, problems


def emitted() -> set[str]:
    literals, forms, problems = _call_sites()
    dynamic = _dynamic()
    unknown = sorted(forms - set(dynamic))
    assert problems == [] and unknown == [], (problems, f"list the values of these in DYNAMIC: {unknown}")
    assert sorted(set(dynamic) - forms) == [], "DYNAMIC names an f-string no call site uses any more"
    return literals | set().union(*dynamic.values())


def test_the_scan_finds_the_audit_writers() -> None:
    actions = emitted()
    assert {"read_personal", "login", "visit.propose", "visit.approve", "contact_sent", "consent.granted"} <= actions


def test_every_audit_action_has_an_english_label_and_a_chinese_translation() -> None:
    labels = LABELS["audit_action"]
    actions = emitted()
    assert sorted(actions - set(labels)) == [], "give these actions a label in web/labels.py LABELS['audit_action']"
    assert sorted(set(labels) - actions) == [], "these labels name actions nothing records any more"
    untranslated = sorted(a for a in actions if not CJK.search(translate("zh", labels[a])))
    assert untranslated == [], "translate these labels in locale/zh_CN/LC_MESSAGES/messages.po"
    assert all(translate("en", labels[a]) == labels[a] != a for a in actions)


def test_every_read_purpose_has_a_label_in_both_languages() -> None:
    """`audit_read(purpose=...)`: the audit page shows a read's purpose in the reader's language."""
    purposes: set[str] = set()
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "audit_read":
                purpose = next((k.value for k in node.keywords if k.arg == "purpose"), None)
                assert isinstance(purpose, ast.Constant), f"{path.relative_to(SRC)}:{node.lineno}: a literal purpose"
                purposes.add(purpose.value)
    labels = LABELS["audit_purpose"]
    assert purposes and sorted(purposes - set(labels)) == [], "label these in LABELS['audit_purpose']"
    assert all(CJK.search(translate("zh", labels[p])) for p in purposes)
