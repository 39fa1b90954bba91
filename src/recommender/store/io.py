"""Import a programme directory into the database, read it back, export it, inspect quarantine.

An import validates the files, upserts the valid rows (keyed by the contract id) and keeps every
rejected row in the ``quarantine`` table with its original values and reasons, all in one
transaction: it either happens completely or not at all. Importing the same files again changes
nothing. Rows already in the database but absent from the files are left alone, and a pairing
may refer to a mentor or mentee that is already in the database rather than in its directory.

Datetimes are stored with microsecond precision (the limit of SQLite and PostgreSQL); anything
finer is rounded down on import.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, Table, bindparam, select
from sqlalchemy.engine import URL

from recommender.data.contract import PAIRINGS, TABLES, Kind, Programme, TableSpec
from recommender.data.frames import coerce_frame, write_programme
from recommender.data.load import (
    REJECTED_META_COLUMNS,
    SUPPORTED_SUFFIXES,
    LoadResult,
    ReferenceIds,
    parse_table,
    read_programme,
)
from recommender.data.report import TABLE_ORDER, Issue, ValidationReport
from recommender.progress import task
from recommender.store.db import StoreError, engine_for, require_current_schema, upgrade
from recommender.store.models import MODELS, QuarantinedRow, utcnow

#: Rows per INSERT/UPDATE statement batch (also the progress bar's step).
CHUNK_SIZE = 2000

_QUARANTINE: Table = QuarantinedRow.__table__  # type: ignore[assignment]


def _table(name: str) -> Table:
    table: Table = MODELS[name].__table__  # type: ignore[assignment]
    return table


# --------------------------------------------------------------------------------------------
# Canonical frame <-> database rows


def _column_values(spec: TableSpec, frame: pd.DataFrame, name: str) -> list[Any]:
    """One canonical column as plain Python values the database drivers accept."""
    kind = spec.column(name).kind
    series = frame[name]
    if kind in (Kind.LIST, Kind.ENUM_LIST):
        return [[str(v) for v in values] for values in series]
    if kind is Kind.TEXT:
        return ["" if v is None or v is pd.NA else str(v) for v in series]
    if kind is Kind.DATETIME:
        # Timestamps carry nanoseconds; the databases keep microseconds.
        floored = series.dt.floor("us")
        return [None if pd.isna(v) else v.to_pydatetime() for v in floored]
    if kind is Kind.INT:
        return [None if pd.isna(v) else int(v) for v in series]
    if kind is Kind.FLOAT:
        return [None if pd.isna(v) else float(v) for v in series]
    if kind is Kind.BOOL:
        return [None if pd.isna(v) else bool(v) for v in series]
    return [None if v is None or v is pd.NA else str(v) for v in series]


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def row_hash(spec: TableSpec, row: dict[str, Any]) -> str:
    """SHA-256 of a row's contract values (as stored), independent of any bookkeeping column."""
    payload = [_jsonable(row[name]) for name in spec.column_names]
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def frame_to_rows(spec: TableSpec, canonical: pd.DataFrame) -> list[dict[str, Any]]:
    """Database rows (contract columns plus ``content_hash``) of a frame in canonical dtypes
    (as :func:`recommender.data.frames.coerce_frame` makes them)."""
    columns = {name: _column_values(spec, canonical, name) for name in spec.column_names}
    rows = [
        dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)
    ]
    for row in rows:
        row["content_hash"] = row_hash(spec, row)
    return rows


def _read_table(connection: Connection, name: str) -> pd.DataFrame:
    spec = TABLES[name]
    table = _table(name)
    query = select(*(table.c[c] for c in spec.column_names)).order_by(table.c.id)
    rows = [dict(r) for r in connection.execute(query).mappings()]
    return coerce_frame(spec, pd.DataFrame(rows, columns=spec.column_names))


def read_programme_from_db(database_url_or_engine: str | URL | Engine) -> Programme:
    """The programme stored in the database, in canonical dtypes, rows in import order.

    Raises :class:`recommender.store.db.StoreError` when the database is not migrated to this
    package's schema.
    """
    with engine_for(database_url_or_engine, create=False) as engine:
        require_current_schema(engine)
        with engine.connect() as connection:
            tables = {name: _read_table(connection, name) for name in TABLE_ORDER}
    return Programme(**tables)


