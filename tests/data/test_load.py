"""Loading: canonical dtypes and values, Parquet, derived ids, time zones, the CLI, the docs."""

from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from recommender.cli import app
from recommender.data import (
    MENTEES,
    MENTORS,
    PAIRINGS,
    TABLES,
    ReferenceIds,
    coerce_frame,
    derive_pairing_id,
    load_programme,
    offset_hours_series,
    parse_table,
    parse_timezone,
    read_programme,
    utc_offset_hours,
    write_programme,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "data-contract.md"


# ---------------------------------------------------------------------------------------------
# Canonical frames


def test_valid_fixture_loads_in_canonical_dtypes(programme_dir: Path) -> None:
    programme = load_programme(programme_dir)
    for name, spec in TABLES.items():
        frame = programme.table(name)
        assert list(frame.columns) == spec.column_names
        assert frame.dtypes.to_dict() == coerce_frame(spec, []).dtypes.to_dict()


def test_valid_fixture_values(programme_dir: Path) -> None:
    programme = load_programme(programme_dir)
    m = programme.mentors.set_index("mentor_id")
    assert m.loc["m1", "profile"] == "Led teams of twelve, loves SQL"
    assert m.loc["m3", "profile"] == 'Finance lead, a "numbers" person'
    assert m.loc["m1", "skills"] == ["SQL", "Python", "people management"]
    assert m.loc["m2", "skills"] == ["Figma", "user research"]  # blanks and empty items dropped
    assert m.loc["m2", "interests"] == []
    assert m.loc["m1", "timezone"] == "Europe/Berlin"
    assert m.loc["m2", "timezone"] == "+01:00"
    assert m.loc["m1", "years_experience"] == 12.5
    assert m.loc["m2", "capacity"] == 1  # contract default for an empty cell
    assert list(m["available"]) == [True, True, False, True]
    assert m.loc["m3", "mentoring_types"] == ["traditional", "reverse"]
    assert m.loc["m2", "created_at"] == pd.Timestamp("2023-02-01T08:00:00Z")
    assert m.loc["m1", "created_at"] == pd.Timestamp("2023-01-05T00:00:00Z")

    e = programme.mentees.set_index("mentee_id")
    assert e.loc["e3", "mentoring_type"] == "traditional"  # "Traditional" normalised
    assert e.loc["e3", "timezone"] == "+05:30"
    assert e.loc["e1", "skills_wanted"] == ["people management", "SQL"]
    assert e.loc["e1", "title"] == "Analyst"
    assert e.loc["e2", "interests"] == []

    p = programme.pairings
    assert list(p["status"]) == ["completed", "declined", "active", "proposed", "ended_early"]
    assert p.loc[0, "rating"] == 4.5
    assert p["rating"].isna().iloc[1]
    assert p.loc[0, "feedback"] == "Great, practical advice"
    assert p.loc[1, "feedback"] == ""
    assert p.loc[1, "created_at"] == pd.Timestamp("2023-04-01T09:30:00Z")
    assert p.loc[2, "pairing_id"] == derive_pairing_id(
        "m3", "e3", pd.Timestamp("2023-05-01", tz="UTC")
    )


def test_missing_optional_columns_get_defaults(make_programme) -> None:
    mentors = "mentor_id\nm1\nm2\n"
    mentees = "mentee_id,goals\ne1,grow\n"
    pairings = "mentor_id,mentee_id,created_at\nm1,e1,2024-01-01\n"
    programme = load_programme(make_programme(mentors=mentors, mentees=mentees, pairings=pairings))
    assert list(programme.mentors["capacity"]) == [1, 1]
    assert list(programme.mentors["available"]) == [True, True]
    assert programme.mentors.loc[0, "skills"] == []
    assert programme.mentors.loc[0, "profile"] == ""
    assert programme.pairings.loc[0, "status"] == "accepted"
    assert str(programme.pairings.loc[0, "pairing_id"]).startswith("p-")


def test_quoted_line_breaks_and_blank_lines_keep_spreadsheet_row_numbers(
    make_programme, fx: SimpleNamespace
) -> None:
    # Row 2 spans two physical lines; a blank line follows; the bad row is row 4 as a
    # spreadsheet shows it (physical line 6).
    mentees = 'mentee_id,goals,seniority\ne1,"first line\nsecond line",1\ne2,ok,2\n\ne3,bad,high\n'
    result = read_programme(make_programme(mentees=mentees, pairings=None))
    assert result.programme.mentees.loc[0, "goals"] == "first line\nsecond line"
    issue = fx.find(result.report, "mentees.csv", 5, "seniority")
    assert len(issue) == 1
    assert issue[0].value == "high"


def test_case_insensitive_file_names(make_programme, fx: SimpleNamespace) -> None:
    directory = make_programme()
    (directory / "mentors.csv").rename(directory / "Mentors.CSV")
    result = read_programme(directory)
    assert result.report.ok
    assert len(result.programme.mentors) == 4


def test_round_trip_through_the_contract_writer(programme_dir: Path, tmp_path: Path) -> None:
    programme = load_programme(programme_dir)
    for fmt in ("csv", "parquet"):
        out = tmp_path / f"again-{fmt}"
        write_programme(programme, out, fmt=fmt)
        again = load_programme(out)
        for name in TABLES:
            pd.testing.assert_frame_equal(again.table(name), programme.table(name))


# ---------------------------------------------------------------------------------------------
# Parquet


def test_parquet_with_native_types(tmp_path: Path) -> None:
    directory = tmp_path / "pq"
    directory.mkdir()
    pd.DataFrame(
        {
            "mentor_id": ["m1", "m2"],
            "skills": [["SQL", " Python "], []],
            "languages": [np.array(["English"]), None],
            "seniority": pd.array([4, None], dtype="Int64"),
            "capacity": [2, 3],
            "available": [True, False],
            "mentoring_types": [["Peer"], ["traditional", "reverse"]],
            "timezone": ["america/new_york", "UTC-05:30"],
            # Naive timestamps are UTC.
            "created_at": pd.to_datetime(["2023-01-05 10:00", "2023-02-01"], format="ISO8601"),
        }
    ).to_parquet(directory / "mentors.parquet", index=False)
    pd.DataFrame(
        {"mentee_id": ["e1"], "created_at": pd.to_datetime(["2024-01-01T12:00:00+02:00"])}
    ).to_parquet(directory / "mentees.parquet", index=False)
    pd.DataFrame(
        {
            "pairing_id": [None, "x2"],
            "mentor_id": ["m1", "m2"],
            "mentee_id": ["e1", "e1"],
            "created_at": ["2024-02-01", "2024-02-02T10:00:00Z"],  # strings are fine too
            "rating": [4.0, np.nan],
        }
    ).to_parquet(directory / "pairings.parquet", index=False)

    result = read_programme(directory)
    assert result.report.ok, result.report.format_text()
    m = result.programme.mentors
    assert m.loc[0, "skills"] == ["SQL", "Python"]
    assert m.loc[1, "skills"] == []
    assert m.loc[0, "languages"] == ["English"]
    assert m.loc[1, "languages"] == []
    assert m.loc[0, "seniority"] == 4
    assert m["seniority"].isna().iloc[1]
    assert m.loc[0, "mentoring_types"] == ["peer"]
    assert list(m["timezone"]) == ["America/New_York", "-05:30"]
    assert m.loc[0, "created_at"] == pd.Timestamp("2023-01-05T10:00:00Z")
    assert result.programme.mentees.loc[0, "created_at"] == pd.Timestamp("2024-01-01T10:00Z")
    p = result.programme.pairings
    assert p.loc[0, "pairing_id"] == derive_pairing_id("m1", "e1", datetime(2024, 2, 1))
    assert p.loc[0, "rating"] == 4.0
    assert p["rating"].isna().iloc[1]


def test_parquet_rows_are_numbered_from_one(tmp_path: Path, fx: SimpleNamespace) -> None:
    directory = tmp_path / "pq"
    directory.mkdir()
    pd.DataFrame({"mentor_id": ["m1", "m2", "m3"], "capacity": [1.0, -1.0, 2.5]}).to_parquet(
        directory / "mentors.parquet"
    )
    pd.DataFrame({"mentee_id": ["e1"]}).to_parquet(directory / "mentees.parquet")
    result = read_programme(directory)
    assert [(i.row, i.column, i.value) for i in result.report.errors] == [
        (2, "capacity", "-1.0"),
        (3, "capacity", "2.5"),
    ]
    assert list(result.rejected["mentors"]["_file"]) == ["mentors.parquet"] * 2


# ---------------------------------------------------------------------------------------------
# Derived pairing ids


def test_pairing_id_derivation_is_stable() -> None:
    expected = "p-" + hashlib.sha256(b"m1|e1|2024-03-01T09:30:00+00:00").hexdigest()[:16]
    assert derive_pairing_id("m1", "e1", pd.Timestamp("2024-03-01T09:30:00Z")) == expected
    # The same instant written differently gives the same id; naive means UTC.
    assert derive_pairing_id("m1", "e1", datetime(2024, 3, 1, 9, 30)) == expected
    assert derive_pairing_id("m1", "e1", pd.Timestamp("2024-03-01T11:30:00+02:00")) == expected
    assert derive_pairing_id("e1", "m1", datetime(2024, 3, 1, 9, 30)) != expected


def test_derived_ids_are_identical_across_reloads(programme_dir: Path) -> None:
    first = load_programme(programme_dir).pairings["pairing_id"]
    second = load_programme(programme_dir).pairings["pairing_id"]
    assert list(first) == list(second)


# ---------------------------------------------------------------------------------------------
# parse_table for records that are not files


def test_parse_table_on_records() -> None:
    raw = pd.DataFrame(
        [
            {"mentor_id": "m1", "mentee_id": "e1", "created_at": "2024-01-01", "rating": 5},
            {"mentor_id": "m2", "mentee_id": "e1", "created_at": "2024-01-02", "rating": 6},
            {"mentor_id": "m9", "mentee_id": "e1", "created_at": "2024-01-03"},
        ]
    )
    references = {
        "mentor_id": ReferenceIds("mentor", "the database", frozenset({"m1", "m2"})),
        "mentee_id": ReferenceIds("mentee", "the database", frozenset({"e1"})),
    }
    typed, issues, rejected = parse_table(PAIRINGS, raw, "request", 0, references=references)
    assert list(typed["mentor_id"]) == ["m1"]
    assert [(i.row, i.column) for i in issues] == [(1, "rating"), (2, "mentor_id")]
    assert "mentor in the database" in issues[1].message
    # The frame holds 6.0 (pandas made the column float): that is the original value.
    assert list(rejected["_row"]) == [1, 2]
    assert list(rejected["rating"]) == ["6.0", ""]


def test_parse_table_row_numbers_and_unchecked_references() -> None:
    raw = pd.DataFrame({"mentee_id": ["e1", "e1"], "seniority": ["1", "x"]})
    _, issues, _ = parse_table(MENTEES, raw, "x.csv", 2, row_numbers=[10, 20])
    assert [(i.row, i.column) for i in issues] == [
        (10, "mentee_id"),
        (20, "mentee_id"),
        (20, "seniority"),
    ]
    unavailable = {
        "mentor_id": ReferenceIds("mentor", "mentors.csv", None, unavailable_reason="it is gone")
    }
    raw = pd.DataFrame({"mentor_id": ["m1"], "mentee_id": ["e1"], "created_at": ["2024-01-01"]})
    typed, issues, rejected = parse_table(PAIRINGS, raw, "p.csv", 2, references=unavailable)
    assert typed.empty
    assert len(rejected) == 1
    assert issues[0].row is None
    assert "it is gone" in issues[0].message


def test_parse_table_empty_records() -> None:
    typed, issues, rejected = parse_table(MENTORS, pd.DataFrame(), "request", 0)
    assert typed.empty
    assert issues == []
    assert rejected.empty
    assert list(typed.columns) == MENTORS.column_names


# ---------------------------------------------------------------------------------------------
# Time zones


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        (" America/Sao_Paulo ", "America/Sao_Paulo"),
        ("+02:00", "+02:00"),
        ("-0530", "-05:30"),
        ("+2", "+02:00"),
        ("UTC+2", "+02:00"),
        ("UTC-05:30", "-05:30"),
        ("GMT+1", "+01:00"),
        ("utc + 5:45", "+05:45"),
        ("UTC", "UTC"),
        ("Z", "UTC"),
        ("GMT", "UTC"),
        ("+00:00", "UTC"),
        ("Etc/UTC", "UTC"),
        ("+14:00", "+14:00"),
    ],
)
def test_parse_timezone(value: str, canonical: str) -> None:
    assert parse_timezone(value) == canonical


