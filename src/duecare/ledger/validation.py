"""Reading and checking portfolio files (docs/data-format.md) with Polars expressions, one column at a time.

Every problem becomes a `Problem` that names the file, the data row (1-based, the CSV header not counted),
the column and the reason, e.g. `payments.csv row 17: amount: must be > 0`. Values are echoed only for
columns that hold no personal data (ids, enums, timezones).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from duecare.kit.bounds import ID_PATTERN, MAX_AMOUNT, MAX_ID, MAX_YEAR, MIN_YEAR, ZONES

ROW = "_row"
UTC_TS = pl.Datetime("us", "UTC")
_TIMEZONES = sorted(ZONES)
_YEARS = f"must lie between {MIN_YEAR} and {MAX_YEAR}"
_MONEY_RE = r"^\s*\d{1,16}(\.\d{1,2})?\s*$"
_SIGNED_MONEY_RE = r"^\s*-?\d{1,16}(\.\d{1,2})?\s*$"
_DATE_RE = r"^\d{4}-\d{2}-\d{2}$"
_OFFSET_RE = r"(Z|[+-]\d{2}:?\d{2})$"
_PHONE_RE = r"^\+?[0-9 ().\-]{5,24}$"
_TRUE = ("true", "t", "1", "yes", "y")
_FALSE = ("false", "f", "0", "no", "n")


@dataclass(frozen=True)
class Col:
    """One column of a portfolio file: its kind, whether it may be empty, and its checks."""

    name: str
    kind: str  # id | str | enum | bool | date | timestamp | money | int | float | phones | timezone
    required: bool = True
    values: tuple[str, ...] = ()
    positive: bool = False
    minimum: float | None = None
    maximum: float | None = None
    ref: str | None = None  # file whose key this column must name
    max_len: int = 200
    pattern: str | None = None  # regular expression the text must match
    pattern_hint: str = ""


@dataclass(frozen=True)
class FileSpec:
    name: str
    key: tuple[str, ...]
    cols: tuple[Col, ...]
    required_file: bool = False

    def col(self, name: str) -> Col:
        return next(c for c in self.cols if c.name == name)


@dataclass(frozen=True)
class Problem:
    source: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.source if self.row is None else f"{self.source} row {self.row}"
        return f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


@dataclass
class Checked:
    """A file after checking: typed columns (plus `_row`), its problems and how many there were."""

    spec: FileSpec
    source: str
    frame: pl.DataFrame
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    warnings: list[str] = field(default_factory=list)


Message = str | Callable[[object], str]


def _show(value: object) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _not_one_of(values: tuple[str, ...]) -> Callable[[object], str]:
    def message(value: object) -> str:
        return f"{_show(value)} is not one of {', '.join(values)}"
    return message


def _not_a_timezone(value: object) -> str:
    return f"{_show(value)} is not an IANA timezone of a real place (e.g. Asia/Shanghai)"


def _is_string(dtype: pl.DataType) -> bool:
    return dtype in (pl.String, pl.Categorical) or isinstance(dtype, (pl.Categorical, pl.Enum))


def _parse(col: Col, dtype: pl.DataType, shape: bool = True) -> tuple[pl.Expr, list[tuple[pl.Expr, Message]]] | str:
    """Typed expression for a column plus (bad-row mask, message) checks; a str is a whole-file problem.

    `shape=False` skips the length and pattern checks of ids and text (the run joins on ids, never shows them)."""
    c = pl.col(col.name)
    present = c.is_not_null()
    checks: list[tuple[pl.Expr, Message]] = []
    if _is_string(dtype):
        s = c.cast(pl.String).str.strip_chars().replace("", None)  # blank is absent (cheaper than when/then)
        present = s.is_not_null()
    else:
        s = c
    kind = col.kind

    if kind in ("id", "str", "enum", "timezone"):
        if not (_is_string(dtype) or dtype.is_integer()):
            return f"must be text, found {dtype}"
        typed = s.cast(pl.String)
        limit = MAX_ID if kind == "id" else col.max_len
        if kind in ("id", "str") and shape:  # an enum or zone is checked against its list, bounding its length
            checks.append((present & (typed.str.len_chars() > limit), f"must be at most {limit} characters"))
        if kind == "id" and shape:
            checks.append((present & (typed.str.len_chars() <= limit) & ~typed.str.contains(ID_PATTERN),
                           "must be letters, digits or . _ : @ - (starting with a letter or digit)"))
        if col.pattern and shape:
            checks.append((present & ~typed.str.contains(col.pattern), col.pattern_hint or "has the wrong form"))
        if kind == "enum":
            checks.append((present & ~typed.is_in(list(col.values)), _not_one_of(col.values)))
        if kind == "timezone":
            checks.append((present & ~typed.is_in(_TIMEZONES), _not_a_timezone))
    elif kind == "bool":
        if dtype == pl.Boolean:
            typed = s
        elif _is_string(dtype):
            low = s.str.to_lowercase()
            typed = pl.when(low.is_in(list(_TRUE))).then(True).when(low.is_in(list(_FALSE))).then(False)
            checks.append((present & typed.is_null(), "must be true or false"))
        elif dtype.is_integer():
            typed = s.cast(pl.Boolean)
            checks.append((present & ~s.is_in([0, 1]), "must be true or false (1 or 0)"))
        else:
            return f"must be boolean, found {dtype}"
    elif kind == "date":
        if dtype == pl.Date:
            typed = s
        elif _is_string(dtype):
            typed = s.str.to_date("%Y-%m-%d", strict=False)
            checks.append((present & (typed.is_null() | ~s.str.contains(_DATE_RE)),
                           "must be a date YYYY-MM-DD"))
        else:
            return f"must be a date, found {dtype}"
        checks.append((present & typed.is_not_null() & ~typed.dt.year().is_between(MIN_YEAR, MAX_YEAR), _YEARS))
    elif kind == "timestamp":
        if isinstance(dtype, pl.Datetime):
            if dtype.time_zone is None:
                return "must be timestamp[us, UTC] (a timezone-aware timestamp), found one without timezone"
            typed = s.dt.convert_time_zone("UTC").cast(UTC_TS)
        elif _is_string(dtype):
            iso = s.str.replace(r"^(\d{4}-\d{2}-\d{2}) ", "${1}T").str.replace(r"Z$", "+00:00")
            typed = iso.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%z", time_zone="UTC", time_unit="us", strict=False)
            checks.append((present & ~s.str.contains(_OFFSET_RE),
                           "has no UTC offset; write e.g. 2026-01-01T12:00:00+08:00"))
            checks.append((present & s.str.contains(_OFFSET_RE) & typed.is_null(),
                           "must be an ISO 8601 timestamp such as 2026-01-01T12:00:00+08:00"))
        else:
            return f"must be a timestamp, found {dtype}"
        checks.append((present & typed.is_not_null() & ~typed.dt.year().is_between(MIN_YEAR, MAX_YEAR), _YEARS))
    elif kind == "money":
        if isinstance(dtype, pl.Decimal):
            if (dtype.scale or 0) > 2:
                scaled = s.cast(pl.Decimal(38, dtype.scale or 0))
                checks.append((present & (scaled != scaled.cast(pl.Decimal(38, 2)).cast(pl.Decimal(38, dtype.scale))),
                               "must have at most 2 decimals"))
            typed = s.cast(pl.Decimal(38, 2))
        elif dtype.is_integer():
            typed = s.cast(pl.Decimal(38, 2))
        elif _is_string(dtype):
            typed = s.cast(pl.Decimal(38, 2), strict=False)
            checks.append((present & ~s.str.contains(_SIGNED_MONEY_RE),
                           "must be a decimal amount with at most 2 decimals, e.g. 1100.50"))
        else:
            return f"must be decimal(18,2) or a decimal string, found {dtype} (floats lose cents)"
        too_big = typed.cast(pl.Float64).abs() > float(MAX_AMOUNT)
        checks.append((present & typed.is_not_null() & too_big, f"must be at most {MAX_AMOUNT:,}"))
        typed = pl.when(~too_big).then((typed * 100).cast(pl.Int64, strict=False))
        if col.positive:
            checks.append((present & typed.is_not_null() & (typed <= 0), "must be > 0"))
    elif kind == "int":
        if dtype.is_integer():
            typed = s.cast(pl.Int64)
        elif _is_string(dtype):
            typed = s.cast(pl.Int64, strict=False)
            checks.append((present & typed.is_null(), "must be a whole number"))
        else:
            return f"must be an integer, found {dtype}"
    elif kind == "float":
        if dtype.is_numeric():
            typed = s.cast(pl.Float64)
        elif _is_string(dtype):
            typed = s.cast(pl.Float64, strict=False)
            checks.append((present & typed.is_null(), "must be a number"))
        else:
            return f"must be a number, found {dtype}"
        checks.append((present & (typed.is_nan() | typed.is_infinite()), "must be a finite number"))
    elif kind == "phones":
        if isinstance(dtype, pl.List):
            items = s.list.eval(pl.element().cast(pl.String).str.strip_chars())
        elif _is_string(dtype):
            items = s.str.split(";").list.eval(pl.element().str.strip_chars())
        elif dtype == pl.Null:
            items = s.cast(pl.List(pl.String))
        else:
            return f"must be a list of text (CSV: ';'-separated), found {dtype}"
        typed = items.list.eval(pl.element().filter(pl.element().str.len_chars() > 0)).fill_null([])
        bad = typed.list.eval(~pl.element().str.contains(_PHONE_RE)).list.any()
        checks.append((bad, "each phone must be 5-24 characters of digits, spaces, + ( ) . -"))
        present = pl.lit(True)
    else:  # pragma: no cover - the specs use only the kinds above
        raise ValueError(kind)

    scale = 100 if kind == "money" else 1  # money is typed in minor units (rates: basis points)
    if col.minimum is not None:
        checks.append((present & typed.is_not_null() & (typed < col.minimum * scale), f"must be >= {col.minimum:g}"))
    if col.maximum is not None:
        checks.append((present & typed.is_not_null() & (typed > col.maximum * scale), f"must be <= {col.maximum:g}"))
    if col.required:
        checks.insert(0, (~present, "is required"))
    if kind in ("id", "str", "enum", "timezone"):  # already null where absent
        return typed.alias(col.name), checks
    return pl.when(present).then(typed).alias(col.name), checks


def scan_file(path: Path) -> pl.LazyFrame:
    """Parquet as stored; CSV with every column as text (types are checked column by column)."""
    if path.suffix == ".parquet":
        return pl.scan_parquet(path)
    return pl.scan_csv(path, infer_schema_length=0, encoding="utf8")


def read_file(path: Path) -> pl.DataFrame:
    """A whole file as `scan_file` reads it."""
    return scan_file(path).collect()


def count_rows(path: Path) -> int:
    """The data rows of a file (Parquet: from its footer; CSV: one pass that keeps nothing)."""
    return int(scan_file(path).select(pl.len()).collect().item())


def read_batches(path: Path, size: int) -> Iterator[tuple[int, pl.DataFrame]]:
    """(offset, rows) of a file `size` rows at a time, so memory holds one batch whatever the file's size;
    at least one batch, empty for a file without data rows (its columns still tell what the file carries)."""
    scan = scan_file(path)
    offset = 0
    while True:
        batch = scan.slice(offset, size).collect()
        yield offset, batch
        offset += batch.height
        if batch.height < size:
            return


def typed_keys(spec: FileSpec, schema: pl.Schema) -> list[pl.Expr] | None:
    """The key columns typed as `check` types them (None when a key column cannot be typed at all)."""
    exprs = []
    for name in spec.key:
        parsed = _parse(spec.col(name), schema[name], shape=False)
        if isinstance(parsed, str):
            return None
        exprs.append(parsed[0])
    return exprs


# Given a batch's typed rows (with `_row`), which of them repeat a key of an earlier batch of the same file.
EarlierKeys = Callable[[pl.DataFrame], pl.Series]


def repeated_keys(frame: pl.DataFrame, key: Sequence[str]) -> pl.Series:
    """True on each row whose key appeared in an earlier row. When the keys' hashes are all distinct no key
    repeats (equal keys hash equally): the common case, at a fifth of the cost of the exact test, which decides
    otherwise (so a hash collision never marks a row)."""
    hashed = frame.select(pl.struct(list(key)).hash(seed=20261205).n_unique()).item()
    if hashed == frame.height:
        return pl.repeat(False, frame.height, eager=True)
    return frame.select(~pl.struct(list(key)).is_first_distinct()).to_series()


def check(spec: FileSpec, raw: pl.DataFrame, source: str, limit: int = 20, offset: int = 0,
          earlier: EarlierKeys | None = None) -> Checked:
    """Type and check every row of one file (or of the batch of its rows from `offset` on, `earlier` telling
    which repeat a key of the batches before); the result's frame is valid only if it has no problems."""
    out = Checked(spec=spec, source=source, frame=pl.DataFrame())
    names = [c.name for c in spec.cols]
    unknown = [c for c in raw.columns if c not in names]
    if unknown:
        out.warnings.append(f"{source}: ignoring unknown column(s) {', '.join(unknown)}")
    missing = [c.name for c in spec.cols if c.name not in raw.columns and c.required]
    if missing:
        out.problems.append(Problem(source, None, None, f"missing column(s) {', '.join(missing)} "
                                    "(see docs/data-format.md)"))
        out.problem_count = 1
        return out
    raw = raw.with_columns(pl.lit(None, dtype=pl.String).alias(c.name) for c in spec.cols
                           if c.name not in raw.columns)
    typed_exprs: list[pl.Expr] = []
    masks: list[pl.Expr] = []
    messages: list[tuple[str, Message]] = []
    for col in spec.cols:
        parsed = _parse(col, raw.schema[col.name])
        if isinstance(parsed, str):
            out.problems.append(Problem(source, None, col.name, parsed))
            continue
        expr, checks = parsed
        typed_exprs.append(expr)
        for mask, message in checks:
            masks.append(mask.fill_null(False).alias(f"_m{len(masks)}"))
            messages.append((col.name, message))
    if out.problems:
        out.problem_count = len(out.problems)
        return out
    frame = raw.with_row_index(ROW, offset=1 + offset).select(pl.col(ROW), *typed_exprs)
    flagged = raw.with_row_index(ROW, offset=1 + offset).select(pl.col(ROW), *names, *masks)
    # Duplicate keys (compared after typing, so " B1" and "B1" are the same id): later occurrences are bad.
    key_label = "(" + ", ".join(spec.key) + ")" if len(spec.key) > 1 else spec.key[0]
    dup = repeated_keys(frame, spec.key).alias(f"_m{len(masks)}").to_frame()
    if earlier is not None and frame.height:
        dup = pl.DataFrame([(dup.to_series() | earlier(frame)).alias(dup.columns[0])])
    flagged = flagged.hstack(dup)
    messages.append((key_label, f"duplicate {key_label}: it already appears in an earlier row"))
    _collect(out, flagged, messages, limit)
    out.frame = frame
    return out


