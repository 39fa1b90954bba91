"""Load and validate a programme directory (``mentors``, ``mentees``, ``pairings``; CSV or Parquet).

Every problem in every file is reported at once, each naming the file, row, column, the bad value
and what was expected. A row with any error is rejected whole and kept (with its original values
as strings and the reasons) in :attr:`LoadResult.rejected`, so nothing is dropped silently; the
valid rows load into a :class:`~recommender.data.contract.Programme` in canonical dtypes.

Parsing is vectorised per column; Python loops run only over the rows that are wrong.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import hashlib
import io
import zlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import (
    infer_dtype,
    is_bool_dtype,
    is_datetime64_any_dtype,
    is_numeric_dtype,
)

from recommender.data.contract import (
    LIST_SEPARATOR,
    MENTEES,
    MENTORS,
    PAIRINGS,
    Column,
    Kind,
    Programme,
    TableSpec,
)
from recommender.data.frames import coerce_frame
from recommender.data.report import (
    TABLE_ORDER,
    InvalidProgrammeError,
    Issue,
    Severity,
    ValidationReport,
)
from recommender.data.timezones import parse_timezone

#: File name endings recognised for a table, in the order they are looked for.
SUPPORTED_SUFFIXES: tuple[str, ...] = (".csv", ".csv.gz", ".parquet")

#: Columns added to every rejected-rows frame.
REJECTED_META_COLUMNS: tuple[str, ...] = ("_file", "_row", "_reasons")

_SPECS: dict[str, TableSpec] = {s.name: s for s in (MENTORS, MENTEES, PAIRINGS)}
_REQUIRED_TABLES = ("mentors", "mentees")

_TRUE = frozenset({"true", "t", "yes", "y", "1", "1.0"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "0.0"})

# Canonical datetimes are nanosecond-precision; outside this range they cannot be represented.
_MIN_TIME = pd.Timestamp("1678-01-01", tz="UTC")
_MAX_TIME = pd.Timestamp("2262-01-01", tz="UTC")


@dataclass
class LoadResult:
    """What :func:`read_programme` found: the valid rows, the report and the rejected rows.

    ``rejected[table]`` holds each rejected row's original values as strings plus ``_file``,
    ``_row`` (row number as in the report) and ``_reasons`` (every reason, joined by "; ").
    """

    programme: Programme
    report: ValidationReport
    rejected: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass(frozen=True)
class ReferenceIds:
    """The ids a reference column (``mentor_id`` of pairings, say) may point to.

    ``ids`` is None when the referenced table could not be read at all; then no reference can be
    checked and every row that has one is rejected with ``unavailable_reason``. ``rejected`` maps
    ids whose own rows were rejected to where that happened ("mentors.csv row 4"), so the message
    can say why the id is not valid.
    """

    noun: str
    source: str
    ids: Collection[str] | None
    rejected: Mapping[str, str] = field(default_factory=dict)
    unavailable_reason: str = ""


def derive_pairing_id(mentor_id: str, mentee_id: str, created_at: datetime | pd.Timestamp) -> str:
    """The stable id of a pairing that has none: ``"p-"`` + 16 hex digits of a SHA-256.

    The hash covers ``"<mentor_id>|<mentee_id>|<created_at as UTC ISO-8601>"`` (a naive
    ``created_at`` is UTC), so re-importing the same export yields the same ids.
    """
    ts = pd.Timestamp(created_at)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    key = f"{mentor_id}|{mentee_id}|{ts.as_unit('ns').isoformat()}"
    return "p-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# Cell helpers


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return bool(isinstance(value, float | np.floating) and np.isnan(value))


def _cell_str(value: Any) -> str:
    """The string form of one original cell (for reports and the rejected-rows frame)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple | np.ndarray):
        return LIST_SEPARATOR.join(_cell_str(v) for v in value)
    if _is_missing(value):
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, pd.Timestamp | datetime | date):
        return value.isoformat()
    if isinstance(value, float | np.floating):
        return repr(float(value))
    if isinstance(value, np.integer):
        return str(int(value))
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="backslashreplace")
    return str(value)


def _stripped(s: pd.Series) -> pd.Series:
    """Object series of stripped strings, None where the cell is missing or blank."""
    obj = s.astype(object)
    if infer_dtype(obj, skipna=True) in ("string", "empty"):
        out = obj.str.strip()
    else:
        out = obj.map(lambda v: None if _is_missing(v) else _cell_str(v).strip())
    return out.where(out.notna() & (out != ""), None)


