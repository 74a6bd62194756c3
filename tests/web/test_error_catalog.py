"""Every error a page can show is a message id with a Chinese translation: the raise sites of the modules behind
the pages (portal, console, the visit workflow, sign-in and permissions, the data-subject rights, promises,
contact preferences, the demo clock) are walked, and a message that is not marked `N_` (or passed on marked)
fails here, as does a marked one the zh_CN catalog lacks or whose fields it renames."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from duecare.kit.i18n import translations
from duecare.web import problems

SRC = Path(__file__).resolve().parents[2] / "src" / "duecare"
# The modules whose errors reach a page: the page routers and the services they call.
PAGE_MODULES = sorted({*SRC.glob("console/*.py"), *SRC.glob("portal/*.py"),
                       *(p for p in SRC.glob("visits/*.py") if p.name != "cli.py"),
                       *(SRC / p for p in ("privacy/deps.py", "privacy/permissions.py", "privacy/rights.py",
                                           "privacy/rights_routes.py", "privacy/auth.py", "privacy/auth_routes.py",
                                           "policy/promises.py", "contacts/preferences.py", "kit/democlock.py"))})
# Errors a page can show, and which argument is the message (TransitionError, DocumentRefused: their code first).
MESSAGE_ARG = {"UserError": 0, "NotFound": 0, "Conflict": 0, "Forbidden": 0, "TooMany": 0, "Unavailable": 0,
               "TransitionError": 1, "HTTPException": 1, "DocumentRefused": 1}
# Errors that are not a page's: a policy file that does not load stops the app at start (visits/scope.py).
NOT_A_PAGE = {"PolicyError"}
# A message already in the reader's language or carried on marked: these wrap it.
PASSES_ON = {"N_", "Message", "message_of", "bilingual", "_say"}
# A variable that holds a marked Message (built by a function of the same module), or an error whose own
# `__init__` marks its message (privacy.permissions.Forbidden(actor, permissions)); reviewed one by one.
MARKED_VARIABLES = {("console/casework.py", "quiet"), ("privacy/permissions.py", "actor")}
FIELD = re.compile(r"{(\w*)[^{}]*}")


def _name(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None


def _message(call: ast.Call, kind: str) -> ast.expr | None:
    index = MESSAGE_ARG[kind]
    if kind == "HTTPException":
        return next((k.value for k in call.keywords if k.arg == "detail"),
                    call.args[index] if len(call.args) > index else None)
    return call.args[index] if len(call.args) > index else None


def raise_sites() -> list[tuple[str, int, ast.expr | None]]:
    """(module, line, message argument) of every error constructed in the page modules."""
    sites = []
    for path in PAGE_MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) in MESSAGE_ARG:
                kind = str(_name(node.func))
                if kind == "HTTPException" and _message(node, kind) is None:
                    continue  # a bare status (its reason phrase)
                sites.append((str(path.relative_to(SRC)), node.lineno, _message(node, kind)))
    return sites


def marked_ids(node: ast.expr) -> list[str]:
    """The message ids inside `N_("...")` calls of an expression."""
    return [str(n.args[0].value) for n in ast.walk(node) if isinstance(n, ast.Call) and _name(n.func) == "N_"
            and n.args and isinstance(n.args[0], ast.Constant)]


SITES = raise_sites()


def test_the_walk_finds_the_page_raise_sites() -> None:
    assert len(SITES) > 150 and any(m == "console/casework.py" for m, _, _ in SITES)


def test_every_page_error_message_is_marked_for_translation() -> None:
    unmarked = []
    for module, line, message in SITES:
        if message is None:
            continue
        if isinstance(message, ast.Call) and _name(message.func) in PASSES_ON:
            continue
        if isinstance(message, ast.Name) and (module, message.id) in MARKED_VARIABLES:
            continue
        unmarked.append(f"{module}:{line}: {ast.unparse(message)[:80]}")
    assert unmarked == []


def test_every_page_error_message_has_a_chinese_translation_with_the_same_fields() -> None:
    zh = translations("zh_CN")
    ids = {mid for _, _, message in SITES if message is not None for mid in marked_ids(message)}
    ids |= {*problems.MESSAGES.values(), *problems.FIELD_LABELS.values(), problems.TOO_SHORT, problems.EMPTY,
            problems.INVALID, problems.INVALID_BECAUSE, problems.FIELD_SAYS, problems.BODY}
    untranslated = sorted(mid for mid in ids if zh.gettext(mid) == mid)
    renamed = sorted(mid for mid in ids if sorted(FIELD.findall(mid)) != sorted(FIELD.findall(zh.gettext(mid))))
    assert len(ids) > 150 and untranslated == [] and renamed == []


@pytest.mark.parametrize("kind", sorted(problems.MESSAGES))
def test_each_form_problem_reads_in_chinese_and_english(kind: str) -> None:
    error = {"type": kind, "loc": ("body", "amount"),
             "ctx": {"max_length": 9, "min_length": 2, "gt": 0, "ge": 0, "lt": 9, "le": 9}}
    zh, en = problems.problem(error, "zh_CN"), problems.problem(error, "en")
    assert re.search(r"[\u4e00-\u9fff]", zh) and not re.search(r"[\u4e00-\u9fff]", en)
    assert kind == "json_invalid" or (zh.startswith("金额") and en.startswith("Amount"))


def test_no_page_shows_a_sentence_of_its_own_as_the_forms_error() -> None:
    """`render(..., error="...")`: a code the template labels (`promise_invalid`), or a message through
    `web.errors.shown`, never an English sentence."""
    sentences = []
    for path in PAGE_MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "error" and isinstance(node.value, ast.Constant) \
                    and " " in str(node.value.value):
                sentences.append(f"{path.relative_to(SRC)}:{node.value.lineno}: {node.value.value}")
    assert sentences == []
