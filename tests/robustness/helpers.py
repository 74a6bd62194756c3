"""Running the real `duecare` entry point in-process and the worked example case file."""

from __future__ import annotations

import copy
import sys
from typing import Any

import pytest

from duecare import cli

WORKED: dict[str, Any] = {
    "as_of": "2026-11-25T10:00:00+08:00",
    "borrower": {"id": "B1", "jurisdiction": "cn", "timezone": "Asia/Shanghai", "phones": ["13800138000"]},
    "loans": [{"id": "L1", "currency": "CNY", "principal": 12000, "disbursed_on": "2025-12-15",
               "installments": [{"seq": 1, "due_date": "2026-01-01", "amount": 1100}],
               "payments": [{"paid_at": "2026-01-01T12:00:00+08:00", "amount": 100}]}],
    "contacts": [{"at": "2026-11-18T10:00:00+08:00", "channel": "call", "direction": "outbound",
                  "outcome": "no_answer"}],
}


def case(**changes: Any) -> dict[str, Any]:
    """The worked example with some paths changed: `case(**{"loans.0.installments.0.amount": 1e17})`."""
    data = copy.deepcopy(WORKED)
    for path, value in changes.items():
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return data


def run_main(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    """Run `duecare ARGS` as the console script does; return its exit status."""
    monkeypatch.setattr(sys, "argv", ["duecare", *args])
    with pytest.raises(SystemExit) as done:
        cli.main()
    code = done.value.code
    return code if isinstance(code, int) else (0 if code is None else 1)