def _normalise_choice(value: str) -> str:
    # "Ended early", "ended-early" and "ENDED_EARLY" all mean ended_early.
    return "_".join(value.lower().replace("-", " ").split())


def _list_items(value: Any) -> list[str]:
    if isinstance(value, list | tuple | np.ndarray):
        items = [_cell_str(v) for v in value if not _is_missing(v)]
    elif _is_missing(value):
        return []
    else:
        items = _cell_str(value).split(LIST_SEPARATOR)
    return [t for t in (i.strip() for i in items) if t]


# --------------------------------------------------------------------------------------------
# Column parsers: (parsed values, missing mask, {position: message} for bad cells)


@dataclass
class _ParsedColumn:
    values: pd.Series
    missing: np.ndarray
    bad: dict[int, str]


def _bad_positions(mask: np.ndarray) -> list[int]:
    return [int(i) for i in np.flatnonzero(mask)]


def _parse_numeric(col: Column, s: pd.Series) -> _ParsedColumn:
    if is_numeric_dtype(s) and not is_bool_dtype(s):
        num = s.to_numpy(dtype=float, na_value=np.nan)
        missing = np.isnan(num)
    else:
        text = _stripped(s)
        missing = text.isna().to_numpy()
        num = np.asarray(pd.to_numeric(text, errors="coerce"), dtype=float)
    present = ~missing
    finite = np.isfinite(num)
    bad = present & ~finite
    if col.kind is Kind.INT:
        bad |= present & finite & (num != np.round(num))
    if col.minimum is not None:
        bad |= present & finite & (num < col.minimum)
    if col.maximum is not None:
        bad |= present & finite & (num > col.maximum)
    message = f"expected {col.expected}"
    return _ParsedColumn(
        pd.Series(np.where(bad, np.nan, num), index=s.index),
        missing,
        dict.fromkeys(_bad_positions(bad), message),
    )


def _parse_bool(col: Column, s: pd.Series) -> _ParsedColumn:
    if is_bool_dtype(s):
        missing = s.isna().to_numpy()
        values = s.astype(object).where(~missing, None)
        return _ParsedColumn(values, missing, {})
    text = _stripped(s)
    missing = text.isna().to_numpy()
    lowered = text.str.lower()
    is_true, is_false = lowered.isin(_TRUE).to_numpy(), lowered.isin(_FALSE).to_numpy()
    values = pd.Series([None] * len(s), index=s.index, dtype=object)
    values[is_true] = True
    values[is_false] = False
    bad = ~missing & ~is_true & ~is_false
    return _ParsedColumn(
        values, missing, dict.fromkeys(_bad_positions(bad), f"expected {col.expected}")
    )


def _parse_datetime(col: Column, s: pd.Series) -> _ParsedColumn:
    if is_datetime64_any_dtype(s):
        dt = pd.Series(pd.to_datetime(s, utc=True), index=s.index)
        missing = dt.isna().to_numpy()
        bad = np.zeros(len(s), dtype=bool)
    else:
        text = _stripped(s)
        missing = text.isna().to_numpy()
        dt = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
        bad = ~missing & dt.isna().to_numpy()
    out_of_range = ~missing & ~bad & ((dt < _MIN_TIME) | (dt >= _MAX_TIME)).to_numpy()
    bad |= out_of_range
    dt = dt.where(~bad).astype("datetime64[ns, UTC]")
    messages: dict[int, str] = {}
    for pos in _bad_positions(bad):
        messages[pos] = f"expected {col.expected}" + (
            " (years 1678 to 2261)" if out_of_range[pos] else ""
        )
    return _ParsedColumn(dt, missing, messages)


def _parse_choice(col: Column, s: pd.Series) -> _ParsedColumn:
    text = _stripped(s)
    missing = text.isna().to_numpy()
    norm = text.map(_normalise_choice, na_action="ignore")
    bad = ~missing & ~norm.isin(col.choices).to_numpy()
    return _ParsedColumn(
        norm.where(~bad, None),
        missing,
        dict.fromkeys(_bad_positions(bad), f"expected {col.expected}"),
    )


