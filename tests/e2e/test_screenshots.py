"""scripts/screenshots.py on the shared demo data set: every page of each journey is captured at 1280 and 390 px
in Debian's Chromium, each answering without an error, and the index links every picture."""

from __future__ import annotations

import importlib.util
import struct
import sys
from pathlib import Path
from types import ModuleType

import pytest
from e2e_support import DemoSite

pytestmark = pytest.mark.browser

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "screenshots.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("duecare_screenshots", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_each_journey_page_is_captured_at_desktop_and_phone_width(demo_site: DemoSite, tmp_path: Path) -> None:
    shots = _script()
    files = shots.capture(demo_site.base, demo_site.people, tmp_path / "shots")
    pngs = [f for f in files if f.suffix == ".png"]
    assert len(pngs) == 2 * len(shots.SHOTS)
    assert {s.journey for s in shots.SHOTS} >= {"agent", "visit", "inbox", "borrower"}
    for shot in shots.SHOTS:
        assert _png_size(tmp_path / "shots" / f"{shot.name}-desktop.png")[0] == 1280
        assert _png_size(tmp_path / "shots" / f"{shot.name}-phone.png")[0] == 390
    index = (tmp_path / "shots" / "index.md").read_text(encoding="utf-8")
    assert all(f"]({p.name})" in index for p in pngs)
