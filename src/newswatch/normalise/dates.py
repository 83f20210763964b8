"""Publication dates: parse what a source wrote, keep its precision, never invent a value."""

from __future__ import annotations

import datetime as dt
import re

from dateutil import parser as dateutil_parser

from newswatch.models import DatePrecision, DateSource, PublishedDate

_YEAR = re.compile(r"^\s*(\d{4})\s*$")
_ISO_PRECISION: dict[int, DatePrecision] = {10: "day", 16: "minute", 19: "second"}
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?$")
_YEAR_MONTH = re.compile(r"^\s*(\d{4})-(\d{2})\s*$")
# Two defaults that differ in every component: a component the text did not give
# comes out different in the two parses, which is how the precision is read off.
_DEFAULT_A = dt.datetime(1904, 1, 1, 0, 0, 0)
_DEFAULT_B = dt.datetime(1908, 2, 2, 1, 1, 1)


def parse_published(text: str | None, source: DateSource) -> PublishedDate | None:
    """Parse a date string into a ``PublishedDate``; ``None`` when it cannot be read.

    ``"2019"`` has year precision, ``"April 2019"`` month, ``"9 April 2019"`` day, and a
    value with a clock time has second precision. A string without a year (a dateline's
    "AUG 21") is not a date on its own and gives ``None``. Time zones are converted to
    UTC before truncation.
    """
    if not text or not text.strip():
        return None
    if m := _YEAR.match(text):
        return PublishedDate(m.group(1), "year", source)
    if m := _YEAR_MONTH.match(text):
        return PublishedDate(f"{m.group(1)}-{m.group(2)}", "month", source)
    if _ISO.match(text := text.strip()):  # the common case, without dateutil's cost
        try:
            dt.datetime.fromisoformat(text)
        except ValueError:
            return None
        return PublishedDate(text.replace(" ", "T"), _ISO_PRECISION[len(text)], source)
    try:
        a = dateutil_parser.parse(text, default=_DEFAULT_A, fuzzy=False)
        b = dateutil_parser.parse(text, default=_DEFAULT_B, fuzzy=False)
    except (ValueError, OverflowError):
        return None
    if a.year != b.year:
        return None
    if a.tzinfo is not None and b.tzinfo is not None:
        a = a.astimezone(dt.UTC).replace(tzinfo=None)
        b = b.astimezone(dt.UTC).replace(tzinfo=None)
    precision: DatePrecision
    if a.month != b.month:
        return PublishedDate(f"{a.year:04d}", "year", source)
    if a.day != b.day:
        return PublishedDate(f"{a.year:04d}-{a.month:02d}", "month", source)
    if a.hour != b.hour:
        precision = "day"
        value = a.date().isoformat()
    elif a.second != b.second:
        precision = "minute"
        value = a.strftime("%Y-%m-%dT%H:%M")
    else:
        precision = "second"
        value = a.strftime("%Y-%m-%dT%H:%M:%S")
    return PublishedDate(value, precision, source)


def is_in_future(date: PublishedDate, today: dt.date | None = None) -> bool:
    """True when ``date`` starts after tomorrow (one day of slack for time zones)."""
    today = today or dt.date.today()
    first_day = dt.date.fromisoformat((date.value + "-01-01")[:10])
    return first_day > today + dt.timedelta(days=1)