def _parse_timezone_column(col: Column, s: pd.Series) -> _ParsedColumn:
    text = _stripped(s)
    missing = text.isna().to_numpy()
    canonical: dict[str, str | None] = {}
    for value in text.dropna().unique():
        try:
            canonical[value] = parse_timezone(value)
        except ValueError:
            canonical[value] = None
    values = text.map(canonical, na_action="ignore")
    bad = ~missing & values.isna().to_numpy()
    values = values.astype(object).where(~bad & ~missing, None)
    return _ParsedColumn(
        values, missing, dict.fromkeys(_bad_positions(bad), f"expected {col.expected}")
    )


# A list cell that needs item-by-item cleaning: blanks around a separator or an empty item.
_MESSY_LIST = r"\s;|;\s|;;|^;|;$"


def _parse_list(col: Column, s: pd.Series) -> _ParsedColumn:
    obj = s.astype(object)
    cells = obj.to_numpy()
    if infer_dtype(obj, skipna=True) in ("string", "empty"):
        # Fast path (CSV): split clean cells in one pass, clean the few messy ones by hand.
        text = _stripped(obj)
        items: list[Any] = text.str.split(LIST_SEPARATOR).tolist()
        messy = text.isna().to_numpy() | text.str.contains(_MESSY_LIST, na=False).to_numpy()
        for i in _bad_positions(messy):
            items[i] = _list_items(cells[i])
    else:
        items = [_list_items(v) for v in cells]
    missing = np.fromiter((not i for i in items), dtype=bool, count=len(items))
    bad: dict[int, str] = {}
    if col.kind is Kind.ENUM_LIST:
        allowed = set(col.choices)
        checked: dict[tuple[str, ...], tuple[list[str], list[str]]] = {}
        for pos, row_items in enumerate(items):
            key = tuple(row_items)
            if key not in checked:
                norm = [_normalise_choice(i) for i in row_items]
                unknown = [i for i, n in zip(row_items, norm, strict=True) if n not in allowed]
                checked[key] = (norm, unknown)
            norm, unknown = checked[key]
            if unknown:
                listed = ", ".join(repr(u) for u in unknown)
                bad[pos] = f"expected {col.expected} ({listed} not allowed)"
            items[pos] = list(norm)
    return _ParsedColumn(pd.Series(items, index=s.index, dtype=object), missing, bad)


def _parse_text(col: Column, s: pd.Series) -> _ParsedColumn:
    obj = s.astype(object)
    if infer_dtype(obj, skipna=True) in ("string", "empty"):
        values = obj.where(obj.notna(), "")
    else:
        values = obj.map(_cell_str)
    missing = (values.str.strip() == "").to_numpy()
    return _ParsedColumn(values, missing, {})


def _parse_str(col: Column, s: pd.Series) -> _ParsedColumn:
    text = _stripped(s)
    missing = text.isna().to_numpy()
    bad: dict[int, str] = {}
    if col.kind is Kind.REF:
        bad = dict.fromkeys(_bad_positions(missing), f"expected {col.expected}")
    return _ParsedColumn(text, missing, bad)


def _parse_column(col: Column, s: pd.Series) -> _ParsedColumn:
    if col.kind in (Kind.INT, Kind.FLOAT):
        return _parse_numeric(col, s)
    if col.kind is Kind.BOOL:
        return _parse_bool(col, s)
    if col.kind is Kind.DATETIME:
        return _parse_datetime(col, s)
    if col.kind is Kind.ENUM:
        return _parse_choice(col, s)
    if col.kind is Kind.TIMEZONE:
        return _parse_timezone_column(col, s)
    if col.kind in (Kind.LIST, Kind.ENUM_LIST):
        return _parse_list(col, s)
    if col.kind is Kind.TEXT:
        return _parse_text(col, s)
    return _parse_str(col, s)  # ID, REF, STR


# --------------------------------------------------------------------------------------------
# One table


