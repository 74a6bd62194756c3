"""Browser tests on the demo's own data set, built by `duecare demo --no-serve` (the code `make demo` runs).

- `demo_data`: built once per test session, shared by xdist workers through a file lock.
- `demo_site`: a copy of it served by `duecare serve` in a subprocess (the demo's own server settings:
  demo codes on screen, its keys), one per test module so that journeys never see each other's writes.
- `browser`: Debian's Chromium, headless (never a browser download).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock

sys.path.insert(0, str(Path(__file__).parent))

from e2e_support import CHROMIUM_ARGS, DemoSite

from duecare.demo.run import duecare_command

DEMO_ACCOUNTS = 300  # small, but large enough for a borrower whose decision is visit_notice (seed 42)


def _demo_env(directory: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DUECARE_DATABASE_URL", "DUECARE_DEMO_NOW")}
    env.update(DUECARE_DATA_DIR=str(directory), DUECARE_DEMO="1", DUECARE_DEMO_CODES="1")
    return env


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The directory `duecare demo --no-serve` filled: database, keys, model, decisions, demo-people.json.
    E2E_DEMO_DATA=<dir> reuses a demo directory built before (`duecare demo --no-serve --dir <dir>`): each
    module serves its own copy, so the directory itself is never written."""
    prebuilt = os.environ.get("E2E_DEMO_DATA")
    if prebuilt:
        return Path(prebuilt)
    root = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    directory = root / "demo-data"
    with FileLock(str(root / "demo-data.lock")):
        if not (directory / "demo-people.json").exists():
            done = subprocess.run([*duecare_command(), "demo", "--accounts", str(DEMO_ACCOUNTS), "--dir",
                                   str(directory), "--no-serve"], env=_demo_env(directory), capture_output=True,
                                  text=True, timeout=900, check=False)
            if done.returncode != 0:
                pytest.fail(f"duecare demo failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return directory


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_copy(demo_data: Path, target: Path, extra_env: dict[str, str] | None = None) -> Iterator[DemoSite]:
    """A private copy of the demo data served by `duecare serve` until the generator is closed (with
    `extra_env` added to the demo's environment, e.g. a payment provider's address)."""
    shutil.copytree(demo_data, target, ignore=shutil.ignore_patterns("portfolio", "*.lock"))
    port = _free_port()
    log = (target / "serve.log").open("wb")
    proc = subprocess.Popen([*duecare_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env={**_demo_env(target), **(extra_env or {})}, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if proc.poll() is not None:
                pytest.fail(f"duecare serve exited {proc.returncode}: {(target / 'serve.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(base + "/console/signin", timeout=2):
                    break
            except OSError:
                time.sleep(0.1)
        people = json.loads((target / "demo-people.json").read_text(encoding="utf-8"))
        yield DemoSite(base=base, directory=target, people=people)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def demo_site(demo_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    yield from serve_copy(demo_data, tmp_path_factory.mktemp("site") / "demo")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is missing: run `make system-deps` (never a browser download)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()