def _collect(out: Checked, flagged: pl.DataFrame, messages: Sequence[tuple[str, Message]], limit: int) -> None:
    mask_cols = [f"_m{i}" for i in range(len(messages))]
    counts = flagged.select(pl.col(m).sum() for m in mask_cols).row(0)
    out.problem_count += int(sum(counts))
    if not out.problem_count:
        return
    found: list[Problem] = []
    for (column, message), mask, count in zip(messages, mask_cols, counts, strict=True):
        if not count:
            continue
        rows = flagged.filter(pl.col(mask)).head(limit)
        value_col = column if column in flagged.columns else None
        for rec in rows.iter_rows(named=True):
            text = message(rec[value_col] if value_col else None) if callable(message) else message
            found.append(Problem(out.source, rec[ROW], column, text))
    found.sort(key=lambda p: (p.row or 0, p.column or ""))
    out.problems.extend(found[:limit])


def check_refs(checked: Checked, column: str, missing: set[str], what: str, limit: int = 20) -> None:
    """Add a problem for each row whose `column` names an id that exists neither in its file nor the store."""
    if not missing:
        return
    bad = checked.frame.filter(pl.col(column).is_in(list(missing)))
    checked.problem_count += bad.height
    room = max(0, limit - len(checked.problems))
    for row, value in bad.select(ROW, column).head(room).iter_rows():
        checked.problems.append(Problem(checked.source, row, column,
                                        f"{_show(value)} is not a known {what} (neither in the files nor "
                                        "in the database)"))