def export_programme(
    database_url: str | URL | Engine, directory: Path, fmt: str = "csv"
) -> dict[str, int]:
    """Write the database's programme to ``directory`` in the contract format.

    Returns the number of rows written per table. Reading the files back gives the same frames
    as :func:`read_programme_from_db`; files that were written by
    :func:`recommender.data.frames.write_programme` and imported come back byte for byte.
    """
    if fmt not in {"csv", "parquet"}:
        raise ValueError(f"format must be csv or parquet, got {fmt!r}")
    programme = read_programme_from_db(database_url)
    write_programme(programme, Path(directory), fmt)
    return {name: len(programme.table(name)) for name in TABLE_ORDER}


# --------------------------------------------------------------------------------------------
# Import


@dataclass
class TableCounts:
    """What an import did to one table."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    #: Rows of this table rejected by validation in this import (kept in quarantine).
    quarantined: int = 0

    def to_dict(self) -> dict[str, int]:
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "quarantined": self.quarantined,
        }


@dataclass
class ImportCounts:
    """The outcome of :func:`import_programme`: counts per table and the validation report."""

    tables: dict[str, TableCounts]
    report: ValidationReport
    batch_id: str
    #: Quarantined rows that were new to the quarantine table (the rest were already there).
    quarantine_added: int = 0
    seconds: float = 0.0
    #: Problems that no row carries (an unreadable file, a missing column): nothing of that
    #: file could be imported or quarantined.
    file_errors: list[str] = field(default_factory=list)

    def _total(self, attribute: str) -> int:
        return sum(getattr(c, attribute) for c in self.tables.values())

    @property
    def inserted(self) -> int:
        return self._total("inserted")

    @property
    def updated(self) -> int:
        return self._total("updated")

    @property
    def unchanged(self) -> int:
        return self._total("unchanged")

    @property
    def quarantined(self) -> int:
        """Rows rejected by this import (and kept in quarantine)."""
        return self._total("quarantined")

    @property
    def ok(self) -> bool:
        """True when every row of every file was imported: nothing rejected, no file errors."""
        return self.quarantined == 0 and not self.file_errors

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form, including the full validation report."""
        return {
            "ok": self.ok,
            "batch_id": self.batch_id,
            "tables": {name: counts.to_dict() for name, counts in self.tables.items()},
            "total": {
                "inserted": self.inserted,
                "updated": self.updated,
                "unchanged": self.unchanged,
                "quarantined": self.quarantined,
            },
            "quarantine_added": self.quarantine_added,
            "file_errors": self.file_errors,
            "seconds": round(self.seconds, 3),
            "report": self.report.to_dict(),
        }

    def format_text(self) -> str:
        """A table of counts per table, then the validation problems, if any."""
        header = ("table", "inserted", "updated", "unchanged", "quarantined")
        body = [
            (name, *(str(v) for v in counts.to_dict().values()))
            for name, counts in self.tables.items()
        ]
        total = (
            "total",
            str(self.inserted),
            str(self.updated),
            str(self.unchanged),
            str(self.quarantined),
        )
        widths = [max(len(r[i]) for r in (header, *body, total)) for i in range(len(header))]

        def line(cells: Sequence[str]) -> str:
            first = cells[0].ljust(widths[0])
            rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
            return "  ".join((first, *rest))

        rule = "  ".join("-" * w for w in widths)
        lines = [line(header), rule, *(line(r) for r in body), rule, line(total), ""]
        if not self.ok:
            lines.append(self.report.format_text())
            lines.append("")
            if self.quarantined:
                lines.append(
                    f"{self.quarantined} rejected rows are in quarantine "
                    f"({self.quarantine_added} new; batch {self.batch_id}): "
                    "see `recommender data quarantine`."
                )
            if self.file_errors:
                lines.append("Some files could not be imported at all: fix them and import again.")
        else:
            lines.append(f"Imported in {self.seconds:.1f} s, nothing rejected.")
        return "\n".join(lines)


def _chunks(rows: list[dict[str, Any]], size: int = CHUNK_SIZE) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


