"""Start `duecare serve` as a real process on a free loopback port, and stop it (used by serve and fault tests)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

SRC = Path(__file__).resolve().parents[2] / "src"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children(pid: int) -> list[int]:
    """The direct child processes of `pid` (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text() if (task / "children").exists() else ""
        found += [int(c) for c in text.split()]
    return found


@contextmanager
def serving(url: str, *args: str, env: dict[str, str] | None = None, timeout_s: float = 90,
            log: Path | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`duecare serve --database-url url ARGS` on a free port until /healthz answers; yields (base, process).

    The server's stderr goes to `log` (a temporary file if none): a pipe nobody reads would fill up and freeze
    the server at its next logged line."""
    port = free_port()
    environ = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", **(env or {})}
    with tempfile.TemporaryDirectory(prefix="duecare-serve-") as tmp:
        log_path = log or Path(tmp) / "serve.log"
        with log_path.open("wb") as err:
            proc = subprocess.Popen(
                [sys.executable, "-m", "duecare.cli", "serve", "--port", str(port), "--database-url", url, *args],
                env=environ, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        yield from _until_stopped(proc, port, log_path, timeout_s)


def _until_stopped(proc: subprocess.Popen[bytes], port: int, log_path: Path,
                   timeout_s: float) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"duecare serve exited {proc.returncode}: "
                                   f"{log_path.read_bytes().decode(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("duecare serve did not answer /healthz in time")
            time.sleep(0.3)
        yield base, proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
