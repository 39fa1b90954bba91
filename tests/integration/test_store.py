"""The programme database: migrations, idempotent import, quarantine, lossless round trips, CLI.

Every test that takes ``database_url`` runs on SQLite, and on PostgreSQL too when
RECOMMENDER_TEST_DATABASE_URL is set (see tests/conftest.py).
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, func, inspect, select, text
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from recommender.cli import app
from recommender.data.contract import MENTEES, MENTORS, PAIRINGS, TABLES, Kind, Programme
from recommender.data.frames import coerce_frame, write_programme
from recommender.data.load import read_programme
from recommender.store import io as store_io
from recommender.store.db import (
    StoreError,
    alembic_config,
    current_revision,
    head_revision,
    make_engine,
    normalise_url,
    session_factory,
    upgrade,
)
from recommender.store.io import (
    export_programme,
    import_programme,
    list_quarantine,
    read_programme_from_db,
    upsert_table,
)
from recommender.store.models import MODELS, Base, Mentor, Pairing, QuarantinedRow

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_progress_bars(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECOMMENDER_PROGRESS", "0")


def _programme() -> Programme:
    """A small programme exercising every kind of value (edge cases included)."""
    mentors = coerce_frame(
        MENTORS,
        [
            {
                "mentor_id": "m1",
                "profile": 'Led teams of twelve, "data" platform;\nloves, commas — ünïcode',
                "skills": ["SQL", "stakeholder management", "Python"],
                "interests": ["chess"],
                "title": "Head of Data",
                "department": "data",
                "location": "Berlin",
                "timezone": "Europe/Berlin",
                "languages": ["German", "English"],
                "seniority": 6,
                "years_experience": 12.1,
                "capacity": 3,
                "available": False,
                "mentoring_types": ["traditional", "reverse"],
                "group": "B",
                "created_at": "2021-03-01T09:30:00.123456Z",
            },
            {"mentor_id": "m2"},  # only the id: every default
            {
                "mentor_id": "p1",  # also a mentee: ids share one namespace
                "profile": "Peer mentor",
                "timezone": "-05:30",
                "seniority": 2,
                "years_experience": 0.1,
                "capacity": 1,
                "mentoring_types": ["peer"],
                "created_at": "2022-01-01T00:00:00Z",
            },
        ],
    )
    mentees = coerce_frame(
        MENTEES,
        [
            {
                "mentee_id": "e1",
                "profile": "Analyst",
                "goals": "Wants to become a people manager",
                "skills_wanted": ["people management"],
                "skills": ["Excel"],
                "timezone": "UTC",
                "languages": ["English"],
                "seniority": 1,
                "mentoring_type": "traditional",
                "group": "A",
                "created_at": "2023-05-05T12:00:00Z",
            },
            {"mentee_id": "e2"},
            {"mentee_id": "p1", "goals": "Learn SQL", "mentoring_type": "peer"},
        ],
    )
    pairings = coerce_frame(
        PAIRINGS,
        [
            {
                "pairing_id": "x1",
                "mentor_id": "m1",
                "mentee_id": "e1",
                "created_at": "2023-06-01T08:00:00Z",
                "status": "completed",
                "rating": 4.5,
                "feedback": "Great,\nreally",
                "ended_at": "2023-12-01T08:00:00.000001Z",
            },
            {
                "pairing_id": "x2",
                "mentor_id": "p1",
                "mentee_id": "e2",
                "created_at": "2023-07-01T08:00:00Z",
                "status": "declined",
            },
            {
                "pairing_id": "x3",
                "mentor_id": "m1",
                "mentee_id": "p1",
                "created_at": "2023-08-01T08:00:00Z",
            },
        ],
    )
    return Programme(mentors, mentees, pairings)


def _write(directory: Path, programme: Programme, fmt: str = "csv") -> Path:
    write_programme(programme, directory, fmt)
    return directory


@pytest.fixture
def programme_dir(tmp_path: Path) -> Path:
    return _write(tmp_path / "programme", _programme())


def _sizes(programme: Programme) -> dict[str, int]:
    return {name: len(programme.table(name)) for name in TABLES}


def _assert_same_programme(left: Programme, right: Programme) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(left.table(name), right.table(name), check_exact=True)


def _snapshot(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every stored row (bookkeeping columns included) of every table."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: [
                    dict(r)
                    for r in connection.execute(select(table).order_by(table.c.id)).mappings()
                ]
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


# --- Schema and migrations -----------------------------------------------------------------


def test_models_cover_the_contract() -> None:
    for name, spec in TABLES.items():
        table = MODELS[name].__table__
        assert [c.name for c in table.columns] == [
            "id",
            *spec.column_names,
            "content_hash",
            "updated_at",
        ]
        for col in spec.columns:
            # Columns with a default (or TEXT/list kinds, which default to ""/[]) are never NULL.
            never_null = (
                col.required
                or col.kind in (Kind.ID, Kind.TEXT, Kind.LIST, Kind.ENUM_LIST)
                or col.default is not None
            )
            assert table.c[col.name].nullable is not never_null, (name, col.name)


def test_migrations_create_exactly_the_models_schema(database_url: str) -> None:
    assert current_revision(database_url) is None
    upgrade(database_url)
    assert current_revision(database_url) == head_revision()
    upgrade(database_url)  # already at head: nothing to do

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            assert compare_metadata(context, Base.metadata) == []
            # The comparison does notice a difference (so the assertion above means something).
            drifted = MetaData()
            for table in Base.metadata.sorted_tables:
                table.to_metadata(drifted)
            drifted.tables["mentors"].append_column(Column("extra", Integer))
            assert compare_metadata(context, drifted) != []
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    assert current_revision(database_url) is None


def test_reading_an_unmigrated_database_is_a_clear_error(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect():  # the database now exists, but empty
            pass
    finally:
        engine.dispose()
    with pytest.raises(StoreError, match="no programme schema"):
        read_programme_from_db(database_url)
    with pytest.raises(StoreError, match="no programme schema"):
        list_quarantine(database_url)


def test_a_database_from_a_newer_version_is_refused(database_url: str, programme_dir: Path) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        engine.dispose()
    with pytest.raises(StoreError, match="newer version"):
        import_programme(programme_dir, database_url)
    with pytest.raises(StoreError, match="revision 9999"):
        read_programme_from_db(database_url)


def test_postgresql_urls_use_psycopg_3() -> None:
    for url in ("postgresql://u@h/d", "postgres://u@h/d"):
        assert normalise_url(url).drivername == "postgresql+psycopg"
    assert normalise_url("postgresql+psycopg://u@h/d").drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:///x.db").drivername == "sqlite"


# --- Import ----------------------------------------------------------------------------------


def test_import_is_idempotent(database_url: str, programme_dir: Path) -> None:
    sizes = _sizes(_programme())
    first = import_programme(programme_dir, database_url)
    assert first.ok
    assert first.report.ok
    assert {n: c.inserted for n, c in first.tables.items()} == sizes
    assert first.updated == first.unchanged == first.quarantined == 0
    before = _snapshot(database_url)

    second = import_programme(programme_dir, database_url)
    assert second.inserted == second.updated == second.quarantined == 0
    assert {n: c.unchanged for n, c in second.tables.items()} == sizes
    assert _snapshot(database_url) == before  # not even updated_at moved

    text = second.format_text()
    assert "unchanged" in text
    assert "mentees" in text
    as_json = json.loads(json.dumps(second.to_dict()))
    assert as_json["total"]["unchanged"] == sum(sizes.values())
    assert as_json["tables"]["pairings"] == {
        "inserted": 0,
        "updated": 0,
        "unchanged": sizes["pairings"],
        "quarantined": 0,
    }


def test_changed_and_new_rows_are_updated_and_inserted(
    database_url: str, programme_dir: Path, tmp_path: Path
) -> None:
    import_programme(programme_dir, database_url)
    programme = _programme()
    programme.mentors.loc[programme.mentors["mentor_id"] == "m2", "capacity"] = 4
    programme.pairings.loc[programme.pairings["pairing_id"] == "x3", "status"] = "active"
    extra = coerce_frame(MENTEES, [{"mentee_id": "e3", "goals": "Public speaking"}])
    programme.mentees = pd.concat([programme.mentees, extra], ignore_index=True)
    changed = _write(tmp_path / "changed", programme)

    counts = import_programme(changed, database_url)
    assert counts.tables["mentors"].to_dict() == {
        "inserted": 0,
        "updated": 1,
        "unchanged": 2,
        "quarantined": 0,
    }
    assert counts.tables["mentees"].inserted == 1
    assert counts.tables["mentees"].unchanged == 3
    assert counts.tables["pairings"].updated == 1
    assert counts.tables["pairings"].unchanged == 2
    _assert_same_programme(read_programme_from_db(database_url), programme)


def test_rows_missing_from_a_later_import_are_kept(
    database_url: str, programme_dir: Path, tmp_path: Path
) -> None:
    import_programme(programme_dir, database_url)
    programme = _programme()
    programme.pairings = programme.pairings.iloc[:1].reset_index(drop=True)
    counts = import_programme(_write(tmp_path / "fewer", programme), database_url)
    assert counts.tables["pairings"].unchanged == 1
    assert len(read_programme_from_db(database_url).pairings) == 3


def _append_rows(path: Path, *rows: dict[str, str]) -> None:
    """Append raw CSV rows (unset columns empty) to a contract file."""
    with path.open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    with path.open("a", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        for row in rows:
            assert set(row) <= set(header)
            writer.writerow([row.get(name, "") for name in header])


def _broken_dir(tmp_path: Path) -> Path:
    """The sample programme plus mentors.csv row 5 (bad capacity) and pairings.csv rows 5
    (rating out of range) and 6 (unknown mentor)."""
    directory = _write(tmp_path / "broken", _programme())
    _append_rows(directory / "mentors.csv", {"mentor_id": "m9", "capacity": "-2"})
    _append_rows(
        directory / "pairings.csv",
        {
            "pairing_id": "x8",
            "mentor_id": "m1",
            "mentee_id": "e2",
            "created_at": "2024-01-01",
            "rating": "7",
        },
        {"pairing_id": "x9", "mentor_id": "nobody", "mentee_id": "e2", "created_at": "2024-01-01"},
    )
    return directory


def test_invalid_rows_go_to_quarantine_and_valid_rows_import(
    database_url: str, tmp_path: Path
) -> None:
    directory = _broken_dir(tmp_path)
    counts = import_programme(directory, database_url)
    sizes = _sizes(_programme())
    assert {n: c.inserted for n, c in counts.tables.items()} == sizes
    assert {n: c.quarantined for n, c in counts.tables.items()} == {
        "mentors": 1,
        "mentees": 0,
        "pairings": 2,
    }
    assert not counts.ok
    assert counts.quarantine_added == 3
    assert "quarantine" in counts.format_text()

    entries = list_quarantine(database_url)
    by_row = {(e.table, e.source_row): e for e in entries}
    assert set(by_row) == {("mentors", 5), ("pairings", 5), ("pairings", 6)}
    capacity = by_row[("mentors", 5)]
    assert capacity.source_file == "mentors.csv"
    assert "capacity" in capacity.reasons
    assert "'-2'" in capacity.reasons
    assert capacity.raw["mentor_id"] == "m9"
    assert capacity.raw["capacity"] == "-2"
    assert capacity.imported_at.tzinfo is not None
    assert "rating" in by_row[("pairings", 5)].reasons
    assert "nobody" in by_row[("pairings", 6)].reasons
    assert [e.table for e in list_quarantine(database_url, table="mentors")] == ["mentors"]
    assert len(list_quarantine(database_url, limit=2)) == 2

    again = import_programme(directory, database_url)
    assert again.quarantined == 3
    assert again.quarantine_added == 0
    assert len(list_quarantine(database_url)) == 3
    assert again.unchanged == sum(sizes.values())


def test_pairings_may_name_people_already_in_the_database(
    database_url: str, programme_dir: Path, tmp_path: Path
) -> None:
    import_programme(programme_dir, database_url)
    later = Programme(
        coerce_frame(MENTORS, [{"mentor_id": "m7"}]),
        coerce_frame(MENTEES, []),
        coerce_frame(
            PAIRINGS,
            [
                # both people are only in the database
                {
                    "pairing_id": "y1",
                    "mentor_id": "m2",
                    "mentee_id": "e1",
                    "created_at": "2024-02-01T00:00:00Z",
                },
                # one from this directory, one from the database
                {
                    "pairing_id": "y2",
                    "mentor_id": "m7",
                    "mentee_id": "p1",
                    "created_at": "2024-02-02T00:00:00Z",
                },
                # nowhere
                {
                    "pairing_id": "y3",
                    "mentor_id": "ghost",
                    "mentee_id": "e1",
                    "created_at": "2024-02-03T00:00:00Z",
                    "rating": 4.0,
                },
            ],
        ),
    )
    directory = _write(tmp_path / "later", later)
    assert not read_programme(directory).report.ok  # on its own the directory is incomplete

    counts = import_programme(directory, database_url)
    assert counts.tables["pairings"].inserted == 2
    assert counts.tables["pairings"].quarantined == 1
    assert counts.report.loaded["pairings"] == 2
    assert counts.report.rejected["pairings"] == 1
    errors = counts.report.errors
    assert [(e.file, e.row, e.column) for e in errors] == [("pairings.csv", 4, "mentor_id")]
    assert "or the database" in errors[0].message
    (entry,) = list_quarantine(database_url)
    assert entry.raw["pairing_id"] == "y3"
    assert "ghost" in entry.reasons
    stored = read_programme_from_db(database_url).pairings
    assert list(stored["pairing_id"]) == ["x1", "x2", "x3", "y1", "y2"]


def test_file_level_errors_fail_the_import_but_valid_tables_load(
    database_url: str, programme_dir: Path
) -> None:
    (programme_dir / "mentors.csv").unlink()
    counts = import_programme(programme_dir, database_url)
    assert not counts.ok
    assert any("no mentors file" in e for e in counts.file_errors)
    assert counts.tables["mentees"].inserted == 3
    # Without mentors, no pairing can be checked: all are kept in quarantine.
    assert counts.tables["pairings"].quarantined == 3
    assert "could not be imported" in counts.format_text()


def test_a_missing_directory_leaves_the_database_untouched(tmp_path: Path) -> None:
    db = tmp_path / "db" / "recommender.db"
    counts = import_programme(tmp_path / "nowhere", f"sqlite:///{db.as_posix()}")
    assert not counts.ok
    assert counts.inserted == 0
    assert "does not exist" in counts.file_errors[0]
    assert not db.exists()


def test_a_failed_import_leaves_the_database_as_it_was(
    database_url: str, programme_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_programme(programme_dir, database_url)
    before = _snapshot(database_url)

    programme = _programme()
    programme.mentors["capacity"] = programme.mentors["capacity"] + 1  # every mentor changes
    extra = coerce_frame(MENTEES, [{"mentee_id": "e3"}])
    programme.mentees = pd.concat([programme.mentees, extra], ignore_index=True)
    changed = _write(tmp_path / "changed", programme)
    _append_rows(changed / "mentors.csv", {"mentor_id": "bad", "capacity": "-1"})

    real_write = store_io._write

    def failing_write(connection: Any, plan: Any, advance: Any) -> None:
        real_write(connection, plan, advance)
        if plan.name == "mentees":  # mentors and mentees written, pairings not yet
            raise RuntimeError("simulated crash")

    monkeypatch.setattr(store_io, "_write", failing_write)
    with pytest.raises(RuntimeError, match="simulated crash"):
        import_programme(changed, database_url)
    assert _snapshot(database_url) == before

    monkeypatch.setattr(store_io, "_write", real_write)
    counts = import_programme(changed, database_url)
    assert counts.tables["mentors"].updated == 3
    assert counts.tables["mentees"].inserted == 1


def test_upsert_table_records_pairings_and_enforces_references(
    database_url: str, programme_dir: Path
) -> None:
    import_programme(programme_dir, database_url)
    engine = make_engine(database_url)
    try:
        recorded = pd.DataFrame(
            [
                {
                    "pairing_id": "x2",
                    "mentor_id": "p1",
                    "mentee_id": "e2",
                    "created_at": "2023-07-01T08:00:00Z",
                    "status": "completed",
                    "rating": 5,
                },
                {
                    "pairing_id": "n1",
                    "mentor_id": "m2",
                    "mentee_id": "e1",
                    "created_at": "2024-03-01T10:00:00Z",
                    "status": "proposed",
                },
            ]
        )
        counts = upsert_table(engine, "pairings", recorded)
        assert (counts.inserted, counts.updated, counts.unchanged) == (1, 1, 0)
        assert upsert_table(engine, "pairings", recorded).unchanged == 2
        stored = read_programme_from_db(engine).pairings.set_index("pairing_id")
        assert stored.loc["x2", "status"] == "completed"
        assert stored.loc["x2", "rating"] == 5.0
        assert stored.loc["n1", "created_at"] == pd.Timestamp("2024-03-01T10:00:00Z")

        before = _snapshot(database_url)
        orphan = pd.DataFrame(
            [
                {
                    "pairing_id": "n1",
                    "mentor_id": "m2",
                    "mentee_id": "e1",
                    "created_at": "2024-03-01T10:00:00Z",
                    "status": "accepted",
                },
                {
                    "pairing_id": "n2",
                    "mentor_id": "ghost",
                    "mentee_id": "e1",
                    "created_at": "2024-03-02T10:00:00Z",
                },
            ]
        )
        with pytest.raises(IntegrityError):
            upsert_table(engine, "pairings", orphan)
        assert _snapshot(database_url) == before
    finally:
        engine.dispose()


def test_sub_microsecond_times_are_rounded_down_consistently(
    database_url: str, tmp_path: Path
) -> None:
    programme = _programme()
    programme.mentees.loc[0, "created_at"] = pd.Timestamp("2023-05-05T12:00:00.123456789Z")
    directory = _write(tmp_path / "ns", programme)
    import_programme(directory, database_url)
    stored = read_programme_from_db(database_url).mentees
    assert stored.loc[0, "created_at"] == pd.Timestamp("2023-05-05T12:00:00.123456Z")
    assert import_programme(directory, database_url).unchanged == sum(_sizes(programme).values())


# --- Reading back and round trips ----------------------------------------------------------


def test_read_back_has_canonical_dtypes_and_utc_times(
    database_url: str, programme_dir: Path
) -> None:
    import_programme(programme_dir, database_url)
    stored = read_programme_from_db(database_url)
    expected = _programme()
    _assert_same_programme(stored, expected)
    for name, spec in TABLES.items():
        assert list(stored.table(name).columns) == spec.column_names
    assert str(stored.pairings["created_at"].dtype) == "datetime64[ns, UTC]"
    assert stored.mentors.loc[0, "created_at"] == datetime(2021, 3, 1, 9, 30, 0, 123456, UTC)

    # The ORM models read the same rows (what the service uses for single-row work).
    engine = make_engine(database_url)
    try:
        with session_factory(engine)() as session:
            mentor = session.scalars(select(Mentor).where(Mentor.mentor_id == "m1")).one()
            assert mentor.skills == ["SQL", "stakeholder management", "Python"]
            assert mentor.available is False
            assert mentor.capacity == 3
            assert mentor.created_at == datetime(2021, 3, 1, 9, 30, 0, 123456, UTC)
            assert mentor.updated_at.tzinfo is not None
            pairing = session.scalars(select(Pairing).where(Pairing.pairing_id == "x2")).one()
            assert pairing.rating is None
            assert pairing.ended_at is None
    finally:
        engine.dispose()


def test_csv_round_trip_is_byte_identical(
    database_url: str, programme_dir: Path, tmp_path: Path
) -> None:
    import_programme(programme_dir, database_url)
    out = tmp_path / "exported"
    assert export_programme(database_url, out) == _sizes(_programme())
    for name in TABLES:
        assert (out / f"{name}.csv").read_bytes() == (programme_dir / f"{name}.csv").read_bytes()
    _assert_same_programme(read_programme(out).programme, read_programme(programme_dir).programme)


def test_parquet_round_trip_is_lossless(database_url: str, tmp_path: Path) -> None:
    source = _write(tmp_path / "in", _programme(), fmt="parquet")
    counts = import_programme(source, database_url)
    assert counts.ok
    out = tmp_path / "out"
    export_programme(database_url, out, fmt="parquet")
    loaded_in, loaded_out = read_programme(source), read_programme(out)
    assert loaded_out.report.ok
    _assert_same_programme(loaded_out.programme, loaded_in.programme)
    _assert_same_programme(loaded_out.programme, _programme())
    for name in TABLES:
        raw_in = pd.read_parquet(source / f"{name}.parquet")
        raw_out = pd.read_parquet(out / f"{name}.parquet")
        pd.testing.assert_frame_equal(
            raw_out.map(_hashable), raw_in.map(_hashable), check_exact=True
        )


def _hashable(value: Any) -> Any:
    return tuple(value) if hasattr(value, "__len__") and not isinstance(value, str) else value


def test_export_rejects_an_unknown_format(database_url: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="csv or parquet"):
        export_programme(database_url, tmp_path, fmt="xlsx")


def test_quarantine_key_is_unique(database_url: str) -> None:
    upgrade(database_url)
    table = QuarantinedRow.__table__
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(table)).scalar_one() == 0
        names = {c["name"] for c in inspect(engine).get_unique_constraints("quarantine")}
        assert "uq_quarantine_source" in names
    finally:
        engine.dispose()


# --- Command line ----------------------------------------------------------------------------


def test_cli_import_export_and_quarantine(database_url: str, tmp_path: Path) -> None:
    good = _write(tmp_path / "good", _programme())
    result = runner.invoke(app, ["data", "import", str(good), "--database-url", database_url])
    assert result.exit_code == 0, result.output
    assert "inserted" in result.output
    assert "nothing rejected" in result.output

    result = runner.invoke(
        app, ["data", "import", str(good), "--database-url", database_url, "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"]["unchanged"] == sum(_sizes(_programme()).values())

    for fmt in ("csv", "parquet"):
        out = tmp_path / f"out-{fmt}"
        result = runner.invoke(
            app, ["data", "export", str(out), "--database-url", database_url, "--format", fmt]
        )
        assert result.exit_code == 0, result.output
        assert "pairings: 3 rows" in result.output
        _assert_same_programme(read_programme(out).programme, _programme())

    broken = _broken_dir(tmp_path)
    result = runner.invoke(app, ["data", "import", str(broken), "--database-url", database_url])
    assert result.exit_code == 1, result.output
    assert "mentors.csv row 5, column 'capacity'" in result.output

    result = runner.invoke(app, ["data", "quarantine", "--database-url", database_url])
    assert result.exit_code == 0, result.output
    assert "capacity" in result.output
    assert "pairings.csv" in result.output
    result = runner.invoke(
        app, ["data", "quarantine", "--database-url", database_url, "--json", "--table", "mentors"]
    )
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.stdout)
    assert entry["source_row"] == 5
    assert entry["raw"]["capacity"] == "-2"


def test_cli_database_problems_exit_3_without_a_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    url = f"sqlite:///{missing.as_posix()}"
    result = runner.invoke(app, ["data", "export", str(tmp_path / "out"), "--database-url", url])
    assert result.exit_code == 3
    assert "no database at" in result.output
    assert "Traceback" not in result.output
    assert not missing.exists()  # reading does not leave an empty database behind

    result = runner.invoke(app, ["data", "quarantine", "--database-url", "nonsense://x"])
    assert result.exit_code == 3
    assert "Traceback" not in result.output
