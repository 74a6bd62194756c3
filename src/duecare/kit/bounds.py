"""Bounds of every value that enters at the edge (API, case file, ingest): outside them is a 422 or exit 2, never a 500.

The numbers are chosen so that nothing downstream can overflow: an amount is at most 10^10 units (10^12 minor
units), so even a whole case at its list limits sums inside a 64-bit integer; dates stay in 1900–2200 and UTC
offsets within ±14 h, so converting any moment to any zone stays inside Python's and Polars' calendars.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Annotated, Any

from annotated_types import Interval
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, StringConstraints, WithJsonSchema

from duecare.kit.errors import Message
from duecare.kit.i18n import N_

MAX_AMOUNT = Decimal(10) ** 10  # units of currency; MAX_MINOR minor units
MAX_MINOR = 10**12
MIN_YEAR, MAX_YEAR = 1900, 2200
MIN_DATE, MAX_DATE = date(MIN_YEAR, 1, 1), date(MAX_YEAR, 12, 31)
MAX_OFFSET = timedelta(hours=14)  # the widest UTC offset a real place uses (Pacific/Kiritimati)
MAX_ID = 64
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@\-]{0,63}$"
MAX_SEQ = 10_000  # installments per loan
MAX_DURATION_S = 86_400  # one call
MAX_ROW_ID = 2**31 - 1  # integer primary keys (PostgreSQL integer)
MAX_JSON_DEPTH = 32  # a case file needs 5 levels
MAX_BODY_BYTES = 4 * 1024 * 1024  # JSON and form bodies
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # multipart uploads (call recordings)
# Borrower proof uploads (`/portal/documents`): the strategy's per-file limit (at most this) plus the form's
# boundaries and small fields; the body is refused while it streams in once it passes this.
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
UPLOAD_LIMITS = {"/portal/documents": MAX_DOCUMENT_BYTES + 16 * 1024}
MAX_LOANS = 200  # loans of one case file / decision request

# Region/City names of the tz database; `Etc/*`, `Factory`, `localtime`, `EST5EDT`, `UTC`... name no place.
_REGIONS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian",
            "Pacific", "Brazil", "Canada", "Chile", "Mexico", "US")
ZONES: frozenset[str] = frozenset(z for z in zoneinfo.available_timezones() if z.split("/", 1)[0] in _REGIONS
                                  and "/" in z)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SHA256_PATTERN = r"^[0-9a-f]{64}$"
# A text with something besides white space (Python's `str.strip` also strips \x1c-\x1f and \x85).
NOT_BLANK = r"[^\s\x1c-\x1f\x85]"
# What the API schema publishes for a day and a moment: exactly the calendar dates of MIN_YEAR..MAX_YEAR (a
# pattern, not `format: date`, which would admit any year), and a moment written with such a date, seconds and
# an offset within +-14:00. The validators above stay the rule; these patterns say the same to clients.
_YEAR = r"(?:19\d\d|2[01]\d\d|2200)"
_MONTH_DAY = (r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)"
              r"|02-(?:0[1-9]|1\d|2[0-8]))")
_LEAP_DAY = r"(?:(?:19|20|21)(?:0[48]|[2468][048]|[13579][26])|2000)-02-29"
DATE_PATTERN = rf"(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_DAY})"
_OFFSET = r"(?:Z|[+-](?:0\d|1[0-3]):[0-5]\d|[+-]14:00)"
DAY_SCHEMA = {"type": "string", "pattern": f"^{DATE_PATTERN}$",
              "description": f"a date YYYY-MM-DD, years {MIN_YEAR}-{MAX_YEAR}"}
MOMENT_SCHEMA = {"type": "string",
                 "pattern": rf"^{DATE_PATTERN}T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{{1,6}})?{_OFFSET}$",
                 "description": f"a moment with its UTC offset (ISO 8601), years {MIN_YEAR}-{MAX_YEAR}, "
                                "offset within -14:00..+14:00"}
# A positive amount as a person types it in a form (no sign, no exponent, at most two decimals, at most
# MAX_AMOUNT): what the pages' amount fields accept, published as their pattern.
AMOUNT_PATTERN = r"^(?:0*[1-9][0-9]{0,9}(?:\.[0-9]{1,2})?|0*\.(?:0[1-9]|[1-9][0-9]?))$"
# A local moment as the browser's date-and-time picker sends it (YYYY-MM-DDTHH:MM, seconds optional, no offset).
LOCAL_MOMENT_PATTERN = rf"^{DATE_PATTERN}T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?$"
_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,8}$")
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]")


def zone_error(name: str) -> str | None:
    """Why `name` is not the IANA time zone of a real place, or None if it is one."""
    if name in ZONES:
        return None
    return Message(N_("{name!r} is not the IANA time zone of a place (e.g. 'Asia/Shanghai', 'Europe/London')"),
                   name=name[:40])


def check_zone(name: str) -> str:
    problem = zone_error(name)
    if problem:
        raise ValueError(problem)
    return name


def check_amount(amount: Decimal) -> Decimal:
    if abs(amount) > MAX_AMOUNT:
        raise ValueError(Message(N_("must be at most {max_amount:,} (an amount of one loan)"), max_amount=MAX_AMOUNT))
    return amount


def check_date(day: date) -> date:
    if not MIN_DATE <= day <= MAX_DATE:
        raise ValueError(Message(N_("must be between {min_year} and {max_year}"), min_year=MIN_YEAR, max_year=MAX_YEAR))
    return day


def check_moment(moment: datetime) -> datetime:
    offset = moment.utcoffset()
    if offset is not None and abs(offset) > MAX_OFFSET:
        raise ValueError(Message(N_("the UTC offset must be between -14:00 and +14:00")))
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise ValueError(Message(N_("must be between {min_year} and {max_year}"), min_year=MIN_YEAR, max_year=MAX_YEAR))
    return moment


def _iso_date_only(value: Any) -> Any:
    """Dates are written YYYY-MM-DD (a number such as 0 is not a date)."""
    if isinstance(value, datetime):
        raise ValueError(Message(N_("must be a date YYYY-MM-DD, not a timestamp")))
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        return value
    raise ValueError(Message(N_("must be a date YYYY-MM-DD")))


def moment_schema(schema: dict[str, Any]) -> None:
    """`json_schema_extra` of a plain `datetime` field the service checks itself: publish MOMENT_SCHEMA's pattern
    instead of `format: date-time` (which admits any year and offset)."""
    schema.pop("format", None)
    schema.update({k: v for k, v in MOMENT_SCHEMA.items() if k != "description" or "description" not in schema})


Day = Annotated[date, BeforeValidator(_iso_date_only), AfterValidator(check_date), WithJsonSchema(DAY_SCHEMA)]
Moment = Annotated[AwareDatetime, AfterValidator(check_moment), WithJsonSchema(MOMENT_SCHEMA)]
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=MAX_ID)]
Zone = Annotated[str, StringConstraints(max_length=64), AfterValidator(check_zone),
                 WithJsonSchema({"type": "string", "enum": sorted(ZONES),
                                 "description": "the IANA time zone of a place, e.g. Asia/Shanghai"})]
RowId = Annotated[int, Interval(ge=1, le=MAX_ROW_ID)]  # an integer primary key in a URL: too large is a 422


def json_depth(body: bytes | str) -> int:
    """The deepest nesting of arrays and objects in a JSON text (strings skipped), without parsing it."""
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    brackets = _NOT_BRACKET.sub(b"", _STRINGS.sub(b'""', raw))
    if not brackets:
        return 0
    return max(accumulate(1 if c in b"[{" else -1 for c in brackets))


def depth_error(body: bytes | str) -> str | None:
    """Why a JSON text is refused before parsing (too deep), or None."""
    depth = json_depth(body)
    if depth > MAX_JSON_DEPTH:
        return f"JSON nested {depth} levels deep; at most {MAX_JSON_DEPTH} are allowed"
    return None


def safe_suffix(filename: str | None, default: str = ".wav") -> str:
    """The extension of an uploaded file's name if it is a short plain one; the name itself is never a path."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    dot = name.rfind(".")
    suffix = name[dot:] if dot > 0 else ""
    return suffix.lower() if _SUFFIX.match(suffix) else default


def safe_name(filename: str | None, default: str = "upload") -> str:
    """A display name for an uploaded file: its last path part, printable, at most 100 characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:100] or default
