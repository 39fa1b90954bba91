"""Validation: each contract violation is reported with its file, row, column and expectation."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from recommender.data import (
    InvalidProgrammeError,
    Issue,
    ValidationReport,
    load_programme,
    read_programme,
)


def _only(issues: list[Issue]) -> Issue:
    assert len(issues) == 1, issues
    return issues[0]


# ---------------------------------------------------------------------------------------------
# The valid fixture


def test_valid_fixture_has_no_issues(programme_dir: Path) -> None:
    result = read_programme(programme_dir)
    assert result.report.issues == []
    assert result.report.ok
    assert result.report.format_text() == "OK: 4 mentors, 4 mentees, 5 pairings"
    assert {name: len(frame) for name, frame in result.rejected.items()} == {
        "mentors": 0,
        "mentees": 0,
        "pairings": 0,
    }


# ---------------------------------------------------------------------------------------------
# Directory and files


def test_missing_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    report = read_programme(missing).report
    issue = _only(report.errors)
    assert issue.file == str(missing)
    assert "does not exist" in issue.message
    assert not report.ok


def test_path_that_is_a_file(tmp_path: Path) -> None:
    path = tmp_path / "mentors.csv"
    path.write_text("mentor_id\n", encoding="utf-8")
    issue = _only(read_programme(path).report.errors)
    assert issue.file == str(path)
    assert "not a directory" in issue.message


def test_missing_required_table_file(make_programme, fx: SimpleNamespace) -> None:
    directory = make_programme(mentors=None)
    result = read_programme(directory)
    issue = _only(result.report.by_table("mentors"))
    assert issue.severity == "error"
    assert "no mentors file" in issue.message
    assert "mentors.parquet" in issue.message
    # Pairings cannot be checked against missing mentors: they are rejected, not loaded.
    assert len(result.programme.pairings) == 0
    assert len(result.rejected["pairings"]) == 5
    assert fx.find(result.report, "pairings.csv", None, "mentor_id")


def test_missing_pairings_file_is_only_a_note(make_programme) -> None:
    result = read_programme(make_programme(pairings=None))
    assert result.report.ok
    note = _only(result.report.by_table("pairings"))
    assert note.severity == "info"
    assert len(result.programme.pairings) == 0
    assert len(result.programme.mentors) == 4


def test_two_files_for_one_table(make_programme, fx: SimpleNamespace) -> None:
    directory = make_programme()
    (directory / "mentors.parquet").write_bytes(b"whatever")
    report = read_programme(directory).report
    issue = _only(
        [
            i
            for i in report.errors
            if i.table == "mentors" and i.row is None and "files for table" in i.message
        ]
    )
    assert "mentors.csv" in issue.message
    assert "mentors.parquet" in issue.message


def test_unsupported_format(make_programme) -> None:
    directory = make_programme(mentees=None)
    (directory / "mentees.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    issue = _only(read_programme(directory).report.by_table("mentees"))
    assert issue.file == "mentees.xlsx"
    assert "not a supported format" in issue.message


def test_not_utf8(make_programme, fx: SimpleNamespace) -> None:
    text = fx.with_row(fx.MENTORS, mentor_id="m9", profile="Café owner")
    data = text.encode("latin-1")
    directory = make_programme(mentors=data)
    report = read_programme(directory).report
    issue = _only(report.by_table("mentors"))
    offset = data.index(b"\xe9")
    assert issue.file == "mentors.csv"
    assert issue.message.startswith(f"not UTF-8 text (byte 0xe9 at offset {offset}, line 6)")


def test_utf16_is_named(make_programme, fx: SimpleNamespace) -> None:
    directory = make_programme(mentors=fx.MENTORS.encode("utf-16"))
    issue = _only(read_programme(directory).report.by_table("mentors"))
    assert "not UTF-8" in issue.message
    assert "UTF-16" in issue.message


def test_utf8_byte_order_mark_is_accepted(make_programme, fx: SimpleNamespace) -> None:
    directory = make_programme(mentors=fx.MENTORS.encode("utf-8-sig"))
    result = read_programme(directory)
    assert result.report.ok
    assert list(result.programme.mentors["mentor_id"]) == ["m1", "m2", "m3", "p1"]


def test_garbage_parquet(make_programme) -> None:
    directory = make_programme(mentees=None)
    (directory / "mentees.parquet").write_bytes(b"this is not parquet at all")
    issue = _only(read_programme(directory).report.by_table("mentees"))
    assert issue.file == "mentees.parquet"
    assert issue.message.startswith("not a valid Parquet file")


def test_garbage_gzip(make_programme) -> None:
    directory = make_programme(mentees=None)
    (directory / "mentees.csv.gz").write_bytes(b"plain text, not gzip")
    issue = _only(read_programme(directory).report.by_table("mentees"))
    assert issue.file == "mentees.csv.gz"
    assert "not a valid gzip file" in issue.message


def test_empty_file(make_programme) -> None:
    issue = _only(read_programme(make_programme(mentees="")).report.by_table("mentees"))
    assert "empty" in issue.message


def test_semicolon_separated_file_gets_a_hint(make_programme, fx: SimpleNamespace) -> None:
    text = "mentee_id;goals\ne1;grow\n"
    issue = _only(read_programme(make_programme(mentees=text)).report.by_table("mentees"))
    assert "comma-separated" in issue.message
    assert "';'" in issue.message


def test_row_with_wrong_number_of_values(make_programme, fx: SimpleNamespace) -> None:
    text = fx.MENTEES + "e9,unquoted, comma,goals\n"
    result = read_programme(make_programme(mentees=text))
    issue = _only(fx.find(result.report, "mentees.csv", 6, None))
    assert "has 4 values but the header has 15 columns" in issue.message
    rejected = result.rejected["mentees"]
    assert list(rejected["_row"]) == [6]
    assert rejected.loc[0, "mentee_id"] == "e9"
    assert rejected.loc[0, "profile"] == "unquoted"


# ---------------------------------------------------------------------------------------------
# Columns


def test_missing_required_column(make_programme, fx: SimpleNamespace) -> None:
    text = fx.MENTORS.replace("mentor_id,", "mentorid,", 1)
    result = read_programme(make_programme(mentors=text))
    issue = _only(fx.find(result.report, "mentors.csv", None, "mentor_id"))
    assert "missing required column" in issue.message
    assert "did you mean 'mentorid'" in issue.message
    assert len(result.programme.mentors) == 0
    assert len(result.rejected["mentors"]) == 4
    assert "missing required column 'mentor_id'" in str(
        result.rejected["mentors"].loc[0, "_reasons"]
    )


def test_missing_required_pairing_created_at(make_programme, fx: SimpleNamespace) -> None:
    text = "pairing_id,mentor_id,mentee_id\nx1,m1,e1\n"
    result = read_programme(make_programme(pairings=text))
    assert _only(fx.find(result.report, "pairings.csv", None, "created_at"))
    assert len(result.programme.pairings) == 0


def test_unknown_column_is_a_warning(make_programme, fx: SimpleNamespace) -> None:
    text = fx.MENTORS.replace(",skills,", ",skils,", 1)
    result = read_programme(make_programme(mentors=text))
    issue = _only(fx.find(result.report, "mentors.csv", None, "skils", severity="warning"))
    assert "did you mean 'skills'" in issue.message
    assert result.report.ok  # warnings do not fail the report
    assert len(result.programme.mentors) == 4
    assert all(skills == [] for skills in result.programme.mentors["skills"])


def test_duplicate_contract_column(make_programme, fx: SimpleNamespace) -> None:
    text = "mentee_id,goals,goals\ne1,a,b\n"
    result = read_programme(make_programme(mentees=text))
    issue = _only(fx.find(result.report, "mentees.csv", None, "goals"))
    assert "appears 2 times (columns 2, 3)" in issue.message
    rejected = result.rejected["mentees"]
    assert (rejected.loc[0, "goals"], rejected.loc[0, "goals.2"]) == ("a", "b")


# ---------------------------------------------------------------------------------------------
# Ids


def test_empty_id(make_programme, fx: SimpleNamespace) -> None:
    text = fx.replace_cell(fx.MENTEES, 3, "mentee_id", "  ")
    result = read_programme(make_programme(mentees=text))
    issue = _only(fx.find(result.report, "mentees.csv", 3, "mentee_id"))
    assert issue.value == "  "
    assert "expected a non-empty identifier" in issue.message
    assert str(issue) == (
        "mentees.csv row 3, column 'mentee_id': got '  ', expected a non-empty identifier"
    )


def test_duplicate_id_names_both_rows(make_programme, fx: SimpleNamespace) -> None:
    text = fx.with_row(fx.MENTORS, mentor_id="m2", profile="someone else")
    result = read_programme(make_programme(mentors=text))
    first = _only(fx.find(result.report, "mentors.csv", 3, "mentor_id"))
    second = _only(fx.find(result.report, "mentors.csv", 6, "mentor_id"))
    assert first.value == second.value == "m2"
    assert "row 6" in first.message
    assert "row 3" in second.message
    assert sorted(result.rejected["mentors"]["_row"]) == [3, 6]
    assert "m2" not in set(result.programme.mentors["mentor_id"])


# ---------------------------------------------------------------------------------------------
# Values


@pytest.mark.parametrize(
    ("table", "column", "value", "expected"),
    [
        ("mentors", "created_at", "01/02/2023", "expected an ISO-8601 date"),
        ("mentors", "created_at", "2023-02-30", "expected an ISO-8601 date"),
        ("mentors", "created_at", "3024-01-01", "years 1678 to 2261"),
        ("mentors", "years_experience", "ten", "expected a number >= 0"),
        ("mentors", "years_experience", "1,5", "expected a number >= 0"),
        ("mentors", "seniority", "2.5", "expected a whole number >= 0"),
        ("mentors", "capacity", "two", "expected a whole number >= 0"),
        ("mentors", "available", "maybe", "expected true/false"),
        ("mentors", "timezone", "Mars/Olympus_Mons", "expected an IANA time-zone name"),
        ("mentors", "timezone", "UTC+15", "expected an IANA time-zone name"),
        ("mentors", "mentoring_types", "peer;group", "('group' not allowed)"),
        ("mentees", "mentoring_type", "buddy", "expected one of traditional, peer, reverse"),
        ("mentees", "seniority", "-1", "expected a whole number >= 0"),
        ("pairings", "status", "paused", "expected one of proposed, accepted, declined"),
        ("pairings", "ended_at", "soon", "expected an ISO-8601 date"),
    ],
)
def test_unparseable_values(
    make_programme, fx: SimpleNamespace, table: str, column: str, value: str, expected: str
) -> None:
    texts = {"mentors": fx.MENTORS, "mentees": fx.MENTEES, "pairings": fx.PAIRINGS}
    texts[table] = fx.replace_cell(texts[table], 4, column, value)
    result = read_programme(make_programme(**texts))
    issue = _only(fx.find(result.report, f"{table}.csv", 4, column))
    assert issue.value == value
    assert expected in issue.message
    assert issue.table == table
    assert list(result.rejected[table]["_row"]) == [4]
    assert len(result.programme.table(table)) == 3 if table != "pairings" else 4


@pytest.mark.parametrize("column", ["capacity", "seniority", "years_experience"])
def test_negative_numbers(make_programme, fx: SimpleNamespace, column: str) -> None:
    text = fx.replace_cell(fx.MENTORS, 5, column, "-2")
    report = read_programme(make_programme(mentors=text)).report
    issue = _only(fx.find(report, "mentors.csv", 5, column))
    assert issue.message.endswith(">= 0")


def test_message_format_matches_the_contract_example(make_programme, fx: SimpleNamespace) -> None:
    rows = fx.MENTORS
    for i in range(2):
        rows = fx.with_row(rows, mentor_id=f"n{i}")
    rows = fx.replace_cell(rows, 7, "capacity", "-2")
    report = read_programme(make_programme(mentors=rows)).report
    assert (
        "mentors.csv row 7, column 'capacity': got '-2', expected a whole number >= 0"
        in report.format_text()
    )


@pytest.mark.parametrize("rating", ["7", "-0.5", "5.01"])
def test_rating_out_of_range(make_programme, fx: SimpleNamespace, rating: str) -> None:
    text = fx.replace_cell(fx.PAIRINGS, 2, "rating", rating)
    report = read_programme(make_programme(pairings=text)).report
    issue = _only(fx.find(report, "pairings.csv", 2, "rating"))
    assert issue.message == "expected a number >= 0 and <= 5"


@pytest.mark.parametrize("rating", ["0", "5", "3.5", ""])
def test_rating_in_range(make_programme, fx: SimpleNamespace, rating: str) -> None:
    text = fx.replace_cell(fx.PAIRINGS, 2, "rating", rating)
    assert read_programme(make_programme(pairings=text)).report.ok


def test_ended_before_created_is_a_warning(make_programme, fx: SimpleNamespace) -> None:
    text = fx.replace_cell(fx.PAIRINGS, 2, "ended_at", "2023-01-01")
    result = read_programme(make_programme(pairings=text))
    issue = _only(fx.find(result.report, "pairings.csv", 2, "ended_at", severity="warning"))
    assert issue.value == "2023-01-01"
    assert "after created_at (2023-03-01)" in issue.message
    assert result.report.ok
    assert len(result.programme.pairings) == 5


# ---------------------------------------------------------------------------------------------
# Pairings: references, self-pairing, duplicates


def test_pairing_with_unknown_mentor(make_programme, fx: SimpleNamespace) -> None:
    text = fx.replace_cell(fx.PAIRINGS, 3, "mentor_id", "m404")
    report = read_programme(make_programme(pairings=text)).report
    issue = _only(fx.find(report, "pairings.csv", 3, "mentor_id"))
    assert issue.value == "m404"
    assert "mentor in mentors.csv" in issue.message


def test_pairing_with_unknown_mentee(make_programme, fx: SimpleNamespace) -> None:
    # m1 is a mentor, not a mentee: ids share a namespace but the tables stay distinct.
    text = fx.replace_cell(fx.PAIRINGS, 5, "mentee_id", "m1")
    report = read_programme(make_programme(pairings=text)).report
    issue = _only(fx.find(report, "pairings.csv", 5, "mentee_id"))
    assert "mentee in mentees.csv" in issue.message


def test_pairing_with_rejected_mentor_says_why(make_programme, fx: SimpleNamespace) -> None:
    mentors = fx.replace_cell(fx.MENTORS, 2, "capacity", "-1")  # m1 rejected
    result = read_programme(make_programme(mentors=mentors))
    issue = _only(fx.find(result.report, "pairings.csv", 2, "mentor_id"))
    assert "mentor 'm1' was rejected (mentors.csv row 2)" in issue.message
    assert "x1" not in set(result.programme.pairings["pairing_id"])


def test_pairing_with_oneself(make_programme, fx: SimpleNamespace) -> None:
    # p1 is both a mentor and a mentee, so both references exist; the pair is still invalid.
    text = fx.replace_cell(fx.PAIRINGS, 6, "mentee_id", "p1")
    report = read_programme(make_programme(pairings=text)).report
    issue = _only(fx.find(report, "pairings.csv", 6, "mentee_id"))
    assert issue.value == "p1"
    assert "themself" in issue.message


def test_duplicate_pairing_id(make_programme, fx: SimpleNamespace) -> None:
    text = fx.replace_cell(fx.PAIRINGS, 5, "pairing_id", "x1")
    report = read_programme(make_programme(pairings=text)).report
    assert "row 5" in _only(fx.find(report, "pairings.csv", 2, "pairing_id")).message
    assert "row 2" in _only(fx.find(report, "pairings.csv", 5, "pairing_id")).message


def test_rows_deriving_the_same_pairing_id_are_duplicates(
    make_programme, fx: SimpleNamespace
) -> None:
    # Same mentor, mentee and instant (written differently), both without an id.
    text = fx.with_row(
        fx.PAIRINGS,
        mentor_id="m3",
        mentee_id="e3",
        created_at="2023-05-01T02:00:00+02:00",
        status="completed",
    )
    result = read_programme(make_programme(pairings=text))
    first = _only(fx.find(result.report, "pairings.csv", 4, "pairing_id"))
    second = _only(fx.find(result.report, "pairings.csv", 7, "pairing_id"))
    assert "duplicate pairing" in first.message
    assert "row 7" in first.message
    assert "row 4" in second.message
    assert sorted(result.rejected["pairings"]["_row"]) == [4, 7]


# ---------------------------------------------------------------------------------------------
# All at once


def test_every_problem_is_reported_at_once(make_programme, fx: SimpleNamespace) -> None:
    mentors = fx.replace_cell(fx.MENTORS, 3, "capacity", "-2")
    mentors = fx.replace_cell(mentors, 3, "created_at", "yesterday")
    mentors = fx.replace_cell(mentors, 4, "timezone", "Nowhere/Land")
    mentees = fx.replace_cell(fx.MENTEES, 2, "mentee_id", "")
    mentees = fx.replace_cell(mentees, 5, "seniority", "senior")
    pairings = fx.replace_cell(fx.PAIRINGS, 2, "rating", "9")
    pairings = fx.replace_cell(pairings, 5, "status", "on hold")
    pairings = fx.replace_cell(pairings, 6, "mentor_id", "ghost")
    report = read_programme(
        make_programme(mentors=mentors, mentees=mentees, pairings=pairings)
    ).report
    where = {(i.file, i.row, i.column) for i in report.errors}
    assert {
        ("mentors.csv", 3, "capacity"),
        ("mentors.csv", 3, "created_at"),
        ("mentors.csv", 4, "timezone"),
        ("mentees.csv", 2, "mentee_id"),
        ("mentees.csv", 5, "seniority"),
        ("pairings.csv", 2, "rating"),
        ("pairings.csv", 5, "status"),
        ("pairings.csv", 6, "mentor_id"),
    } <= where
    # Pairings of rejected people are rejected too (and say why).
    assert fx.find(report, "pairings.csv", 3, "mentor_id")  # m2 was rejected
    assert fx.find(report, "pairings.csv", 4, "mentor_id")  # m3 was rejected
    assert fx.find(report, "pairings.csv", 6, "mentee_id")  # p1 as mentee was rejected
    text = report.format_text()
    assert text.index("mentors.csv") < text.index("mentees.csv") < text.index("pairings.csv")
    assert text.splitlines()[-1].startswith("INVALID: ")


def test_valid_rows_still_load(make_programme, fx: SimpleNamespace) -> None:
    mentors = fx.replace_cell(fx.MENTORS, 3, "available", "perhaps")  # m2 rejected
    result = read_programme(make_programme(mentors=mentors))
    assert not result.report.ok
    assert list(result.programme.mentors["mentor_id"]) == ["m1", "m3", "p1"]
    assert list(result.programme.mentees["mentee_id"]) == ["e1", "e2", "e3", "p1"]
    # Only the pairing that names m2 is rejected.
    assert list(result.rejected["pairings"]["_row"]) == [3]
    assert len(result.programme.pairings) == 4
    assert result.report.loaded == {"mentors": 3, "mentees": 4, "pairings": 4}
    assert result.report.rejected == {"mentors": 1, "mentees": 0, "pairings": 1}


def test_rejected_rows_keep_their_original_values(make_programme, fx: SimpleNamespace) -> None:
    mentors = fx.replace_cell(fx.MENTORS, 3, "capacity", " -2 ")
    mentors = fx.replace_cell(mentors, 3, "seniority", "3.7")
    mentors = fx.add_column(mentors, "notes")
    mentors = fx.replace_cell(mentors, 3, "notes", "keep me")
    result = read_programme(make_programme(mentors=mentors))
    rejected = result.rejected["mentors"]
    assert len(rejected) == 1
    row = rejected.iloc[0]
    assert row["mentor_id"] == "m2"
    assert row["capacity"] == " -2 "
    assert row["skills"] == "Figma; user research ;"
    assert row["created_at"] == "2023-02-01T10:00:00+02:00"
    assert row["notes"] == "keep me"  # unknown columns are kept for quarantine
    assert (row["_file"], row["_row"]) == ("mentors.csv", 3)
    assert row["_reasons"] == (
        "column 'seniority': got '3.7', expected a whole number >= 0; "
        "column 'capacity': got ' -2 ', expected a whole number >= 0"
    )
    assert list(rejected.columns[-3:]) == ["_file", "_row", "_reasons"]


# ---------------------------------------------------------------------------------------------
# The report object


def test_report_json_and_error(make_programme, fx: SimpleNamespace) -> None:
    mentors = fx.replace_cell(fx.MENTORS, 2, "capacity", "-2")
    mentors = fx.add_column(mentors, "extra")
    directory = make_programme(mentors=mentors)
    report = read_programme(directory).report
    data = json.loads(json.dumps(report.to_dict()))
    assert data["ok"] is False
    assert data["errors"] >= 2
    assert data["warnings"] == 1
    assert data["counts"]["mentors"] == {"valid": 3, "rejected": 1}
    capacity = [i for i in data["issues"] if i["column"] == "capacity"]
    assert capacity == [
        {
            "file": "mentors.csv",
            "row": 2,
            "column": "capacity",
            "value": "-2",
            "message": "expected a whole number >= 0",
            "table": "mentors",
            "severity": "error",
        }
    ]
    with pytest.raises(InvalidProgrammeError) as caught:
        load_programme(directory)
    assert caught.value.report.to_dict() == report.to_dict()
    assert str(caught.value) == report.format_text()


def test_report_warnings_do_not_fail() -> None:
    report = ValidationReport()
    report.add(
        "mentors.csv", "unknown column, ignored", column="x", table="mentors", severity="warning"
    )
    report.loaded.update({"mentors": 2, "mentees": 1, "pairings": 0})
    assert report.ok
    assert report.errors == []
    assert len(report.warnings) == 1
    assert report.format_text().splitlines()[-1] == (
        "OK: 2 mentors, 1 mentees, 0 pairings (1 warning)"
    )
    report.extend([Issue("mentees.csv", 3, "goals", None, "boom", "mentees")])
    assert not report.ok
    assert [i.file for i in report.by_table("mentees")] == ["mentees.csv"]


def test_text_report_is_capped_per_file_but_json_is_not() -> None:
    report = ValidationReport()
    for row in range(2, 300):
        report.add(
            "pairings.csv",
            "expected a number",
            row=row,
            column="rating",
            value="x",
            table="pairings",
        )
    text = report.format_text(max_per_file=10)
    assert "... and 288 more in pairings.csv" in text
    assert len(report.to_dict()["issues"]) == 298


def test_gzip_csv_reports_the_same_rows(make_programme, fx: SimpleNamespace) -> None:
    directory = make_programme(mentees=None)
    text = fx.replace_cell(fx.MENTEES, 4, "seniority", "x")
    (directory / "mentees.csv.gz").write_bytes(gzip.compress(text.encode("utf-8")))
    report = read_programme(directory).report
    assert _only(fx.find(report, "mentees.csv.gz", 4, "seniority")).value == "x"
