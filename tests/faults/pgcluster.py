"""A PostgreSQL cluster of a test's own, which the test may stop and start (the shared one must stay up for the
other tests). Loopback only, in a temporary directory; as root the server runs as the system user `duecare-pg`
(the one scripts/with-services.sh uses, created when missing)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    def __init__(self, root: Path, binaries: Path) -> None:
        self.root, self.bin = root, binaries
        self.data, self.sock = root / "data", root / "sock"
        self.port = _free_port()
        self.as_pg: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            if subprocess.run(["id", "duecare-pg"], capture_output=True).returncode != 0:
                subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                                "duecare-pg"], check=True)
            self.as_pg = ["runuser", "-u", "duecare-pg", "--"]

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://duecare@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://duecare@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_pg, *args], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self.root.chmod(0o755)
        self.data.mkdir()
        self.sock.mkdir()
        if self.as_pg:
            shutil.chown(self.data, "duecare-pg")
            shutil.chown(self.sock, "duecare-pg")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "duecare", "--auth=trust",
                  "--encoding=UTF8", "--no-locale")

    def start(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60", "-l", str(self.sock / "log"),
                  "-o", f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 -c fsync=off "
                        "-c max_connections=200", "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast`: open sessions are ended and rolled back, committed data kept (a restart, a failover)."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


@contextmanager
def own_cluster() -> Iterator[Cluster]:
    binaries = pg_bin()
    if binaries is None:
        raise RuntimeError("PostgreSQL binaries not found (apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="duecare-pgfault-"))
    cluster = Cluster(root, binaries)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        if cluster.running():
            with suppress(subprocess.SubprocessError):
                cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