@pytest.mark.parametrize("value", ["", "Mars/Base", "UTC+15", "-13:00", "+02:75", "2", "Berlin"])
def test_parse_timezone_rejects(value: str) -> None:
    with pytest.raises(ValueError, match=r"time zone|UTC offset"):
        parse_timezone(value)


def test_utc_offset_hours() -> None:
    assert utc_offset_hours("Europe/Berlin") == 1.0  # 2024-01-15: winter time
    assert utc_offset_hours("Europe/Berlin", datetime(2024, 7, 1)) == 2.0
    assert utc_offset_hours("Asia/Kolkata") == 5.5
    assert utc_offset_hours("UTC-05:30") == -5.5
    assert utc_offset_hours("Z") == 0.0
    assert utc_offset_hours(None) is None
    assert utc_offset_hours("Nowhere") is None


def test_offset_hours_series() -> None:
    values = pd.Series(["Europe/Berlin", None, "+05:30", "bogus", "Europe/Berlin", ""])
    out = offset_hours_series(values)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [1.0, np.nan, 5.5, np.nan, 1.0, np.nan])
    summer = offset_hours_series(values, at=datetime(2024, 7, 1))
    assert summer[0] == 2.0


# ---------------------------------------------------------------------------------------------
# The CLI


def test_cli_validate_good_data(programme_dir: Path) -> None:
    result = CliRunner().invoke(app, ["data", "validate", str(programme_dir)])
    assert result.exit_code == 0, result.output
    assert "OK: 4 mentors, 4 mentees, 5 pairings" in result.output