@dataclass
class _Plan:
    """Rows of one table split by what the import will do with them."""

    name: str
    inserts: list[dict[str, Any]]
    updates: list[dict[str, Any]]
    unchanged: int


def _plan(connection: Connection, name: str, frame: pd.DataFrame) -> _Plan:
    spec = TABLES[name]
    table = _table(name)
    key = table.c[spec.id_column]
    existing = {
        row[1]: (row[0], row[2])
        for row in connection.execute(select(table.c.id, key, table.c.content_hash))
    }
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    unchanged = 0
    now = utcnow()
    for row in frame_to_rows(spec, frame):
        found = existing.get(row[spec.id_column])
        if found is None:
            inserts.append({**row, "updated_at": now})
        elif found[1] != row["content_hash"]:
            updates.append({**row, "updated_at": now, "_id": found[0]})
        else:
            unchanged += 1
    return _Plan(name, inserts, updates, unchanged)


def _write(connection: Connection, plan: _Plan, advance: Callable[[int], None]) -> None:
    table = _table(plan.name)
    for chunk in _chunks(plan.inserts):
        connection.execute(table.insert(), chunk)
        advance(len(chunk))
    if plan.updates:
        columns = [c for c in plan.updates[0] if c != "_id"]
        statement = (
            table.update()
            .where(table.c.id == bindparam("_id"))
            .values({c: bindparam(c) for c in columns})
        )
        for chunk in _chunks(plan.updates):
            connection.execute(statement, chunk)
            advance(len(chunk))