class _Problems:
    """Collects issues and, per row position, the reasons that reject it."""

    def __init__(self, spec: TableSpec, file: str, rows: np.ndarray) -> None:
        self.spec, self.file, self.rows = spec, file, rows
        self.table_issues: list[Issue] = []
        self.cell_issues: list[tuple[int, int, Issue]] = []  # (position, column order, issue)
        self.reasons: dict[int, list[str]] = {}
        self._order = {c.name: i for i, c in enumerate(spec.columns)}

    def table(self, message: str, column: str | None = None, severity: Severity = "error") -> Issue:
        issue = Issue(self.file, None, column, None, message, self.spec.name, severity)
        self.table_issues.append(issue)
        return issue

    def cell(
        self,
        pos: int,
        column: str | None,
        value: str | None,
        message: str,
        severity: Severity = "error",
    ) -> None:
        issue = Issue(
            self.file, int(self.rows[pos]), column, value, message, self.spec.name, severity
        )
        self.cell_issues.append((pos, self._order.get(column or "", -1), issue))
        if severity == "error":
            self.reject(pos, (f"column '{column}': " if column else "") + issue.describe())

    def reject(self, pos: int, reason: str) -> None:
        self.reasons.setdefault(pos, []).append(reason)

    def issues(self) -> list[Issue]:
        self.cell_issues.sort(key=lambda t: (t[0], t[1]))
        return self.table_issues + [i for _, _, i in self.cell_issues]


def _suggest(name: str, candidates: Sequence[str]) -> str:
    """A "did you mean" hint naming the closest candidate (compared case-insensitively)."""
    by_lower = {c.lower(): c for c in candidates}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.75)
    return f" (did you mean '{by_lower[close[0]]}'?)" if close else ""


def _unique_columns(columns: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in columns:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}.{seen[name]}")
    return out


def _rejected_frame(
    raw: pd.DataFrame, positions: list[int], rows: np.ndarray, file: str, reasons: list[str]
) -> pd.DataFrame:
    columns = _unique_columns([str(c) for c in raw.columns])
    data: dict[str, list[Any]] = {
        name: [_cell_str(v) for v in raw.iloc[positions, j]] for j, name in enumerate(columns)
    }
    data["_file"] = [file] * len(positions)
    data["_row"] = [int(rows[p]) for p in positions]
    data["_reasons"] = reasons
    return pd.DataFrame(data, columns=[*columns, *REJECTED_META_COLUMNS])


def parse_table(
    spec: TableSpec,
    raw: pd.DataFrame,
    file: str,
    row_offset: int,
    *,
    row_numbers: Sequence[int] | np.ndarray | None = None,
    references: Mapping[str, ReferenceIds] | None = None,
) -> tuple[pd.DataFrame, list[Issue], pd.DataFrame]:
    """Validate and parse one table's raw records.

    ``raw`` may hold strings (as read from CSV) or native values (Parquet, JSON records): lists,
    numbers, booleans, datetimes. Row ``i`` of ``raw`` is reported as row ``row_offset + i``
    unless ``row_numbers`` gives each row's number. ``references`` maps reference columns
    (``mentor_id``, ``mentee_id``) to the ids they may name; unmapped references are not
    checked. Returns (valid rows in canonical dtypes via ``coerce_frame``, issues, rejected rows
    with their original values as strings plus ``_file``, ``_row`` and ``_reasons``).
    """
    raw = raw.reset_index(drop=True)
    n = len(raw)
    if n == 0 and raw.shape[1] == 0:  # e.g. an empty list of records: nothing to check
        return coerce_frame(spec, []), [], pd.DataFrame(columns=list(REJECTED_META_COLUMNS))
    rows = (
        np.asarray(row_numbers, dtype=np.int64)
        if row_numbers is not None
        else np.arange(row_offset, row_offset + n, dtype=np.int64)
    )
    if len(rows) != n:
        raise ValueError(f"row_numbers has {len(rows)} entries for {n} rows")
    problems = _Problems(spec, file, rows)
    names = [str(c) for c in raw.columns]
    known = set(spec.column_names)

    # Header: duplicated contract columns make every row ambiguous; unknown columns are ignored.
    counts = pd.Series(names).value_counts()
    for name in counts[counts > 1].index:
        positions = [i + 1 for i, c in enumerate(names) if c == name]
        where = ", ".join(str(p) for p in positions)
        if name in known:
            problems.table(
                f"column appears {len(positions)} times (columns {where}); expected it once",
                column=name,
            )
            for pos in range(n):
                problems.reject(pos, f"column '{name}' appears more than once in the header")
        else:
            problems.table(
                f"unknown column appears {len(positions)} times (columns {where}); ignored",
                column=name,
                severity="warning",
            )
    for j, name in enumerate(names):
        if name in known or counts[name] > 1:
            continue
        if name == "":
            if not _stripped(raw.iloc[:, j]).notna().any():
                continue  # a trailing empty column (common in spreadsheet exports) holds nothing
            label = "a column with no name"
        else:
            label = "unknown column"
        problems.table(
            f"{label}, ignored; expected only the contract's columns"
            f"{_suggest(name, spec.column_names)}",
            column=name,
            severity="warning",
        )
    for name in spec.required_columns:
        if name not in names:
            problems.table(
                f"missing required column; the header must include '{name}'"
                f"{_suggest(name, [c for c in names if c not in known])}",
                column=name,
            )
            for pos in range(n):
                problems.reject(pos, f"missing required column '{name}'")

    # Columns, one vectorised parse each.
    parsed: dict[str, _ParsedColumn] = {}
    first_of = {name: names.index(name) for name in dict.fromkeys(names)}
    for col in spec.columns:
        if col.name not in first_of:
            continue
        s = raw.iloc[:, first_of[col.name]]
        result = _parse_column(col, s)
        parsed[col.name] = result
        for pos, message in result.bad.items():
            problems.cell(pos, col.name, _cell_str(s.iloc[pos]), message)

    _check_ids(spec, raw, parsed, problems, first_of)
    _check_people(spec, raw, parsed, problems, first_of)
    if references:
        _check_references(spec, raw, parsed, problems, first_of, references)
    _check_dates(spec, raw, parsed, problems, first_of)

    rejected_pos = sorted(problems.reasons)
    valid = np.ones(n, dtype=bool)
    valid[rejected_pos] = False
    typed = coerce_frame(
        spec,
        pd.DataFrame(
            {name: p.values[valid].reset_index(drop=True) for name, p in parsed.items()},
            index=pd.RangeIndex(int(valid.sum())),
        ),
    )
    rejected = _rejected_frame(
        raw, rejected_pos, rows, file, ["; ".join(problems.reasons[p]) for p in rejected_pos]
    )
    return typed, problems.issues(), rejected