def add_rows(checked: Checked, rows: pl.DataFrame, column: str, message: str, limit: int = 20) -> None:
    """Add one problem per row of `rows` (a filtered part of `checked.frame`)."""
    if rows.is_empty():
        return
    checked.problem_count += rows.height
    room = max(0, limit - len(checked.problems))
    checked.problems.extend(Problem(checked.source, row, column, message)
                            for row in rows.get_column(ROW).sort().head(room).to_list())


def _listed_fast(col: Col, raw: pl.DataFrame) -> tuple[pl.Expr, list[tuple[pl.Expr, Message]]] | None:
    """An enum or zone column whose distinct values are all allowed as written needs no per-row work."""
    if col.kind not in ("enum", "timezone") or not _is_string(raw.schema[col.name]):
        return None
    allowed = set(col.values if col.kind == "enum" else _TIMEZONES)
    distinct = set(raw.get_column(col.name).cast(pl.String).drop_nulls().unique().to_list())
    if not distinct <= allowed:
        return None
    typed = pl.col(col.name).cast(pl.String)
    checks: list[tuple[pl.Expr, Message]] = [(typed.is_null(), "is required")] if col.required else []
    return typed.alias(col.name), checks


def screen(spec: FileSpec, raw: pl.DataFrame, columns: Sequence[str],
           passthrough: Sequence[str] = ()) -> tuple[pl.DataFrame, pl.DataFrame] | str:
    """Type the given columns of `raw` (which carries `_row`) with the checks of ingest: the sound rows, and the
    refused rows with the first problem of each in `_reason`; a str is a whole-file problem.

    The nightly run reads files that may not have passed `duecare ingest`: a bad row is set aside with its
    reason rather than stopping the night."""
    wanted = [c for c in spec.cols if c.name in columns]
    missing = [c.name for c in wanted if c.required and c.name not in raw.columns]
    if missing:
        return f"missing column(s) {', '.join(missing)} (see docs/data-format.md)"
    raw = raw.with_columns(pl.lit(None, dtype=pl.String).alias(c.name) for c in wanted if c.name not in raw.columns)
    typed: list[pl.Expr] = []
    masks: list[pl.Expr] = []
    texts: list[str] = []
    for col in wanted:
        parsed = _listed_fast(col, raw) or _parse(col, raw.schema[col.name], shape=False)
        if isinstance(parsed, str):
            return f"{col.name}: {parsed}"
        expr, checks = parsed
        typed.append(expr)
        for mask, message in checks:
            masks.append(mask.fill_null(False).alias(f"_m{len(masks)}"))
            text = message if isinstance(message, str) else message("").removeprefix("'' ")
            texts.append(f"{col.name}: {text}")
    carried = [pl.col(c) for c in passthrough if c in raw.columns and c not in columns]  # no spec: as read
    frame = raw.lazy().select(pl.col(ROW), *typed, *carried, *masks).collect()  # lazy: shared sub-expressions once
    names = [f"_m{i}" for i in range(len(masks))]
    if all(k in columns for k in spec.key):
        frame = frame.with_columns(repeated_keys(frame, spec.key).alias(f"_m{len(names)}"))
        names.append(f"_m{len(names)}")
        texts.append(f"duplicate {', '.join(spec.key)}: it already appears in an earlier row")
    if not names:
        return frame, frame.clear().with_columns(pl.lit(None, dtype=pl.String).alias("_reason"))
    any_bad = pl.any_horizontal(names)
    good = frame.filter(~any_bad).drop(names)
    bad = frame.filter(any_bad)
    reason = pl.coalesce([pl.when(pl.col(n)).then(pl.lit(t)) for n, t in zip(names, texts, strict=True)])
    return good, bad.with_columns(reason.alias("_reason")).drop(names)
