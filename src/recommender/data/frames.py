"""Canonical in-memory form of the contract tables, and their serialisation to CSV/Parquet.

``coerce_frame`` turns already-parsed Python values (from the generator, the database or a
validated file) into the canonical dtypes documented on :class:`Programme`; ``write_programme``
writes a programme in the contract's file format. Parsing *untrusted* files (with error
reports) lives in :mod:`recommender.data.load`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from recommender.data.contract import LIST_SEPARATOR, TABLES, Kind, Programme, TableSpec

_OBJECT_KINDS = {Kind.ID, Kind.REF, Kind.STR, Kind.ENUM, Kind.TIMEZONE}


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    if value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, str) and value.strip() == ""


def _as_list(value: Any) -> list[str]:
    if isinstance(value, (list, tuple, np.ndarray)):
        return [str(v).strip() for v in value if not _is_missing(v) and str(v).strip()]
    if _is_missing(value):
        return []
    return [p.strip() for p in str(value).split(LIST_SEPARATOR) if p.strip()]


def coerce_frame(spec: TableSpec, frame: pd.DataFrame | Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Return a frame with exactly the contract's columns, in order, in canonical dtypes.

    Missing columns are filled with their defaults. Values must already be valid (use
    :func:`recommender.data.load.read_programme` for untrusted input).
    """
    df = frame if isinstance(frame, pd.DataFrame) else pd.DataFrame(list(frame))
    out: dict[str, Any] = {}
    n = len(df)
    for col in spec.columns:
        raw = df[col.name] if col.name in df.columns else pd.Series([None] * n, index=df.index)
        if col.kind in _OBJECT_KINDS:
            values = [None if _is_missing(v) else str(v).strip() for v in raw]
            if col.default is not None:
                values = [col.default if v is None else v for v in values]
            out[col.name] = pd.Series(values, index=df.index, dtype=object)
        elif col.kind is Kind.TEXT:
            out[col.name] = pd.Series(
                ["" if _is_missing(v) else str(v) for v in raw], index=df.index, dtype=object
            )
        elif col.kind in (Kind.LIST, Kind.ENUM_LIST):
            out[col.name] = pd.Series([_as_list(v) for v in raw], index=df.index, dtype=object)
        elif col.kind is Kind.INT:
            ints = pd.to_numeric(raw, errors="raise").astype("Float64").round().astype("Int64")
            out[col.name] = ints.fillna(col.default) if col.default is not None else ints
        elif col.kind is Kind.FLOAT:
            floats = pd.to_numeric(raw, errors="raise").astype("Float64")
            out[col.name] = floats.fillna(col.default) if col.default is not None else floats
        elif col.kind is Kind.BOOL:
            bools = pd.Series(
                [None if _is_missing(v) else _to_bool(v) for v in raw],
                index=df.index,
                dtype="boolean",
            )
            out[col.name] = bools.fillna(col.default) if col.default is not None else bools
        elif col.kind is Kind.DATETIME:
            out[col.name] = pd.to_datetime(raw, utc=True, format="ISO8601").astype(
                "datetime64[ns, UTC]"
            )
        else:  # pragma: no cover - every kind is handled above
            raise AssertionError(col.kind)
    return pd.DataFrame(out, index=pd.RangeIndex(n))


def _to_bool(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = str(value).strip().lower()
    if text in {"true", "t", "yes", "y", "1", "1.0"}:
        return True
    if text in {"false", "f", "no", "n", "0", "0.0"}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def empty_programme() -> Programme:
    """A programme with no rows (canonical dtypes)."""
    return Programme(*(coerce_frame(TABLES[t], []) for t in ("mentors", "mentees", "pairings")))


def to_contract_strings(spec: TableSpec, frame: pd.DataFrame) -> pd.DataFrame:
    """Render a canonical frame as the strings the CSV contract uses (lossless round trip)."""
    out: dict[str, list[str]] = {}
    for col in spec.columns:
        if col.name not in frame.columns:
            out[col.name] = [""] * len(frame)
            continue
        series = frame[col.name]
        if col.kind in (Kind.LIST, Kind.ENUM_LIST):
            out[col.name] = [LIST_SEPARATOR.join(_as_list(v)) for v in series]
        elif col.kind is Kind.DATETIME:
            # Vectorised: formatting timestamps one by one dominated writing large tables.
            stamps = pd.to_datetime(series, utc=True)
            text = stamps.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ").str.replace(
                ".000000Z", "Z", regex=False
            )
            out[col.name] = text.fillna("").tolist()
        else:
            out[col.name] = [_render_scalar(col.kind, v) for v in series]
    return pd.DataFrame(out, columns=spec.column_names)


def _render_scalar(kind: Kind, value: Any) -> str:
    if _is_missing(value):
        return ""
    if kind is Kind.BOOL:
        return "true" if bool(value) else "false"
    if kind is Kind.FLOAT:
        return repr(float(value))
    if kind is Kind.INT:
        return str(int(value))
    return str(value)


def write_table(spec: TableSpec, frame: pd.DataFrame, path: Path, fmt: str = "csv") -> Path:
    """Write one table as ``path/<name>.<fmt>``; returns the file written."""
    path.mkdir(parents=True, exist_ok=True)
    target = path / f"{spec.name}.{fmt}"
    tmp = target.with_suffix(target.suffix + ".tmp")
    if fmt == "csv":
        to_contract_strings(spec, frame).to_csv(tmp, index=False, encoding="utf-8")
    elif fmt == "parquet":
        canonical = coerce_frame(spec, frame)
        for col in spec.columns:
            if col.kind in (Kind.LIST, Kind.ENUM_LIST):
                canonical[col.name] = canonical[col.name].map(list)
        canonical.to_parquet(tmp, index=False)
    else:
        raise ValueError(f"format must be csv or parquet, got {fmt!r}")
    tmp.replace(target)  # atomic: a crash never leaves a half-written table
    return target


def write_programme(programme: Programme, directory: Path, fmt: str = "csv") -> dict[str, Path]:
    """Write the three tables of ``programme`` to ``directory`` in the contract format."""
    return {
        name: write_table(spec, programme.table(name), Path(directory), fmt)
        for name, spec in TABLES.items()
    }