def _check_ids(
    spec: TableSpec,
    raw: pd.DataFrame,
    parsed: dict[str, _ParsedColumn],
    problems: _Problems,
    first_of: dict[str, int],
) -> None:
    id_col = spec.id_column
    n = len(raw)
    derived = np.zeros(n, dtype=bool)
    ids = parsed[id_col].values.copy() if id_col in parsed else pd.Series([None] * n, dtype=object)
    missing = ids.isna().to_numpy()

    if spec.name == PAIRINGS.name:
        # An empty pairing_id is derived from who was paired and when (stable across imports).
        parts = ("mentor_id", "mentee_id", "created_at")
        if all(p in parsed for p in parts):
            ok = missing.copy()
            for p in parts:
                ok &= ~parsed[p].missing
                ok[list(parsed[p].bad)] = False
            todo = np.flatnonzero(ok)
            mentors = parsed["mentor_id"].values.to_numpy()[todo]
            mentees = parsed["mentee_id"].values.to_numpy()[todo]
            created = parsed["created_at"].values.iloc[todo]
            ids.iloc[todo] = [
                derive_pairing_id(m, e, t)
                for m, e, t in zip(mentors, mentees, created, strict=True)
            ]
            derived[todo] = True
        if id_col in parsed:
            parsed[id_col].values = ids
        else:
            parsed[id_col] = _ParsedColumn(ids, missing, {})
    elif id_col in parsed:
        for pos in _bad_positions(missing):
            problems.cell(
                pos,
                id_col,
                _cell_str(raw.iloc[pos, first_of[id_col]]),
                "expected a non-empty identifier",
            )

    dup = (ids.duplicated(keep=False) & ids.notna()).to_numpy()
    groups: dict[str, list[int]] = {}
    for pos in _bad_positions(dup):
        groups.setdefault(str(ids.iloc[pos]), []).append(pos)
    for key, positions in groups.items():
        for pos in positions:
            others = ", ".join(str(int(problems.rows[p])) for p in positions if p != pos)
            plural = "s" if len(positions) > 2 else ""
            if derived[pos]:
                problems.cell(
                    pos,
                    id_col,
                    None,
                    f"duplicate pairing: row{plural} {others} ha{'ve' if plural else 's'} the "
                    f"same pairing_id (derived from mentor_id, mentee_id and created_at: "
                    f"'{key}'); expected each pairing once",
                )
            else:
                problems.cell(
                    pos,
                    id_col,
                    key,
                    f"expected a unique {id_col}, but row{plural} {others} "
                    f"ha{'ve' if plural else 's'} the same one",
                )


