"""``recommender report``: the hand-worked programme from a directory and from the database
(with its suggestions log), checked against the library's figures; bad input ends in a
sentence, not a traceback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_kpis import AS_OF, hand_programme
from typer.testing import CliRunner

from recommender.cli import app
from recommender.config import get_settings
from recommender.data.frames import write_programme
from recommender.kpis import compute_kpis
from recommender.store.db import make_engine
from recommender.store.io import import_programme
from recommender.store.suggestions import (
    SuggestionRecord,
    read_suggestions,
    record_suggestions,
)

runner = CliRunner()


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("RECOMMENDER_DATA_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("RECOMMENDER_PROGRESS", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _without_sentiment(kpis: dict) -> dict:
    """The figures that do not depend on the sentiment model."""
    out = json.loads(json.dumps(kpis))
    out.pop("sentiment_model")
    for row in [out["totals"], *out["monthly"], *[r for v in out["segments"].values() for r in v]]:
        row.pop("mean_sentiment")
        row.pop("n_feedback")
    return out


def test_report_from_a_directory_matches_the_library(tmp_path: Path) -> None:
    programme, _, _ = hand_programme()
    data = tmp_path / "programme"
    write_programme(programme, data)
    out, js = tmp_path / "r" / "report.html", tmp_path / "kpis.json"
    result = runner.invoke(
        app,
        [
            "report",
            "--data",
            str(data),
            "--out",
            str(out),
            "--as-of",
            "2024-06-30",
            "--lexicon",
            "--json-out",
            str(js),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "4 mentees, 4 matches, 7 pairings" in result.output
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<svg" in html
    assert "No suggestions log" in html
    got = json.loads(js.read_text(encoding="utf-8"))
    expected = compute_kpis(programme, as_of=AS_OF.replace("59Z", "59.999999Z")).to_dict()
    assert _without_sentiment(got) == _without_sentiment(expected)
    assert got["totals"]["match_rate"] == 0.75
    assert got["suggestions"] is None
    assert got["sentiment_model"].startswith("VADER lexicon")
    # VADER reads P1 ("Really helpful, great mentor.") as positive and P3 as negative.
    months = {r["month"]: r for r in got["monthly"]}
    assert months["2024-05"]["mean_sentiment"] > 0.5 > 0 > months["2024-03"]["mean_sentiment"]


def test_report_from_the_database_includes_the_suggestions_log(
    tmp_path: Path, database_url: str
) -> None:
    programme, _, log = hand_programme()
    data = tmp_path / "programme"
    write_programme(programme, data)
    import_programme(data, database_url)
    engine = make_engine(database_url)
    try:
        records = [
            SuggestionRecord(
                suggested_at=row["suggested_at"].to_pydatetime(),
                source=row["source"],
                mentee_id=row["mentee_id"],
                mentor_id=row["mentor_id"],
                rank=int(row["rank"]),
                score=float(row["score"]),
                mentee_group=row["mentee_group"],
                mentor_group=row["mentor_group"],
                request_id="r1",
                model_version="3",
            )
            for row in log.to_dict("records")
        ]
        assert record_suggestions(engine, records) == 7
        assert record_suggestions(engine, []) == 0
        stored = read_suggestions(engine, as_of=log["suggested_at"].iloc[3].to_pydatetime())
        assert list(stored["mentor_id"]) == ["M1", "M2", "M1", "M2", "M4"]
    finally:
        engine.dispose()
    out, js = tmp_path / "report.html", tmp_path / "kpis.json"
    result = runner.invoke(
        app,
        [
            "report",
            "--from-db",
            "--database-url",
            database_url,
            "--out",
            str(out),
            "--as-of",
            "2024-06-30",
            "--lexicon",
            "--json-out",
            str(js),
        ],
    )
    assert result.exit_code == 0, result.output
    got = json.loads(js.read_text(encoding="utf-8"))
    s = got["suggestions"]
    assert (s["suggested_pairs"], s["impressions"]) == (5, 6)
    assert [(r["group"], r["suggested"], r["exposure_ratio"]) for r in s["by_mentor_group"]] == [
        ("a", 2, 1.2),
        ("b", 3, 0.9),
    ]
    assert "exposure ratio" in out.read_text(encoding="utf-8")


def test_suggestion_records_check_their_source() -> None:
    with pytest.raises(ValueError, match="source"):
        SuggestionRecord(suggested_at=AS_OF, source="guess", mentee_id="e", mentor_id="m", rank=1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give exactly one of --data DIR or --from-db"),
        (["--data", "x", "--from-db"], "give exactly one of --data DIR or --from-db"),
        (["--data", "DATA", "--as-of", "30/06/2024"], "expected an ISO 8601 date"),
    ],
)
def test_report_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    programme, _, _ = hand_programme()
    write_programme(programme, tmp_path / "p")
    args = [str(tmp_path / "p") if a == "DATA" else a for a in args]
    result = runner.invoke(app, ["report", "--out", str(tmp_path / "r.html"), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "r.html").exists()


def test_report_on_an_invalid_directory_exits_1_and_keeps_the_old_report(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "mentors.csv").write_text("mentor_id\nm1\n")
    out = tmp_path / "report.html"
    out.write_text("previous")
    result = runner.invoke(app, ["report", "--data", str(bad), "--out", str(out), "--lexicon"])
    assert result.exit_code == 1
    assert "mentees" in result.output
    assert out.read_text() == "previous"


def test_report_on_a_programme_with_no_pairings_or_feedback(tmp_path: Path) -> None:
    data = tmp_path / "p"
    data.mkdir()
    (data / "mentors.csv").write_text("mentor_id\nm1\n")
    (data / "mentees.csv").write_text("mentee_id,created_at\ne1,2024-01-01\n")
    out = tmp_path / "report.html"
    result = runner.invoke(
        app,
        [
            "report",
            "--data",
            str(data),
            "--out",
            str(out),
            "--lexicon",
            "--as-of",
            "2024-02-01",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "no data" in out.read_text(encoding="utf-8")


def _record(i: int) -> SuggestionRecord:
    from datetime import UTC, datetime, timedelta

    return SuggestionRecord(
        suggested_at=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=i),
        source="plan",
        mentee_id=f"e{i}",
        mentor_id="m",
        rank=1,
    )


def test_suggestion_log_writes_in_the_background_and_on_close(database_url: str) -> None:
    from recommender.store.db import upgrade
    from recommender.store.suggestions import SuggestionLog

    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        sink = SuggestionLog(engine, flush_s=0.05).start()
        sink.add([_record(i) for i in range(3)])
        import time

        deadline = time.monotonic() + 10
        while sink.written < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sink.written == 3
        assert sink.pending == 0
        sink.add([_record(3)])
        sink.close()
        assert list(read_suggestions(engine)["mentee_id"]) == ["e0", "e1", "e2", "e3"]
    finally:
        engine.dispose()


def test_suggestion_log_keeps_rows_while_the_database_is_down(tmp_path: Path) -> None:
    from recommender.store.db import upgrade
    from recommender.store.suggestions import SuggestionLog

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = make_engine(url)
    sink = SuggestionLog(engine, max_buffered=3)  # no thread: flushed by hand
    sink.add([_record(i) for i in range(2)])
    assert sink.flush() == 0
    assert sink.failures == 1
    assert sink.pending == 2
    sink.add([_record(i) for i in range(2, 4)])  # one over the bound: the oldest goes
    assert sink.pending == 3
    assert sink.dropped == 1
    upgrade(url)
    assert sink.flush() == 3
    assert sink.pending == 0
    assert list(read_suggestions(engine)["mentee_id"]) == ["e1", "e2", "e3"]
    engine.dispose()
