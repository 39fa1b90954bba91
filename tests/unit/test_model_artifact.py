"""The MLflow model artifact and the one loader: round trips, exports, refusals.

No tracking store is involved: models are written with ``mlflow.pyfunc.save_model`` (what
``recommender export`` writes) and read back through MLflow's pyfunc loader and
``recommender.loading.load_ranker``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recommender.evaluation.requests import build_requests
from recommender.features.embeddings import HashingEncoder
from recommender.features.pairs import FEATURE_VERSION
from recommender.loading import encoder_for, export_model, is_model_uri, load_ranker
from recommender.models import IncompatibleModelError, MentorRanker, ModelLoadError
from recommender.ranking.retrieval import retrieve
from recommender.registry import example_features, model_signature, save_ranker_model
from recommender.train.ranker import RankerConfig, train_ranker

CHEAP = RankerConfig(n_estimators=40, early_stopping_rounds=10, num_threads=1)


@pytest.fixture(scope="module")
def trained(synthetic_programme):
    """A small ranker and real pair features to score (from the programme's own requests)."""
    encoder = HashingEncoder(64)
    ranker, _ = train_ranker(synthetic_programme, encoder, CHEAP)
    context = ranker.featurizer.prepare(synthetic_programme, encoder)
    queries = build_requests(synthetic_programme.pairings, CHEAP.label_policy).queries.tail(20)
    candidates = retrieve(context, queries.reset_index(drop=True), ranker.retrieval)
    features = ranker.featurizer.transform(candidates, context)
    assert len(features) > 100
    return ranker, features


@pytest.fixture(scope="module")
def mlflow_model(trained, tmp_path_factory) -> Path:
    ranker, _ = trained
    return save_ranker_model(ranker, tmp_path_factory.mktemp("mlflow-model") / "model")


def test_pyfunc_round_trip_gives_identical_scores(trained, mlflow_model) -> None:
    import mlflow.pyfunc

    ranker, features = trained
    expected = ranker.score(features)
    pyfunc = mlflow.pyfunc.load_model(str(mlflow_model))
    predicted = pyfunc.predict(features)
    assert list(predicted.columns) == ["score"]
    np.testing.assert_array_equal(predicted["score"].to_numpy(), expected)
    np.testing.assert_array_equal(load_ranker(mlflow_model).score(features), expected)


def test_model_carries_signature_example_and_identity(trained, mlflow_model) -> None:
    from mlflow.models import Model

    ranker, _ = trained
    meta = Model.load(str(mlflow_model))
    assert meta.metadata is not None
    assert meta.signature is not None
    assert meta.signature.inputs.input_names() == ranker.featurizer.feature_names_
    assert meta.signature.outputs.input_names() == ["score"]
    assert meta.metadata["feature_version"] == FEATURE_VERSION
    assert meta.metadata["embedding_model"]["model_id"] == "hashing-ngram12-d64"
    example = json.loads((mlflow_model / "input_example.json").read_text())
    assert example["columns"] == ranker.featurizer.feature_names_
    requirements = (mlflow_model / "requirements.txt").read_text()
    assert "lightgbm==" in requirements
    assert "mlflow==" in requirements
    # Logged from code: nothing to unpickle.
    assert not list(mlflow_model.glob("*.pkl"))
    bundle = json.loads((mlflow_model / "artifacts" / "ranker" / "ranker.json").read_text())
    assert bundle["metadata"]["embedding_model"]["dimension"] == 64


def test_example_features_span_the_training_range(trained) -> None:
    ranker, features = trained
    example = example_features(ranker)
    assert list(example.columns) == ranker.featurizer.feature_names_
    lo, hi = example.iloc[0], example.iloc[2]
    assert (lo <= hi).all()
    informative = features.columns[features.nunique() > 1]
    assert (hi[informative] > lo[informative]).sum() >= len(informative) // 2
    assert len(model_signature(ranker).inputs.input_names()) == len(example.columns)


def test_pyfunc_names_missing_feature_columns(trained, mlflow_model) -> None:
    import mlflow.pyfunc
    from mlflow.exceptions import MlflowException

    _, features = trained
    pyfunc = mlflow.pyfunc.load_model(str(mlflow_model))
    with pytest.raises(MlflowException, match="hist_pairings"):
        pyfunc.predict(features.drop(columns=["hist_pairings"]))


def test_loader_accepts_model_folders_mlflow_folders_and_file_uris(
    trained, mlflow_model, tmp_path
) -> None:
    ranker, features = trained
    folder = ranker.save(tmp_path / "bundle")
    expected = ranker.score(features)
    for source in (folder, str(folder), mlflow_model, mlflow_model.as_uri()):
        loaded = load_ranker(source)
        np.testing.assert_array_equal(loaded.score(features), expected)
        assert loaded.source["path"] == str(
            Path(source if not str(source).startswith("file:") else mlflow_model).resolve()
        )


def test_is_model_uri() -> None:
    for uri in (
        "models:/mentor-ranker@champion",
        "models:/mentor-ranker/3",
        "runs:/abc/model",
        "s3://bucket/model",
        "mlflow-artifacts:/1/2/artifacts",
    ):
        assert is_model_uri(uri), uri
    for path in (
        "models/champion",
        "/tmp/model",
        "C:/models/x",
        "file:///tmp/model",
        Path("models:/x"),
    ):
        assert not is_model_uri(path), path


def test_export_from_a_model_folder_writes_a_loadable_mlflow_model(trained, tmp_path) -> None:
    ranker, features = trained
    folder = ranker.save(tmp_path / "bundle")
    result = export_model(folder, tmp_path / "models" / "exported")
    out = result.out
    assert (out / "MLmodel").is_file()
    assert (out / "artifacts" / "ranker" / "booster.txt").is_file()
    record = json.loads((out / "export.json").read_text())
    assert record["source"]["path"] == str(folder.resolve())
    assert record["feature_version"] == FEATURE_VERSION
    loaded = load_ranker(out)
    assert loaded.source["export"]["exported_at"] == record["exported_at"]
    np.testing.assert_array_equal(loaded.score(features), ranker.score(features))
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")], "staging left over"


def test_export_replaces_a_previous_export(trained, mlflow_model, tmp_path) -> None:
    out = tmp_path / "champion"
    export_model(mlflow_model, out)
    first = json.loads((out / "export.json").read_text())["exported_at"]
    (out / "stale-file").write_text("from the previous export")
    export_model(mlflow_model, out)
    assert not (out / "stale-file").exists()
    assert json.loads((out / "export.json").read_text())["exported_at"] >= first


def test_export_refuses_to_overwrite_something_else(mlflow_model, tmp_path) -> None:
    out = tmp_path / "notes"
    out.mkdir()
    (out / "todo.txt").write_text("keep me")
    with pytest.raises(ModelLoadError, match="not a model folder; refusing"):
        export_model(mlflow_model, out)
    assert (out / "todo.txt").read_text() == "keep me"


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_corrupt_exported_model_is_refused_with_the_reason(mlflow_model, tmp_path) -> None:
    broken = _copy(mlflow_model, tmp_path / "broken")
    booster = broken / "artifacts" / "ranker" / "booster.txt"
    booster.write_text(booster.read_text()[:200])
    with pytest.raises(ModelLoadError, match=r"corrupt booster\.txt"):
        load_ranker(broken)
    target = tmp_path / "models" / "champion"
    export_model(mlflow_model, target)
    before = sorted(p.name for p in target.iterdir())
    with pytest.raises(ModelLoadError, match=r"corrupt booster\.txt"):
        export_model(broken, target)
    assert sorted(p.name for p in target.iterdir()) == before, "a refused export changed --out"
    load_ranker(target)

    (broken / "MLmodel").write_text("flavors: [unclosed")
    with pytest.raises(ModelLoadError, match="corrupt MLflow model metadata"):
        load_ranker(broken)


def test_incompatible_model_is_refused_naming_both_versions(mlflow_model, tmp_path) -> None:
    old = _copy(mlflow_model, tmp_path / "old")
    state_file = old / "artifacts" / "ranker" / "featurizer.json"
    state = json.loads(state_file.read_text())
    state["feature_version"] = "0"
    state_file.write_text(json.dumps(state))
    with pytest.raises(IncompatibleModelError) as info:
        load_ranker(old)
    assert "'0'" in str(info.value)
    assert repr(FEATURE_VERSION) in str(info.value)
    with pytest.raises(IncompatibleModelError):
        export_model(old, tmp_path / "out")
    assert not (tmp_path / "out").exists()

    meta_file = old / "artifacts" / "ranker" / "ranker.json"
    meta = json.loads(meta_file.read_text())
    meta["format"] = "mentor-ranker/0"
    meta_file.write_text(json.dumps(meta))
    with pytest.raises(IncompatibleModelError, match="mentor-ranker/0"):
        load_ranker(old)


def test_other_folders_are_refused_with_what_was_expected(mlflow_model, tmp_path) -> None:
    with pytest.raises(ModelLoadError, match=r"expected ranker\.json .* or MLmodel"):
        load_ranker(tmp_path)
    with pytest.raises(ModelLoadError, match="no such directory"):
        load_ranker(tmp_path / "missing")
    foreign = _copy(mlflow_model, tmp_path / "foreign")
    text = (foreign / "MLmodel").read_text().replace("      ranker:\n", "      weights:\n")
    (foreign / "MLmodel").write_text(text)
    with pytest.raises(ModelLoadError, match="not a mentor-ranker model"):
        load_ranker(foreign)


def test_encoder_for_refuses_another_embedding_model(trained) -> None:
    ranker, _ = trained
    same = HashingEncoder(64)
    assert encoder_for(ranker, default=same) is same
    with pytest.raises(IncompatibleModelError, match="hashing-ngram12-d64"):
        encoder_for(ranker, default=HashingEncoder(32))


def test_scores_do_not_depend_on_the_copy(trained, tmp_path) -> None:
    ranker, features = trained
    again = MentorRanker.load(ranker.save(tmp_path / "a"))
    pd.testing.assert_series_equal(
        pd.Series(again.score(features)), pd.Series(ranker.score(features))
    )


def test_unreachable_server_message_names_the_uri_without_its_password() -> None:
    import socket

    from recommender.registry import RegistryError, check_reachable

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(RegistryError) as info:
        check_reachable(f"http://ops:hunter2@127.0.0.1:{port}", timeout_s=2)
    assert f"http://ops:***@127.0.0.1:{port}" in str(info.value)
    assert "hunter2" not in str(info.value)
    check_reachable("sqlite:///not/probed.db")  # only HTTP stores are probed


def test_the_sentiment_model_travels_with_the_bundle(trained, mlflow_model, tmp_path) -> None:
    ranker, _ = trained
    assert ranker.sentiment is not None
    texts = ["Great, really helpful!", "Awful.", ""]
    expected = ranker.sentiment.transform(texts, HashingEncoder(64))
    folder = ranker.save(tmp_path / "bundle")
    assert (folder / "sentiment.json").is_file()
    for source in (folder, mlflow_model):
        loaded = load_ranker(source)
        assert loaded.sentiment is not None
        assert loaded.sentiment.get_state() == ranker.sentiment.get_state()
        np.testing.assert_array_equal(
            loaded.sentiment.transform(texts, HashingEncoder(64)), expected
        )
    # Folders saved before sentiment.json existed still load (the lexicon scores then).
    (folder / "sentiment.json").unlink()
    assert load_ranker(folder).sentiment is None
    (folder / "sentiment.json").write_text('{"format": "feedback-sentiment/9"}')
    with pytest.raises(ModelLoadError, match=r"sentiment\.json: corrupt sentiment model"):
        load_ranker(folder)