def _check_people(
    spec: TableSpec,
    raw: pd.DataFrame,
    parsed: dict[str, _ParsedColumn],
    problems: _Problems,
    first_of: dict[str, int],
) -> None:
    if "mentor_id" not in spec.references or "mentee_id" not in spec.references:
        return
    if "mentor_id" not in parsed or "mentee_id" not in parsed:
        return
    mentor, mentee = parsed["mentor_id"].values, parsed["mentee_id"].values
    same = (mentor.notna() & (mentor == mentee)).to_numpy()
    for pos in _bad_positions(same):
        problems.cell(
            pos,
            "mentee_id",
            _cell_str(raw.iloc[pos, first_of["mentee_id"]]),
            "expected someone other than the mentor (a pairing cannot pair a person with themself)",
        )


def _check_references(
    spec: TableSpec,
    raw: pd.DataFrame,
    parsed: dict[str, _ParsedColumn],
    problems: _Problems,
    first_of: dict[str, int],
    references: Mapping[str, ReferenceIds],
) -> None:
    for column in spec.references:
        ref = references.get(column)
        if ref is None or column not in parsed:
            continue
        p = parsed[column]
        checkable = ~p.missing
        if ref.ids is None:
            positions = _bad_positions(checkable)
            if positions:
                problems.table(
                    f"{len(positions)} rows rejected: their {column} cannot be checked because "
                    f"{ref.unavailable_reason}",
                    column=column,
                )
            for pos in positions:
                problems.reject(
                    pos, f"column '{column}': cannot be checked ({ref.unavailable_reason})"
                )
            continue
        ids = ref.ids if isinstance(ref.ids, set | frozenset) else set(ref.ids)
        unknown = checkable & ~p.values.isin(ids).to_numpy()
        for pos in _bad_positions(unknown):
            value = str(p.values.iloc[pos])
            if value in ref.rejected:
                message = (
                    f"expected the id of a valid {ref.noun}; {ref.noun} '{value}' was rejected "
                    f"({ref.rejected[value]})"
                )
            else:
                message = (
                    f"expected the id of a {ref.noun} in {ref.source}; there is no such {ref.noun}"
                )
            problems.cell(pos, column, _cell_str(raw.iloc[pos, first_of[column]]), message)


def _check_dates(
    spec: TableSpec,
    raw: pd.DataFrame,
    parsed: dict[str, _ParsedColumn],
    problems: _Problems,
    first_of: dict[str, int],
) -> None:
    if "created_at" not in parsed:
        return
    created = parsed["created_at"].values
    for column in ("ended_at", "last_checkin_at"):
        if column not in parsed:
            continue
        later = parsed[column].values
        before = (later.notna() & created.notna() & (later < created)).to_numpy()
        for pos in _bad_positions(before):
            created_raw = _cell_str(raw.iloc[pos, first_of["created_at"]]).strip()
            problems.cell(
                pos,
                column,
                _cell_str(raw.iloc[pos, first_of[column]]),
                f"expected a time after created_at ({created_raw})",
                severity="warning",
            )


# --------------------------------------------------------------------------------------------
# Files


@dataclass
class _RawTable:
    file: str
    frame: pd.DataFrame
    row_numbers: np.ndarray
    issues: list[Issue]
    rejected: pd.DataFrame | None = None  # rows that could not even be split into columns


def _file_issue(file: str, table: str, message: str) -> Issue:
    return Issue(file, None, None, None, message, table)


def _decode(data: bytes, file: str, table: str) -> str | Issue:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _file_issue(file, table, "not UTF-8 text (it is UTF-16); save it as CSV UTF-8")
    if data.startswith(b"PK\x03\x04"):
        return _file_issue(
            file,
            table,
            "not CSV text (it looks like an Excel workbook or zip archive); "
            "export the sheet as CSV UTF-8",
        )
    if data.startswith(b"PAR1"):
        return _file_issue(file, table, "not CSV text (it is a Parquet file); name it .parquet")
    try:
        return data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte-order mark
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return _file_issue(
            file,
            table,
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}, line {line}); "
            "save the file as UTF-8 (in Excel: CSV UTF-8)",
        )


