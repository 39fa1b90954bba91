"""Row-level database access beyond whole-table import and export: content hashes (to notice
changes made elsewhere), single rows, existence checks and deletions.

Writes of contract rows go through :func:`recommender.store.io.upsert_table`, so the content
hashes the importer relies on stay right; only deletion, which the importer never does, is here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, Table, delete, func, select

from recommender.data.contract import TABLES, Kind
from recommender.data.frames import coerce_frame
from recommender.store.io import frame_to_rows
from recommender.store.models import MODELS

__all__ = [
    "as_utc",
    "content_hashes",
    "delete_row",
    "exists",
    "frame_records",
    "pairings_of",
    "read_hashes",
    "read_row",
    "read_rows",
    "row_to_dict",
]

_CHUNK = 500


def _table(name: str) -> Table:
    table: Table = MODELS[name].__table__  # type: ignore[assignment]
    return table


def read_hashes(connection: Connection, name: str) -> dict[str, str]:
    """id -> content hash of every row of a contract table."""
    table = _table(name)
    key = table.c[TABLES[name].id_column]
    return {str(k): str(h) for k, h in connection.execute(select(key, table.c.content_hash))}


def read_rows(connection: Connection, name: str, ids: Iterable[str]) -> pd.DataFrame:
    """The rows with these ids, as a canonical frame (missing ids are left out)."""
    spec = TABLES[name]
    table = _table(name)
    key = table.c[spec.id_column]
    wanted = list(dict.fromkeys(ids))
    rows: list[dict[str, Any]] = []
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        query = select(*(table.c[c] for c in spec.column_names)).where(key.in_(chunk))
        rows.extend(dict(r) for r in connection.execute(query.order_by(table.c.id)).mappings())
    return coerce_frame(spec, pd.DataFrame(rows, columns=spec.column_names))


def read_row(engine: Engine, name: str, row_id: str) -> pd.DataFrame:
    with engine.connect() as connection:
        return read_rows(connection, name, [row_id])


def exists(engine: Engine, name: str, row_id: str) -> bool:
    table = _table(name)
    key = table.c[TABLES[name].id_column]
    with engine.connect() as connection:
        return connection.execute(select(key).where(key == row_id)).first() is not None


def pairings_of(engine: Engine, person_column: str, person_id: str) -> int:
    """How many pairings name ``person_id`` in ``person_column`` (mentor_id or mentee_id)."""
    table = _table("pairings")
    with engine.connect() as connection:
        count = connection.execute(
            select(func.count()).select_from(table).where(table.c[person_column] == person_id)
        ).scalar_one()
    return int(count)


def delete_row(engine: Engine, name: str, row_id: str) -> bool:
    table = _table(name)
    key = table.c[TABLES[name].id_column]
    with engine.begin() as connection:
        result = connection.execute(delete(table).where(key == row_id))
    return bool(result.rowcount)


def content_hashes(name: str, frame: pd.DataFrame) -> dict[str, str]:
    """id -> content hash of canonical rows, as the store computes it."""
    spec = TABLES[name]
    return {str(r[spec.id_column]): str(r["content_hash"]) for r in frame_to_rows(spec, frame)}


def _jsonable(kind: Kind, value: Any) -> Any:
    if kind in (Kind.LIST, Kind.ENUM_LIST):
        return [str(v) for v in (value if value is not None else [])]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if kind is Kind.DATETIME:
        stamp = pd.Timestamp(value)
        return stamp.to_pydatetime() if not pd.isna(stamp) else None
    if kind is Kind.INT:
        return int(value)
    if kind is Kind.FLOAT:
        return float(value)
    if kind is Kind.BOOL:
        return bool(value)
    return str(value)


def row_to_dict(name: str, row: pd.Series | dict[str, Any]) -> dict[str, Any]:
    """A canonical row as plain Python values (lists, datetimes, None for missing)."""
    spec = TABLES[name]
    return {c.name: _jsonable(c.kind, row[c.name]) for c in spec.columns}


def frame_records(name: str, frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [row_to_dict(name, row) for _, row in frame.iterrows()]


def as_utc(value: datetime | pd.Timestamp) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
