"""The batch interface end to end with the real embedding model: train, recommend, evaluate."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from recommender.cli import app

pytestmark = pytest.mark.slow
runner = CliRunner()


@pytest.fixture(scope="module")
def trained_model(small_programme: Path, model_env: Path) -> tuple[Path, str]:
    out = model_env / "model"
    result = runner.invoke(
        app,
        [
            "train",
            "--data",
            str(small_programme),
            "--model-out",
            str(out),
            "--experiment",
            "cli-test",
        ],
    )
    assert result.exit_code == 0, result.output
    run_id = next(
        line.split(": ")[1] for line in result.output.splitlines() if line.startswith("run id")
    )
    return out, run_id


def test_train_writes_a_model_and_tracks_the_run(trained_model, model_env) -> None:
    import mlflow

    folder, run_id = trained_model
    assert {p.name for p in folder.iterdir()} >= {"booster.txt", "featurizer.json", "ranker.json"}
    from recommender.config import get_settings

    mlflow.set_tracking_uri(get_settings().mlflow_tracking_uri)
    run = mlflow.get_run(run_id)
    assert run.data.params["n_estimators"]
    assert run.data.tags["data_fingerprint"]
    assert "test.ndcg_at_10" in run.data.metrics
    assert any(k.startswith("baseline.popularity.") for k in run.data.metrics)
    arts = {a.path for a in mlflow.MlflowClient().list_artifacts(run_id, "report")}
    assert {"report/feature_importance.png", "report/metrics_at_k.png"} <= arts


def test_recommend_contract(trained_model, small_programme, tmp_path) -> None:
    folder, _ = trained_model
    mentees = pd.read_csv(small_programme / "mentees.csv")
    pairings = pd.read_csv(small_programme / "pairings.csv")
    mentors = pd.read_csv(small_programme / "mentors.csv")
    never_paired = sorted(set(mentees["mentee_id"]) - set(pairings["mentee_id"]))[:1]
    paired = pairings["mentee_id"].iloc[:2].tolist()
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(paired + never_paired) + "\n")
    out = tmp_path / "recs.csv"
    result = runner.invoke(
        app,
        [
            "recommend",
            "--model",
            str(folder),
            "--data",
            str(small_programme),
            "--mentee-ids",
            str(ids),
            "--k",
            "7",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    recs = pd.read_csv(out)
    assert list(recs.columns) == ["mentee_id", "mentor_id", "rank", "score"]
    assert recs.groupby("mentee_id").size().to_dict() == {m: 7 for m in set(paired + never_paired)}
    for _, group in recs.groupby("mentee_id"):
        assert group["rank"].tolist() == list(range(1, 8))
        assert group["score"].is_monotonic_decreasing
    unavailable = set(mentors.loc[mentors["available"] == False, "mentor_id"])  # noqa: E712
    assert not set(recs["mentor_id"]) & unavailable
    assert not (recs["mentee_id"] == recs["mentor_id"]).any()
    existing = set(zip(pairings["mentee_id"], pairings["mentor_id"], strict=True))
    assert not existing & set(zip(recs["mentee_id"], recs["mentor_id"], strict=True))


def test_recommend_reports_unknown_ids(trained_model, small_programme, tmp_path) -> None:
    folder, _ = trained_model
    known = pd.read_csv(small_programme / "mentees.csv")["mentee_id"].iloc[0]
    ids = tmp_path / "ids.txt"
    ids.write_text(f"{known}\nnobody-42\n")
    out = tmp_path / "recs.csv"
    args = [
        "recommend",
        "--model",
        str(folder),
        "--data",
        str(small_programme),
        "--mentee-ids",
        str(ids),
        "--k",
        "3",
        "--out",
        str(out),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "nobody-42" in result.output
    assert not out.exists()
    result = runner.invoke(app, [*args, "--skip-unknown"])
    assert result.exit_code == 0, result.output
    assert set(pd.read_csv(out)["mentee_id"]) == {known}


def test_recommend_refuses_an_incompatible_model(trained_model, small_programme, tmp_path):
    import shutil

    folder, _ = trained_model
    broken = tmp_path / "old-model"
    shutil.copytree(folder, broken)
    state = json.loads((broken / "featurizer.json").read_text())
    state["feature_version"] = "0"
    (broken / "featurizer.json").write_text(json.dumps(state))
    ids = tmp_path / "ids.txt"
    ids.write_text("x\n")
    result = runner.invoke(
        app,
        [
            "recommend",
            "--model",
            str(broken),
            "--data",
            str(small_programme),
            "--mentee-ids",
            str(ids),
            "--out",
            str(tmp_path / "r.csv"),
        ],
    )
    assert result.exit_code == 1
    assert "version '0'" in result.output
    assert "feature version '1'" in result.output


def test_evaluate_json(small_programme) -> None:
    result = runner.invoke(app, ["evaluate", "--data", str(small_programme), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["primary_metric"] == "ndcg@10"
    assert payload["greater_is_better"] is True
    assert {"model", "oracle", "random", "popularity", "embedding-cosine", "skill-overlap"} <= set(
        payload["metrics"]
    )
    assert payload["metrics"]["model"]["ndcg@10"] > payload["metrics"]["random"]["ndcg@10"]


def test_train_on_a_programme_without_outcomes_fails_with_a_sentence(tmp_path) -> None:
    (tmp_path / "mentors.csv").write_text("mentor_id\nm1\nm2\n")
    (tmp_path / "mentees.csv").write_text("mentee_id\ne1\n")
    (tmp_path / "pairings.csv").write_text(
        "mentor_id,mentee_id,created_at,status\nm1,e1,2024-01-01,declined\n"
    )
    result = runner.invoke(
        app,
        [
            "train",
            "--data",
            str(tmp_path),
            "--model-out",
            str(tmp_path / "m"),
            "--no-track",
            "--no-evaluate",
        ],
    )
    assert result.exit_code == 1
    assert "cannot train" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "m").exists()