def _read_csv(path: Path, table: str) -> _RawTable | Issue:
    file = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _file_issue(file, table, f"cannot be read ({exc.strerror or exc})")
    if path.name.lower().endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            return _file_issue(file, table, f"not a valid gzip file ({exc})")
    text = _decode(data, file, table)
    if isinstance(text, Issue):
        return text
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = list(reader)
    except csv.Error as exc:
        return _file_issue(file, table, f"not valid CSV (line {reader.line_num}: {exc})")
    if not records or not any(f.strip() for f in records[0]):
        return _file_issue(
            file, table, "the file is empty; expected a header row with column names"
        )
    header = [name.strip() for name in records[0]]
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        sep = "';'" if ";" in header[0] else "tabs"
        return _file_issue(
            file,
            table,
            f"the header is a single column {header[0][:60]!r}; expected comma-separated "
            f"columns (this file seems to use {sep})",
        )
    width = len(header)
    good: list[list[str]] = []
    good_rows: list[int] = []
    issues: list[Issue] = []
    bad_rows: list[tuple[int, list[str], str]] = []
    for i, record in enumerate(records[1:], start=2):
        if len(record) == width:
            good.append(record)
            good_rows.append(i)
        elif not any(f.strip() for f in record):
            continue  # a blank line holds no data
        else:
            message = (
                f"has {len(record)} values but the header has {width} columns; check for an "
                "unquoted comma or line break in a text field"
            )
            issues.append(Issue(file, i, None, None, message, table))
            bad_rows.append((i, record, message))
    columns = _unique_columns(header) if len(set(header)) < width else header
    by_column = list(zip(*good, strict=True)) if good else [()] * width
    frame = pd.DataFrame({j: pd.Series(by_column[j], dtype=object) for j in range(width)})
    frame.columns = pd.Index(header)  # duplicates kept: parse_table reports them
    rejected = None
    if bad_rows:
        extra = max(len(r) for _, r, _ in bad_rows) - width
        names = columns + [f"_extra_{k + 1}" for k in range(max(extra, 0))]
        rejected = pd.DataFrame(
            {
                name: [r[k] if k < len(r) else "" for _, r, _ in bad_rows]
                for k, name in enumerate(names)
            }
        )
        rejected["_file"] = file
        rejected["_row"] = [i for i, _, _ in bad_rows]
        rejected["_reasons"] = [m for _, _, m in bad_rows]
    return _RawTable(file, frame, np.asarray(good_rows, dtype=np.int64), issues, rejected)


def _read_parquet(path: Path, table: str) -> _RawTable | Issue:
    file = path.name
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many unrelated exception types for bad files
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return _file_issue(file, table, f"not a valid Parquet file ({detail})")
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None:
        frame = frame.reset_index()  # a meaningful index (e.g. mentor_id) is data, not metadata
    frame.columns = pd.Index([str(c) for c in frame.columns])
    frame = frame.reset_index(drop=True)
    return _RawTable(file, frame, np.arange(1, len(frame) + 1, dtype=np.int64), [])


def _locate(directory: Path, table: str, report: ValidationReport) -> Path | None:
    # Match names case-insensitively: exports from Windows tools often say "Mentors.CSV".
    wanted = {f"{table}{suffix}" for suffix in SUPPORTED_SUFFIXES}
    try:
        entries = sorted(p for p in directory.iterdir() if p.is_file())
    except OSError as exc:
        report.add(str(directory), f"cannot be listed ({exc.strerror or exc})", table=table)
        return None
    found = [p for p in entries if p.name.lower() in wanted]
    expected = ", ".join(f"{table}{s}" for s in SUPPORTED_SUFFIXES)
    if len(found) > 1:
        report.add(
            str(directory),
            f"{len(found)} files for table {table} ({', '.join(p.name for p in found)}); "
            f"expected exactly one of {expected}",
            table=table,
        )
        return None
    if found:
        return found[0]
    others = [p.name for p in entries if p.name.lower().startswith(f"{table}.")]
    if others:
        report.add(
            others[0],
            f"not a supported format; expected {expected} (export as CSV UTF-8 or Parquet)",
            table=table,
        )
    elif table in _REQUIRED_TABLES:
        report.add(str(directory), f"no {table} file; expected one of {expected}", table=table)
    else:
        report.add(
            str(directory),
            f"no {table} file: the programme has no {table} yet (expected one of {expected})",
            table=table,
            severity="info",
        )
    return None