def test_cli_validate_bad_data(make_programme, fx: SimpleNamespace) -> None:
    mentors = fx.replace_cell(fx.MENTORS, 3, "capacity", "-2")
    # A value that looks like rich markup must be printed as it is, not interpreted.
    mentors = fx.replace_cell(mentors, 4, "seniority", "[/bold]")
    directory = make_programme(mentors=mentors)
    result = CliRunner().invoke(app, ["data", "validate", str(directory)])
    assert result.exit_code == 1, result.output
    assert (
        "mentors.csv row 3, column 'capacity': got '-2', expected a whole number >= 0"
        in result.output
    )
    assert "got '[/bold]'" in result.output

    as_json = CliRunner().invoke(app, ["data", "validate", str(directory), "--json"])
    assert as_json.exit_code == 1
    data = json.loads(as_json.stdout)
    assert data["ok"] is False
    assert {(i["row"], i["column"]) for i in data["issues"]} >= {(3, "capacity"), (4, "seniority")}


def test_cli_validate_missing_directory(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["data", "validate", str(tmp_path / "absent"), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["issues"][0]["message"].startswith(
        "programme directory does not exist"
    )


# ---------------------------------------------------------------------------------------------
# Docs cannot drift from the contract


def test_docs_name_every_contract_column() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for spec in (MENTORS, MENTEES, PAIRINGS):
        section = text.split(f"### {spec.name}", 1)
        assert len(section) == 2, f"docs have no section for {spec.name}"
        body = section[1].split("\n### ", 1)[0]
        documented = set(re.findall(r"^\| `([a-z_]+)` \|", body, flags=re.MULTILINE))
        assert documented == set(spec.column_names), spec.name


def test_docs_name_every_status_and_mentoring_type() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for spec in (MENTORS, MENTEES, PAIRINGS):
        for column in spec.columns:
            for choice in column.choices:
                assert f"`{choice}`" in text


# ---------------------------------------------------------------------------------------------
# Scale


@pytest.mark.slow
def test_large_programme_loads_quickly(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    directory = tmp_path / "big"
    directory.mkdir()
    words = np.array(
        [
            "sql",
            "python",
            "leadership",
            "design",
            "figma",
            "sales",
            "finance",
            "people",
            "budgeting",
        ]
    )
    zones = np.array(["Europe/Berlin", "America/New_York", "Asia/Kolkata", "+02:00", "UTC-5"])

    def lists(n: int, k: int) -> list[str]:
        return [";".join(rng.choice(words, k, replace=False)) for _ in range(n)]

    def text(n: int, k: int) -> list[str]:
        return [" ".join(rng.choice(words, k)) for _ in range(n)]

    n_mentors, n_mentees, n_pairings = 2_000, 5_000, 20_000
    pd.DataFrame(
        {
            "mentor_id": [f"m{i}" for i in range(n_mentors)],
            "profile": text(n_mentors, 60),
            "skills": lists(n_mentors, 4),
            "interests": lists(n_mentors, 2),
            "timezone": rng.choice(zones, n_mentors),
            "languages": "English;German",
            "seniority": rng.integers(0, 7, n_mentors),
            "years_experience": rng.uniform(0, 30, n_mentors),
            "capacity": rng.integers(1, 5, n_mentors),
            "available": "true",
            "mentoring_types": "traditional;peer",
            "group": "a",
            "created_at": "2022-01-01T10:00:00Z",
        }
    ).to_csv(directory / "mentors.csv", index=False)
    pd.DataFrame(
        {
            "mentee_id": [f"e{i}" for i in range(n_mentees)],
            "profile": text(n_mentees, 40),
            "goals": text(n_mentees, 30),
            "skills_wanted": lists(n_mentees, 3),
            "timezone": rng.choice(zones, n_mentees),
            "seniority": rng.integers(0, 4, n_mentees),
            "mentoring_type": "traditional",
            "created_at": "2023-01-01",
        }
    ).to_csv(directory / "mentees.csv", index=False)
    created = pd.Timestamp("2023-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 10**8, n_pairings), unit="s"
    )
    pd.DataFrame(
        {
            "pairing_id": [f"x{i}" if i % 2 else "" for i in range(n_pairings)],
            "mentor_id": [f"m{i}" for i in rng.integers(0, n_mentors, n_pairings)],
            "mentee_id": [f"e{i}" for i in rng.integers(0, n_mentees, n_pairings)],
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "status": rng.choice(["completed", "declined", "active"], n_pairings),
            "rating": rng.choice(["", "4", "3.5"], n_pairings),
            "feedback": text(n_pairings, 10),
        }
    ).to_csv(directory / "pairings.csv", index=False)

    read_programme(directory)  # warm imports and caches
    started = time.process_time()  # CPU time: steady on a busy machine, unlike wall time
    result = read_programme(directory)
    elapsed = time.process_time() - started
    assert result.report.ok, result.report.format_text(max_per_file=5)
    assert result.report.loaded == {"mentors": 2_000, "mentees": 5_000, "pairings": 20_000}
    print(f"read_programme: {elapsed:.2f} s CPU for 2,000 + 5,000 + 20,000 rows")
    assert elapsed < 2.0, f"read_programme took {elapsed:.2f} s of CPU"
