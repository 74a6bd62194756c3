"""After `duecare generate` + `duecare ingest`, the raw database holds no name or phone number in clear."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from duecare.cli import app as cli_app
from duecare.kit import db as kitdb


def _portfolio(tmp_path: Path) -> tuple[Path, list[str], list[str]]:
    out = tmp_path / "portfolio"
    r = CliRunner().invoke(cli_app, ["generate", "--accounts", "40", "--seed", "7", "--out", str(out),
                                     "--jurisdiction", "mixed", "--as-of", "2026-11-25"])  # fmt: skip
    assert r.exit_code == 0, r.output
    files = list(out.glob("borrowers.*"))
    borrowers = pl.read_parquet(files[0]) if files[0].suffix == ".parquet" else pl.read_csv(files[0])
    names = [n for n in borrowers["name"].to_list() if n]
    phones: list[str] = []
    for value in borrowers["phones"].to_list():
        phones.extend(value if isinstance(value, list) else str(value).split(";"))
    digits = sorted({"".join(ch for ch in p if ch.isdigit()) for p in phones if p})
    assert names and digits
    return out, names, digits


def _ingest(directory: Path, url: str) -> None:
    r = CliRunner().invoke(cli_app, ["ingest", str(directory), "--database-url", url])
    assert r.exit_code == 0, r.output


def _leaks(blob: bytes, names: list[str], phones: list[str]) -> list[str]:
    text = blob.decode("utf-8", errors="replace")
    return [n for n in names if n in text] + [p for p in phones if p in text]


def test_sqlite_file_holds_no_names_or_phones(tmp_path: Path, sqlite_url: str) -> None:
    directory, names, phones = _portfolio(tmp_path)
    _ingest(directory, sqlite_url)
    path = Path(make_url(sqlite_url).database or "")
    kitdb._engines.pop(sqlite_url).dispose()  # checkpoint the WAL into the file
    blob = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert len(blob) > 10_000
    assert _leaks(blob, names, phones) == []


@pytest.mark.postgres
def test_postgresql_dump_holds_no_names_or_phones(tmp_path: Path, pg_url: str) -> None:
    pg_dump = shutil.which("pg_dump") or "/usr/lib/postgresql/15/bin/pg_dump"
    directory, names, phones = _portfolio(tmp_path)
    _ingest(directory, pg_url)
    dsn = make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False)
    dump = subprocess.run([pg_dump, "--data-only", dsn], capture_output=True, check=True).stdout
    assert b"COPY public.borrowers" in dump
    assert _leaks(dump, names, phones) == []