def _read_raw(path: Path, table: str) -> _RawTable | Issue:
    if path.name.lower().endswith(".parquet"):
        return _read_parquet(path, table)
    return _read_csv(path, table)


def read_programme(directory: Path | str) -> LoadResult:
    """Read and validate a programme directory; never raises for bad input.

    Looks for ``mentors``, ``mentees`` and ``pairings`` as ``.csv``, ``.csv.gz`` or ``.parquet``
    (mentors and mentees are required; no pairings file means no pairings). Returns the valid
    rows, a report of every problem and the rejected rows.
    """
    directory = Path(directory)
    report = ValidationReport()
    typed: dict[str, pd.DataFrame] = {}
    rejected: dict[str, pd.DataFrame] = {}
    if not directory.exists():
        report.add(
            str(directory),
            "programme directory does not exist; expected a directory "
            "holding mentors, mentees and pairings files",
        )
    elif not directory.is_dir():
        report.add(
            str(directory),
            "not a directory; expected a directory holding mentors, mentees and pairings files",
        )
    else:
        # Pairings reference the people tables: table -> referencing column ("mentor_id").
        referenced_by = {table: column for column, table in PAIRINGS.references.items()}
        references: dict[str, ReferenceIds] = {}
        for name in TABLE_ORDER:
            spec = _SPECS[name]
            path = _locate(directory, name, report)
            raw = _read_raw(path, name) if path is not None else None
            if isinstance(raw, Issue):
                report.issues.append(raw)
                raw = None
            if raw is None:
                missing_reason = (
                    f"{path.name} could not be read"
                    if path is not None
                    else f"there is no usable {name} file"
                )
                if name in referenced_by:
                    references[referenced_by[name]] = ReferenceIds(
                        _noun(name), name, None, unavailable_reason=missing_reason
                    )
                continue
            report.extend(raw.issues)
            frame, issues, bad = parse_table(
                spec,
                raw.frame,
                raw.file,
                row_offset=1,
                row_numbers=raw.row_numbers,
                references=references if spec is PAIRINGS else None,
            )
            report.extend(issues)
            if raw.rejected is not None:
                bad = pd.concat([bad, raw.rejected], ignore_index=True).fillna("")
                data_columns = [c for c in bad.columns if c not in REJECTED_META_COLUMNS]
                bad = bad[[*data_columns, *REJECTED_META_COLUMNS]]
                bad = bad.sort_values("_row", kind="stable").reset_index(drop=True)
            typed[name] = frame
            rejected[name] = bad
            if name in referenced_by:
                references[referenced_by[name]] = _reference_ids(spec, raw, frame, bad)
        report.issues.sort(key=lambda i: (_table_rank(i.table), i.row or 0))
    for name in TABLE_ORDER:
        typed.setdefault(name, coerce_frame(_SPECS[name], []))
        rejected.setdefault(name, pd.DataFrame(columns=list(REJECTED_META_COLUMNS)))
        if directory.is_dir():
            report.loaded[name] = len(typed[name])
            report.rejected[name] = len(rejected[name])
    programme = Programme(*(typed[name] for name in TABLE_ORDER))
    return LoadResult(programme, report, rejected)


def _noun(table: str) -> str:
    return table.removesuffix("s")  # "mentors" -> "mentor"


def _table_rank(table: str | None) -> int:
    return TABLE_ORDER.index(table) if table in TABLE_ORDER else -1


def _reference_ids(
    spec: TableSpec, raw: _RawTable, typed: pd.DataFrame, rejected: pd.DataFrame
) -> ReferenceIds:
    noun = _noun(spec.name)
    if spec.id_column not in raw.frame.columns:
        return ReferenceIds(
            noun, raw.file, None, unavailable_reason=f"{raw.file} has no {spec.id_column} column"
        )
    valid = set(typed[spec.id_column])
    where: dict[str, str] = {}
    if spec.id_column in rejected.columns:
        for value, row in zip(rejected[spec.id_column], rejected["_row"], strict=True):
            key = str(value).strip()
            if key and key not in valid:
                where.setdefault(key, f"{raw.file} row {row}")
    return ReferenceIds(noun, raw.file, frozenset(valid), where)


def load_programme(directory: Path | str) -> Programme:
    """Read a programme directory; raise :class:`InvalidProgrammeError` if anything is wrong."""
    result = read_programme(directory)
    if not result.report.ok:
        raise InvalidProgrammeError(result.report)
    return result.programme