def _raw_values(record: Mapping[Any, Any]) -> dict[str, str | None]:
    return {
        str(k): (None if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
        for k, v in record.items()
        if not str(k).startswith("_")
    }


def _quarantine(connection: Connection, rejected: dict[str, pd.DataFrame], batch_id: str) -> int:
    """Store rejected rows not already in quarantine; returns how many were added."""
    rows: list[dict[str, Any]] = []
    now = utcnow()
    for name, frame in rejected.items():
        for record in frame.to_dict(orient="records"):
            raw = _raw_values(record)
            text = json.dumps(raw, sort_keys=True, ensure_ascii=False)
            source_row = record.get("_row")
            rows.append(
                {
                    "batch_id": batch_id,
                    "table_name": name,
                    "source_file": str(record.get("_file", "")),
                    "source_row": None if pd.isna(source_row) else int(source_row),
                    "raw": raw,
                    "raw_hash": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                    "reasons": str(record.get("_reasons", "")),
                    "imported_at": now,
                }
            )
    if not rows:
        return 0
    q = _QUARANTINE
    files = sorted({r["source_file"] for r in rows})
    existing = {
        tuple(r)
        for r in connection.execute(
            select(q.c.table_name, q.c.source_file, q.c.source_row, q.c.raw_hash).where(
                q.c.source_file.in_(files)
            )
        )
    }
    new: list[dict[str, Any]] = []
    for r in rows:
        k = (r["table_name"], r["source_file"], r["source_row"], r["raw_hash"])
        if k not in existing:
            existing.add(k)
            new.append(r)
    for chunk in _chunks(new):
        connection.execute(q.insert(), chunk)
    return len(new)


def upsert_table(
    database_url_or_engine: str | URL | Engine, name: str, frame: pd.DataFrame
) -> TableCounts:
    """Insert or update already-valid rows of one table (e.g. pairings recorded by the service).

    ``frame`` must hold valid rows (validate untrusted input with
    :func:`recommender.data.load.parse_table`); it is brought to canonical dtypes here. Rows are
    matched by the table's id column, in one transaction, like :func:`import_programme`.
    """
    if name not in TABLES:
        raise ValueError(f"table must be one of {', '.join(TABLES)}, got {name!r}")
    canonical = coerce_frame(TABLES[name], frame)
    with engine_for(database_url_or_engine, create=False) as engine:
        require_current_schema(engine)
        with engine.begin() as connection:
            plan = _plan(connection, name, canonical)
            _write(connection, plan, lambda _n: None)
    return TableCounts(len(plan.inserts), len(plan.updates), plan.unchanged)


def _known_ids(connection: Connection) -> dict[str, set[str]]:
    """Ids of the people already in the database, per reference column."""
    out: dict[str, set[str]] = {}
    for name in ("mentors", "mentees"):
        column = _table(name).c[TABLES[name].id_column]
        out[TABLES[name].id_column] = set(connection.execute(select(column)).scalars())
    return out


def _table_file(directory: Path, name: str) -> str:
    wanted = {f"{name}{suffix}" for suffix in SUPPORTED_SUFFIXES}
    for path in sorted(directory.iterdir()):
        if path.name.lower() in wanted:
            return path.name
    return f"the {name} file"  # pragma: no cover - only called when the file was read


def _recheck_references(
    result: LoadResult, directory: Path, known: dict[str, set[str]]
) -> LoadResult:
    """Re-validate rejected pairings against the people in the directory *and* the database.

    ``read_programme`` checks a pairing's mentor and mentee against the directory only. Rows it
    rejected are parsed again with the database's ids added, so a pairing of people imported
    earlier is valid; their issues in the report are replaced by the new ones. When a file-level
    error made a whole table unusable nothing is rescued: those rows stay rejected as reported.
    """
    report, pairings_rejected = result.report, result.rejected.get("pairings")
    if pairings_rejected is None or pairings_rejected.empty or not any(known.values()):
        return result
    if any(i.severity == "error" and i.row is None for i in report.issues):
        return result
    # Rows that could not even be split into columns carry a row issue with no column.
    unsplittable = {
        i.row for i in report.by_table("pairings") if i.row is not None and i.column is None
    }
    again = ~pairings_rejected["_row"].isin(unsplittable)
    if not again.any():
        return result
    retry = pairings_rejected[again].reset_index(drop=True)
    references: dict[str, ReferenceIds] = {}
    for name in ("mentors", "mentees"):
        spec = TABLES[name]
        valid = set(result.programme.table(name)[spec.id_column])
        where: dict[str, str] = {}
        bad = result.rejected.get(name)
        if bad is not None and spec.id_column in bad.columns:
            for value, file, row in zip(
                bad[spec.id_column], bad["_file"], bad["_row"], strict=True
            ):
                key = str(value).strip()
                if key and key not in valid:
                    where.setdefault(key, f"{file} row {row}")
        references[spec.id_column] = ReferenceIds(
            name[:-1],
            f"{_table_file(directory, name)} or the database",
            frozenset(valid | known[spec.id_column]),
            where,
        )
    typed: list[pd.DataFrame] = [result.programme.pairings]
    issues: list[Issue] = []
    still: list[pd.DataFrame] = [pairings_rejected[~again]]
    files = retry["_file"].unique()
    for file in files:
        part = retry[retry["_file"] == file]
        data = part.drop(columns=list(REJECTED_META_COLUMNS)).reset_index(drop=True)
        frame, new_issues, bad_rows = parse_table(
            PAIRINGS,
            data,
            str(file),
            row_offset=0,
            row_numbers=part["_row"].to_numpy(dtype="int64"),
            references=references,
        )
        typed.append(frame)
        issues.extend(i for i in new_issues if i.row is not None)  # file issues are reported
        still.append(bad_rows)
    retried = {(str(f), int(r)) for f, r in zip(retry["_file"], retry["_row"], strict=True)}
    kept = [
        i
        for i in report.issues
        if not (i.table == "pairings" and i.row is not None and (i.file, i.row) in retried)
    ]
    order = {name: k for k, name in enumerate(TABLE_ORDER)}
    report.issues = sorted(
        [*kept, *issues], key=lambda i: (order.get(i.table or "", -1), i.row or 0)
    )
    pairings = coerce_frame(PAIRINGS, pd.concat(typed, ignore_index=True))
    rejected = pd.concat([s for s in still if not s.empty] or [still[0]], ignore_index=True)
    rejected = rejected.sort_values("_row", kind="stable").reset_index(drop=True)
    report.loaded["pairings"] = len(pairings)
    report.rejected["pairings"] = len(rejected)
    programme = Programme(result.programme.mentors, result.programme.mentees, pairings)
    return LoadResult(programme, report, {**result.rejected, "pairings": rejected})


def import_programme(
    directory: Path | str, database_url: str | URL | Engine, *, batch_id: str | None = None
) -> ImportCounts:
    """Validate ``directory`` and upsert its valid rows into the database; quarantine the rest.

    The database is migrated to the newest schema first. Rows are matched by their contract id:
    new ones are inserted, changed ones updated, identical ones left alone (so importing the same
    files twice changes nothing). Rejected rows are stored in quarantine with the reasons, once
    per (file, row, original values). Everything is written in one transaction: on any error
    the database is left as it was. Bad input never raises; database problems raise
    :class:`sqlalchemy.exc.SQLAlchemyError` or :class:`recommender.store.db.StoreError`.
    """
    started = time.perf_counter()
    directory = Path(directory)
    batch_id = batch_id or uuid.uuid4().hex
    result = read_programme(directory)
    counts = {name: TableCounts() for name in TABLE_ORDER}
    file_errors = [str(i) for i in result.report.issues if i.severity == "error" and i.row is None]
    added = 0
    if not result.report.loaded:  # no file could be read: leave the database alone
        return ImportCounts(
            counts, result.report, batch_id, 0, time.perf_counter() - started, file_errors
        )
    with engine_for(database_url) as engine:
        try:
            upgrade(engine)
        except CommandError as exc:  # e.g. the database was migrated by a newer version
            raise StoreError(
                f"cannot migrate the database to this package's schema ({exc}); was it created "
                "by a newer version of the package?"
            ) from exc
        with engine.connect() as connection:
            known = _known_ids(connection)
        result = _recheck_references(result, directory, known)
        for name, frame in result.rejected.items():
            counts[name].quarantined = len(frame)
        with engine.begin() as connection:
            plans = [_plan(connection, name, result.programme.table(name)) for name in TABLE_ORDER]
            total = sum(len(p.inserts) + len(p.updates) for p in plans)
            with task("Importing rows", total) as progress:
                bar = progress.task_ids[0]
                for plan in plans:
                    _write(connection, plan, lambda n: progress.advance(bar, n))
                    counts[plan.name].inserted = len(plan.inserts)
                    counts[plan.name].updated = len(plan.updates)
                    counts[plan.name].unchanged = plan.unchanged
            added = _quarantine(connection, result.rejected, batch_id)
    return ImportCounts(
        tables=counts,
        report=result.report,
        batch_id=batch_id,
        quarantine_added=added,
        seconds=time.perf_counter() - started,
        file_errors=file_errors,
    )


# --------------------------------------------------------------------------------------------
# Quarantine


@dataclass(frozen=True)
class QuarantineEntry:
    """A rejected row as kept in quarantine."""

    id: int
    batch_id: str
    table: str
    source_file: str
    source_row: int | None
    raw: dict[str, Any]
    reasons: str
    imported_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "batch_id": self.batch_id,
            "table": self.table,
            "source_file": self.source_file,
            "source_row": self.source_row,
            "raw": self.raw,
            "reasons": self.reasons,
            "imported_at": self.imported_at.isoformat(),
        }


def list_quarantine(
    database_url: str | URL | Engine,
    *,
    table: str | None = None,
    batch_id: str | None = None,
    limit: int | None = None,
) -> list[QuarantineEntry]:
    """Rows kept in quarantine, newest import first (then by file and row).

    ``table`` and ``batch_id`` filter; ``limit`` caps the number returned.
    """
    if table is not None and table not in TABLES:
        raise ValueError(f"table must be one of {', '.join(TABLES)}, got {table!r}")
    q = _QUARANTINE
    query = select(q).order_by(q.c.imported_at.desc(), q.c.source_file, q.c.source_row, q.c.id)
    if table is not None:
        query = query.where(q.c.table_name == table)
    if batch_id is not None:
        query = query.where(q.c.batch_id == batch_id)
    if limit is not None:
        query = query.limit(limit)
    with engine_for(database_url, create=False) as engine:
        require_current_schema(engine)
        with engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
    return [
        QuarantineEntry(
            id=r["id"],
            batch_id=r["batch_id"],
            table=r["table_name"],
            source_file=r["source_file"],
            source_row=r["source_row"],
            raw=r["raw"],
            reasons=r["reasons"],
            imported_at=r["imported_at"],
        )
        for r in rows
    ]
