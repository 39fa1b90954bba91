"""Helpers shared by the KPI modules: JSON-safe numbers, rates, segment labels, statuses."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

#: Statuses of a pairing that was formed.
MATCH_STATUSES = ("accepted", "active", "completed", "ended_early")
FINISHED_STATUSES = ("completed", "ended_early")
#: The segment of people with no value in that column.
NO_VALUE = "(none)"


def num(value: float | np.floating[Any] | None, digits: int = 4) -> float | None:
    """A JSON-safe float: None for NaN/inf/None, rounded."""
    if value is None:
        return None
    v = float(value)
    return round(v, digits) if math.isfinite(v) else None


def rate(part: int, whole: int) -> float | None:
    """``part / whole``, None when there is nothing to divide."""
    return num(part / whole) if whole else None


def mean_and_n(values: pd.Series) -> tuple[float | None, int]:
    """The mean of the numbers in ``values`` (None when none) and how many there were."""
    v = pd.to_numeric(values, errors="coerce").dropna()
    return (num(v.mean()) if len(v) else None), len(v)


def label(value: Any) -> str:
    """A segment label: the value as text, :data:`NO_VALUE` when missing or blank."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return NO_VALUE
    text = str(value).strip()
    return text or NO_VALUE


def to_utc(series: pd.Series | None, index: pd.Index) -> pd.Series:
    """Timestamps in UTC (NaT where missing or unreadable; all NaT when ``series`` is None)."""
    if series is None:
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns, UTC]")
    return pd.to_datetime(series, utc=True, errors="coerce")
