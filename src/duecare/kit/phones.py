"""Phone numbers in one canonical form (E.164) before they are stored, hashed or looked up.

`+86 139 0013 9000`, `13900139000` and `0086 139 0013 9000` are one person to sign-in, reply matching,
suppression, ingest and search: each is parsed for the borrower's jurisdiction (cn -> CN, us -> US, uk -> GB)
with libphonenumber's metadata and written as `+8613900139000`. A number that is not valid there is refused.
"""

from __future__ import annotations

from collections.abc import Iterable

import phonenumbers
import polars as pl

from duecare.kit.errors import UserError

# The borrower's jurisdiction -> the ISO 3166 region whose numbering plan reads a national number.
REGIONS: dict[str, str] = {"cn": "CN", "us": "US", "uk": "GB"}


class InvalidPhone(UserError):
    """A phone number that is not a valid number for the jurisdiction it belongs to."""


def to_e164(raw: str, jurisdiction: str) -> str:
    """The number in E.164, read as a national number of the jurisdiction unless it carries a country code."""
    region = REGIONS.get(jurisdiction)
    if region is None:
        raise InvalidPhone(f"unknown jurisdiction {jurisdiction!r} (expected one of {', '.join(REGIONS)})")
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"not a valid phone number for {jurisdiction} ({region})")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def e164_or_none(raw: str, jurisdiction: str) -> str | None:
    """`to_e164`, or None where the number is not valid there."""
    try:
        return to_e164(raw, jurisdiction)
    except InvalidPhone:
        return None


def e164_readings(raw: str, jurisdictions: Iterable[str] = REGIONS) -> list[str]:
    """Every valid E.164 reading of a number typed by someone whose jurisdiction is not known yet.

    Sign-in and inbound replies: `+44 7911 123456` has one reading; `13900139000` is valid only in China;
    the caller looks up all readings (at most one per jurisdiction) and the keyed index decides.
    """
    readings = (e164_or_none(raw, j) for j in jurisdictions)
    return list(dict.fromkeys(r for r in readings if r is not None))


def national_digits(value: str) -> str:
    """The national significant number of an E.164 value ('+8613800138000' -> '13800138000'); other text keeps
    its digits."""
    if value.startswith("+"):
        try:
            return str(phonenumbers.parse(value, None).national_number)
        except phonenumbers.NumberParseException:
            pass
    return "".join(ch for ch in value if ch.isdigit())


def e164_lists(frame: pl.DataFrame, phones: str, jurisdiction: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A batch's phone lists in E.164 for each row's jurisdiction, and the rows holding an invalid number.

    Each distinct (number, jurisdiction) pair is parsed once and joined back, so a number shared by many rows
    costs one parse. Returns (frame with `phones` rewritten and de-duplicated, frame of the offending rows:
    their 0-based index `_i`, the 1-based `position` in the list of the first invalid number and that number
    `bad_phone` (personal data: never put it in a message).
    """
    indexed = frame.with_row_index("_i")
    flat = (indexed.select("_i", pl.col(jurisdiction).cast(pl.String).alias("_j"), pl.col(phones).alias("_raw"))
            .explode("_raw").drop_nulls("_raw").with_row_index("_k")
            .with_columns((pl.int_range(pl.len()).over("_i") + 1).alias("position")))
    pairs = flat.select("_raw", "_j").unique()
    parsed = pairs.with_columns(pl.Series("_e164", [e164_or_none(raw, j) for raw, j in pairs.iter_rows()],
                                          dtype=pl.String))
    flat = flat.join(parsed, on=["_raw", "_j"], how="left").sort("_k")
    bad = (flat.filter(pl.col("_e164").is_null()).group_by("_i")
           .agg(pl.col("position").first(), pl.col("_raw").first().alias("bad_phone")))
    lists = flat.group_by("_i").agg(pl.col("_e164").drop_nulls().unique(maintain_order=True).alias("_new"))
    out = (indexed.join(lists, on="_i", how="left", maintain_order="left")
           .with_columns(pl.col("_new").fill_null([]).cast(pl.List(pl.String)).alias(phones))
           .drop("_new", "_i"))
    return out, bad.sort("_i")
