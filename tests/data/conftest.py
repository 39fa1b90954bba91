"""A small valid programme written by hand as CSV text, and helpers to break it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from recommender.data.report import Issue, ValidationReport

# Spreadsheet row numbers: the header is row 1, m1 is row 2, m2 row 3, m3 row 4, p1 row 5.
MENTORS_CSV = """\
mentor_id,profile,skills,interests,title,department,location,timezone,languages,seniority,years_experience,capacity,available,mentoring_types,group,created_at
m1,"Led teams of twelve, loves SQL",SQL;Python;people management,climbing,Engineering Manager,Engineering,Berlin,Europe/Berlin,English;German,4,12.5,2,yes,traditional;peer,emea,2023-01-05
m2,Product designer,Figma; user research ;,,Designer,Design,Lisbon,UTC+1,English;Portuguese,3,8,,true,peer,emea,2023-02-01T10:00:00+02:00
m3,"Finance lead, a ""numbers"" person",budgeting;forecasting,,CFO,Finance,Pune,Asia/Kolkata,English;Hindi,6,20,3,no,traditional;reverse,apac,2022-11-30
p1,Peer mentor who is also a mentee,Python,,Analyst,Data,Berlin,+02:00,English,1,2,1,1,peer,emea,2024-01-01
"""  # noqa: E501 (CSV rows are kept whole so they read as a file)

# e1 row 2, e2 row 3, e3 row 4, p1 row 5.
MENTEES_CSV = """\
mentee_id,profile,goals,skills_wanted,skills,interests,title,department,location,timezone,languages,seniority,mentoring_type,group,created_at
e1,Data analyst,I want to become a people manager,people management;SQL,Excel,chess,Analyst,Data,Berlin,Europe/Berlin,English,1,traditional,emea,2024-01-10
e2,New designer,Grow in user research,user research,Figma,,Junior Designer,Design,Lisbon,Europe/Lisbon,English;Portuguese,0,peer,emea,2024-01-11
e3,Finance analyst,Learn forecasting,forecasting,,,Analyst,Finance,Pune,UTC+05:30,Hindi,1,Traditional,apac,2024-01-12
p1,Peer who also mentors,Learn budgeting,budgeting,Python,,Analyst,Data,Berlin,+02:00,English,1,peer,emea,2024-01-01
"""  # noqa: E501 (CSV rows are kept whole so they read as a file)

# x1 row 2, x2 row 3, (derived id) row 4, x4 row 5, x5 row 6.
PAIRINGS_CSV = """\
pairing_id,mentor_id,mentee_id,created_at,status,rating,feedback,ended_at
x1,m1,e1,2023-03-01,completed,4.5,"Great, practical advice",2023-09-01
x2,m2,e2,2023-04-01T09:30:00Z,declined,,,
,m3,e3,2023-05-01,active,,,
x4,m3,p1,2024-02-01,proposed,,,
x5,p1,e1,2024-02-02,Ended early,2,Did not click,2024-03-01
"""

MakeProgramme = Callable[..., Path]


def csv_line(header: str, **values: str) -> str:
    """One CSV line for ``header`` (the fixture's header line) with the given cells."""
    columns = next(csv.reader([header.splitlines()[0]]))
    unknown = set(values) - set(columns)
    assert not unknown, f"not in header: {unknown}"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([values.get(c, "") for c in columns])
    return out.getvalue()


def with_row(table_csv: str, **values: str) -> str:
    """``table_csv`` plus one row (the new row is row ``len(lines) + 1`` in a spreadsheet)."""
    return table_csv + csv_line(table_csv, **values)


def replace_cell(table_csv: str, row: int, column: str, value: str) -> str:
    """``table_csv`` with the cell at spreadsheet ``row`` and ``column`` set to ``value``."""
    records = list(csv.reader(io.StringIO(table_csv)))
    records[row - 1][records[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(records)
    return out.getvalue()


def add_column(table_csv: str, name: str) -> str:
    """``table_csv`` with an extra, empty column ``name`` at the end."""
    records = list(csv.reader(io.StringIO(table_csv)))
    records[0].append(name)
    for record in records[1:]:
        record.append("")
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(records)
    return out.getvalue()


def find(
    report: ValidationReport,
    file: str,
    row: int | None = None,
    column: str | None = None,
    severity: str | None = "error",
) -> list[Issue]:
    """Issues at exactly this file, row and column (and severity, unless None)."""
    return [
        i
        for i in report.issues
        if i.file == file
        and i.row == row
        and i.column == column
        and (severity is None or i.severity == severity)
    ]


@pytest.fixture
def make_programme(tmp_path: Path) -> MakeProgramme:
    """``make_programme(mentors=..., mentees=..., pairings=...)`` -> a programme directory.

    Each argument defaults to the valid fixture; pass None to leave that file out, a ``str``
    to write UTF-8 text or ``bytes`` to write raw bytes.
    """
    counter = iter(range(1_000_000))

    def write(
        mentors: str | bytes | None = MENTORS_CSV,
        mentees: str | bytes | None = MENTEES_CSV,
        pairings: str | bytes | None = PAIRINGS_CSV,
    ) -> Path:
        directory = tmp_path / f"programme{next(counter)}"
        directory.mkdir()
        for name, content in (("mentors", mentors), ("mentees", mentees), ("pairings", pairings)):
            if content is None:
                continue
            path = directory / f"{name}.csv"
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return directory

    return write


@pytest.fixture
def fx() -> SimpleNamespace:
    """The fixture texts and helpers (test modules cannot import a conftest by name)."""
    return SimpleNamespace(
        MENTORS=MENTORS_CSV,
        MENTEES=MENTEES_CSV,
        PAIRINGS=PAIRINGS_CSV,
        with_row=with_row,
        replace_cell=replace_cell,
        csv_line=csv_line,
        add_column=add_column,
        find=find,
    )


@pytest.fixture
def programme_dir(make_programme: MakeProgramme) -> Path:
    """The valid fixture programme."""
    return make_programme()
