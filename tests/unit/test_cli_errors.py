"""Bad input at the command line ends in a sentence and exit code 1, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recommender.cli import app
from recommender.config import get_settings
from recommender.features.embeddings import HashingEncoder
from recommender.train.ranker import RankerConfig, train_ranker

from factory import synthetic_programme

runner = CliRunner()


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("RECOMMENDER_DATA_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("RECOMMENDER_PROGRESS", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _programme(path: Path, pairings: str | None) -> Path:
    path.mkdir()
    (path / "mentors.csv").write_text("mentor_id\nm1\nm2\n")
    (path / "mentees.csv").write_text("mentee_id\ne1\n")
    if pairings is not None:
        (path / "pairings.csv").write_text(pairings)
    return path


@pytest.mark.parametrize(
    ("pairings", "expected"),
    [
        ("mentor_id,mentee_id,created_at,status\nm1,e1,2024-01-01,declined\n", "nothing to score"),
        (None, "no pairings"),
    ],
    ids=["one-declined-pairing", "no-pairings-file"],
)
def test_train_with_evaluation_on_a_tiny_programme_fails_with_a_sentence(
    tmp_path: Path, pairings: str | None, expected: str
) -> None:
    data = _programme(tmp_path / "data", pairings)
    out = tmp_path / "model"
    result = runner.invoke(
        app, ["train", "--data", str(data), "--model-out", str(out), "--no-track"]
    )
    assert result.exit_code == 1, result.output
    assert expected in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists()


def test_unknown_mentee_ids_that_look_like_markup_are_reported_verbatim(tmp_path: Path) -> None:
    programme = synthetic_programme()
    data = tmp_path / "data"
    from recommender.data.frames import write_programme

    write_programme(programme, data)
    ranker, _ = train_ranker(
        programme, HashingEncoder(16), RankerConfig(n_estimators=5, num_threads=1)
    )
    ranker.save(tmp_path / "model")
    ids = tmp_path / "ids.txt"
    ids.write_text("e1\n[/x]odd[b]\n")
    result = runner.invoke(
        app,
        [
            "recommend", "--model", str(tmp_path / "model"), "--data", str(data),
            "--mentee-ids", str(ids), "--k", "3", "--out", str(tmp_path / "recs.csv"),
        ],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "[/x]odd[b]" in result.output
    assert "--skip-unknown" in result.output
