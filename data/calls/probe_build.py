"""Write an unseen probe split (data/calls/probe2/, probe3/ or probe4/) from probe<N>_calls.py.

    .venv/bin/python data/calls/probe_build.py probe2
    .venv/bin/python data/calls/probe_build.py probe3
    .venv/bin/python data/calls/probe_build.py probe4

Same formats and labelling conventions as fresh_build.py (see the docstring of each *_calls.py module). Each split
was written by hand and committed before the analyser was run on it; read it with
`benchmarks/calls.py --split probe2` (or probe3).
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from fresh_build import build  # noqa: E402


def main() -> None:
    split = sys.argv[1] if len(sys.argv) > 1 else "probe2"
    calls = importlib.import_module(f"{split}_calls")
    out = HERE / split
    out.mkdir(exist_ok=True)
    for old in out.glob("*.json"):
        old.unlink()
    prefix = {"probe2": "q", "probe3": "r"}.get(split, "s")
    rows = build("zh", calls.ZH, out, split, prefix) + build("en", calls.EN, out, split, prefix)
    for row in rows:
        row["source"] = split
    (out / "index.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    print(f"wrote {len(rows)} calls to {out.name}: zh={len(calls.ZH)} en={len(calls.EN)}", file=sys.stderr)


if __name__ == "__main__":
    main()
