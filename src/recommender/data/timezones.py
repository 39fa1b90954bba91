"""Time-zone values of the contract: IANA names or fixed UTC offsets, and their UTC offsets.

Canonical forms: IANA names keep their official spelling ("Europe/Berlin"); fixed offsets become
``"+HH:MM"`` / ``"-HH:MM"``; UTC in any spelling ("UTC", "Z", "GMT", "+00:00", "Etc/UTC") becomes
``"UTC"``. Offsets are computed at a fixed reference instant by default so that features built
from them do not change with the day the code runs.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import numpy as np
import pandas as pd

#: The instant at which IANA zones are evaluated when no time is given (deterministic results).
REFERENCE_INSTANT = datetime(2024, 1, 15, tzinfo=UTC)

# Real-world offsets run from UTC-12:00 to UTC+14:00.
_MIN_OFFSET_MINUTES = -12 * 60
_MAX_OFFSET_MINUTES = 14 * 60

_UTC_ALIASES = {"utc", "z", "gmt", "zulu", "etc/utc", "etc/gmt", "etc/zulu", "universal", "uct"}

# "+2", "+02", "+0200", "+02:00", "-5:30", optionally prefixed by UTC/GMT ("UTC+2", "GMT -05:30").
_OFFSET_RE = re.compile(
    r"""^(?:(?:utc|gmt)\s*)?
        (?P<sign>[+\-\u2212])\s*
        (?:
            (?P<hh>\d{1,2})(?::(?P<mm>\d{2}))?
          | (?P<hhmm>\d{4})
        )$""",
    re.IGNORECASE | re.VERBOSE,
)


@lru_cache(maxsize=1)
def _iana_names() -> dict[str, str]:
    """Lower-cased IANA key -> official key, for case-insensitive matching."""
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def _format_offset(minutes: int) -> str:
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


@lru_cache(maxsize=4096)
def parse_timezone(value: str) -> str:
    """Return the canonical form of a time-zone value, or raise ``ValueError``.

    Accepts IANA names (case-insensitive, e.g. ``"europe/berlin"`` -> ``"Europe/Berlin"``) and
    UTC offsets such as ``"+02:00"``, ``"-0530"``, ``"UTC+2"``, ``"UTC-05:30"``, ``"GMT+1"``,
    ``"UTC"`` and ``"Z"``.
    """
    text = value.strip()
    if not text:
        raise ValueError("empty time zone")
    lowered = text.lower()
    if lowered in _UTC_ALIASES:
        return "UTC"
    match = _OFFSET_RE.match(text)
    if match:
        if match["hhmm"]:
            hours, mins = int(match["hhmm"][:2]), int(match["hhmm"][2:])
        else:
            hours, mins = int(match["hh"]), int(match["mm"] or 0)
        if mins >= 60:
            raise ValueError(f"invalid UTC offset {value!r}: minutes must be below 60")
        total = hours * 60 + mins
        if match["sign"] != "+":
            total = -total
        if not _MIN_OFFSET_MINUTES <= total <= _MAX_OFFSET_MINUTES:
            raise ValueError(f"UTC offset {value!r} is outside -12:00..+14:00")
        return _format_offset(total)
    official = _iana_names().get(lowered)
    if official is None:
        raise ValueError(f"unknown time zone {value!r}")
    if official.lower() in _UTC_ALIASES:
        return "UTC"
    return official


def _offset_of_canonical(tz: str, at: datetime) -> float:
    if tz == "UTC":
        return 0.0
    if tz[0] in "+-":
        hours, mins = int(tz[1:3]), int(tz[4:6])
        return (1.0 if tz[0] == "+" else -1.0) * (hours + mins / 60.0)
    offset = zoneinfo.ZoneInfo(tz).utcoffset(at)
    return (offset or timedelta(0)).total_seconds() / 3600.0


def _reference(at: datetime | None) -> datetime:
    if at is None:
        return REFERENCE_INSTANT
    # A naive instant is UTC, like every naive datetime in the contract.
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def utc_offset_hours(tz: str | None, at: datetime | None = None) -> float | None:
    """Hours east of UTC for ``tz`` at ``at`` (default 2024-01-15 UTC); None if missing/invalid."""
    if tz is None or (isinstance(tz, float) and np.isnan(tz)):
        return None
    try:
        canonical = parse_timezone(str(tz))
    except ValueError:
        return None
    return _offset_of_canonical(canonical, _reference(at))


def offset_hours_series(values: pd.Series, at: datetime | None = None) -> np.ndarray:
    """Vectorised :func:`utc_offset_hours`: float array, NaN where missing or invalid.

    Each distinct value is parsed once, so a column of thousands of people costs a few lookups.
    """
    instant = _reference(at)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = np.array(
        [
            np.nan if (hours := utc_offset_hours(str(u), instant)) is None else hours
            for u in uniques
        ],
        dtype=float,
    )
    out = np.full(len(codes), np.nan, dtype=float)
    known = codes >= 0
    out[known] = table[codes[known]]
    return out
