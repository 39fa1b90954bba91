"""The model lifecycle on a local MLflow store: registration, aliases, retrain decisions,
export, and the faults (unreachable server, invalid data, concurrent promotion, locks).

Each test gets its own SQLite MLflow store (a copy of one migrated once per session) and the
hashing encoder instead of the embedding model, so what is tested is the lifecycle logic; the
real CLI path with the embedding model and a real server is tests/integration/
test_retrain_server.py.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from recommender import registry as reg
from recommender.cli import app
from recommender.config import Settings, get_settings
from recommender.data.load import load_programme
from recommender.features.embeddings import HashingEncoder
from recommender.loading import load_ranker
from recommender.models import MentorRanker, ModelLoadError
from recommender.registry import CHALLENGER, CHAMPION, ModelRegistry, RegistryError
from recommender.train import retrain as retrain_module
from recommender.train.ranker import RankerConfig, train_ranker
from recommender.train.retrain import RetrainOptions, retrain
from recommender.train.tracking import configure_mlflow, tracked_run

from lifecycle_helpers import free_port, generate, latest_pairing, scramble_mentors

runner = CliRunner()
NAME = "mentor-ranker"
WINDOW = 120.0
CHEAP = RankerConfig(n_estimators=60, early_stopping_rounds=15, num_threads=1)


def hashing_encoder(*args: object, **kwargs: object) -> HashingEncoder:
    return HashingEncoder(64)


@pytest.fixture(scope="session")
def template_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated MLflow SQLite store (migrations take seconds: run them once)."""
    from mlflow.tracking import MlflowClient

    path = tmp_path_factory.mktemp("mlflow-template") / "mlflow.db"
    client = MlflowClient(tracking_uri=f"sqlite:///{path}")
    client.search_experiments()
    client.search_registered_models()
    return path


@pytest.fixture(scope="module")
def programme_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("programme") / "data")


@pytest.fixture(scope="module")
def weak_ranker(programme_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> MentorRanker:
    """A ranker trained on a scrambled history before the window: a champion to beat."""
    scrambled = tmp_path_factory.mktemp("scrambled") / "data"
    shutil.copytree(programme_dir, scrambled)
    scramble_mentors(scrambled)
    cutoff = latest_pairing(programme_dir) - pd.Timedelta(days=WINDOW)
    ranker, _ = train_ranker(
        load_programme(scrambled), HashingEncoder(64), CHEAP, train_before=cutoff
    )
    return ranker


@pytest.fixture
def base_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings with all state under tmp_path/state (not created), the hashing encoder
    everywhere."""
    monkeypatch.setenv("RECOMMENDER_DATA_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("RECOMMENDER_EMBEDDING_CACHE_DIR", str(tmp_path / "embeddings"))
    monkeypatch.setenv("RECOMMENDER_PROGRESS", "0")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.delenv("RECOMMENDER_MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("RECOMMENDER_DATABASE_URL", raising=False)
    # Importers first: a module imported while embeddings.get_encoder is already patched would
    # bind the fake, and undoing the patch would then "restore" the fake into it.
    for module in (
        "recommender.train.pipeline",
        "recommender.train.retrain",
        "recommender.features.embeddings",
    ):
        monkeypatch.setattr(f"{module}.get_encoder", hashing_encoder)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def env(base_env: Settings, template_store: Path) -> Settings:
    """``base_env`` with a fresh local MLflow store."""
    base_env.data_dir.mkdir(parents=True)
    shutil.copy(template_store, base_env.data_dir / "mlflow.db")
    return base_env


def publish_champion(settings: Settings, ranker: MentorRanker) -> str:
    """Log, register and promote ``ranker`` directly (a champion from an earlier job)."""
    with tracked_run(settings, run_name="seed-champion"):
        logged = reg.log_ranker_model(ranker)
    registry = ModelRegistry(NAME, settings.mlflow_tracking_uri)
    version = registry.register(logged)
    registry.set_alias(CHAMPION, version)
    return version


def aliases(settings: Settings) -> dict[str, str]:
    return ModelRegistry(NAME, settings.mlflow_tracking_uri).aliases()


def versions(settings: Settings) -> list[str]:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=settings.mlflow_tracking_uri)
    return sorted(str(v.version) for v in client.search_model_versions(f"name='{NAME}'"))


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


# --------------------------------------------------------------------------- faults


def test_unreachable_tracking_server_fails_fast_and_writes_nothing(
    base_env: Settings, programme_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("RECOMMENDER_MLFLOW_TRACKING_URI", url)
    get_settings.cache_clear()
    started = time.monotonic()
    result = invoke("retrain", "--data", str(programme_dir), "--window-days", str(WINDOW))
    assert result.exit_code == 3, result.output
    assert f"cannot reach the MLflow tracking server at {url}" in result.output
    assert "champion is unchanged" in result.output
    model_out = tmp_path / "models" / "new"
    result = invoke("train", "--data", str(programme_dir), "--model-out", str(model_out))
    assert result.exit_code == 3, result.output
    assert url in result.output
    assert not model_out.exists()
    assert not model_out.parent.exists()
    result = invoke("export", "--model", f"models:/{NAME}@champion", "--out", str(model_out))
    assert result.exit_code == 3
    assert url in result.output
    assert not model_out.exists()
    assert not base_env.data_dir.exists()
    assert time.monotonic() - started < 60, "an unreachable server must not cost retries"


@pytest.mark.slow
def test_invalid_data_prints_the_report_and_leaves_the_champion(
    env: Settings, programme_dir: Path, weak_ranker: MentorRanker, tmp_path: Path
) -> None:
    version = publish_champion(env, weak_ranker)
    bad = tmp_path / "bad"
    shutil.copytree(programme_dir, bad)
    pairings = pd.read_csv(bad / "pairings.csv", dtype=str, keep_default_na=False)
    pairings.loc[0, "created_at"] = "last tuesday"
    pairings.loc[1, "mentor_id"] = "nobody-7"
    pairings.to_csv(bad / "pairings.csv", index=False)
    result = invoke("retrain", "--data", str(bad))
    assert result.exit_code == 1, result.output
    assert "pairings.csv row 2" in result.output
    assert "created_at" in result.output
    assert "pairings.csv row 3" in result.output
    assert "nobody-7" in result.output
    assert aliases(env) == {CHAMPION: version}
    assert versions(env) == [version]


@pytest.mark.slow
def test_a_window_without_outcomes_is_refused(
    env: Settings, programme_dir: Path, weak_ranker: MentorRanker, tmp_path: Path
) -> None:
    version = publish_champion(env, weak_ranker)
    quiet = tmp_path / "quiet"
    shutil.copytree(programme_dir, quiet)
    pairings = pd.read_csv(quiet / "pairings.csv", dtype=str, keep_default_na=False)
    recent = pd.to_datetime(pairings["created_at"], utc=True) >= (
        latest_pairing(quiet) - pd.Timedelta(days=30)
    )
    pairings.loc[recent, ["status", "rating", "ended_at"]] = ["proposed", "", ""]
    pairings.to_csv(quiet / "pairings.csv", index=False)
    result = invoke("retrain", "--data", str(quiet), "--window-days", "30")
    assert result.exit_code == 1, result.output
    assert "widen --window-days" in result.output
    assert aliases(env) == {CHAMPION: version}


@pytest.mark.slow
def test_loading_by_uri_reports_what_is_missing(
    env: Settings, weak_ranker: MentorRanker, tmp_path: Path
) -> None:
    configure_mlflow(env)
    with pytest.raises(ModelLoadError, match="no version with alias 'champion'"):
        load_ranker(f"models:/{NAME}@champion")
    version = publish_champion(env, weak_ranker)
    with pytest.raises(ModelLoadError, match="no version with alias 'challenger'"):
        load_ranker(f"models:/{NAME}@challenger")
    with pytest.raises(ModelLoadError, match="no such model"):
        load_ranker(f"models:/{NAME}/{int(version) + 5}")
    import mlflow

    # The loader must use the configured store, not whatever MLflow's global URI points at.
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'elsewhere.db'}")
    champion = load_ranker(f"models:/{NAME}@champion")
    assert not (tmp_path / "elsewhere.db").exists()
    assert champion.source["version"] == version
    assert champion.source["alias"] == CHAMPION
    assert champion.booster.model_to_string() == weak_ranker.booster.model_to_string()
    result = invoke(
        "recommend",
        "--model",
        f"models:/{NAME}@challenger",
        "--data",
        "x",
        "--mentee-ids",
        "y",
        "--out",
        str(tmp_path / "r.csv"),
    )
    assert result.exit_code == 1
    assert "no version with alias 'challenger'" in result.output


@pytest.mark.slow
def test_file_lock_blocks_a_second_promotion(env: Settings, weak_ranker: MentorRanker) -> None:
    from filelock import FileLock

    version = publish_champion(env, weak_ranker)
    registry = ModelRegistry(NAME, env.mlflow_tracking_uri)
    lock_path = registry.lock_file()
    assert lock_path is not None
    assert lock_path.parent == Path(env.data_dir)
    with (
        FileLock(str(lock_path)),
        pytest.raises(RegistryError, match="another retrain holds the promotion lock"),
    ):
        registry.publish(version, promote=True, expected_champion=None, timeout_s=0.3)
    assert aliases(env) == {CHAMPION: version}
    outcome = registry.publish(version, promote=True, expected_champion=version, timeout_s=5)
    assert outcome.promoted
    assert aliases(env) == {CHAMPION: version, CHALLENGER: version}


@pytest.mark.slow
def test_lease_lock_waits_for_a_live_holder_and_takes_over_an_expired_one(
    env: Settings, weak_ranker: MentorRanker
) -> None:
    version = publish_champion(env, weak_ranker)
    registry = ModelRegistry(NAME, env.mlflow_tracking_uri, lock="lease", poll_s=0.05)
    client = registry.client
    live = {"owner": "other-host:42:abcd", "expires": str(time.time() + 600)}
    client.create_registered_model(registry.lease_name, tags=live)
    with pytest.raises(RegistryError, match="locked by other-host:42:abcd"):
        registry.publish(version, promote=False, expected_champion=version, timeout_s=0.5)
    assert CHALLENGER not in aliases(env)
    client.delete_registered_model(registry.lease_name)
    expired = {"owner": "crashed-job:1:ffff", "expires": str(time.time() - 1)}
    client.create_registered_model(registry.lease_name, tags=expired)
    outcome = registry.publish(version, promote=False, expected_champion=version, timeout_s=5)
    assert not outcome.promoted
    assert aliases(env)[CHALLENGER] == version
    names = {m.name for m in client.search_registered_models()}
    assert registry.lease_name not in names, "lease released"


@pytest.mark.slow
def test_two_promotions_at_once_never_both_promote(
    env: Settings, weak_ranker: MentorRanker
) -> None:
    """Two jobs that evaluated against the same champion race to promote: the lease lets one
    through, and the other then finds the champion changed (compare-and-set)."""
    import threading

    champion = publish_champion(env, weak_ranker)
    challengers = []
    for _ in range(2):
        with tracked_run(env, run_name="challenger"):
            challengers.append(
                ModelRegistry(NAME, env.mlflow_tracking_uri).register(
                    reg.log_ranker_model(weak_ranker)
                )
            )
    barrier = threading.Barrier(2)
    outcomes: list[reg.PublishOutcome] = []

    def promote(version: str) -> None:
        registry = ModelRegistry(NAME, env.mlflow_tracking_uri, lock="lease", poll_s=0.05)
        barrier.wait()
        outcomes.append(registry.publish(version, promote=True, expected_champion=champion))

    threads = [threading.Thread(target=promote, args=(v,)) for v in challengers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o.promoted for o in outcomes) == [False, True]
    winner = next(o for o in outcomes if o.promoted)
    loser = next(o for o in outcomes if not o.promoted)
    assert loser.conflict
    assert loser.champion == winner.version
    assert aliases(env)[CHAMPION] == winner.version


# --------------------------------------------------------------------------- whole runs


@pytest.mark.slow
def test_train_logs_the_pyfunc_model_and_registers_it_without_an_alias(
    env: Settings, programme_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "model"
    result = invoke(
        "train", "--data", str(programme_dir), "--model-out", str(out), "--no-evaluate", "--json"
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["model_version"] == "1"
    assert aliases(env) == {}
    local = load_ranker(out)
    for uri in (f"models:/{NAME}/1", payload["model_uri"]):
        loaded = load_ranker(uri)
        assert loaded.booster.model_to_string() == local.booster.model_to_string()
        assert loaded.featurizer.get_state() == local.featurizer.get_state()
    assert loaded.source["run_id"] == payload["run_id"]


@pytest.mark.slow
def test_retrain_promotes_first_then_keeps_an_equal_challenger_and_exports(
    env: Settings, programme_dir: Path, tmp_path: Path
) -> None:
    args = ["retrain", "--data", str(programme_dir), "--window-days", str(WINDOW)]
    first = invoke(*args)
    assert first.exit_code == 0, first.output
    assert "PROMOTED" in first.output
    assert "no champion yet" in first.output
    assert aliases(env) == {CHAMPION: "1", CHALLENGER: "1"}

    second = invoke(*args, "--json")
    assert second.exit_code == 0, second.output
    decision = json.loads(second.stdout)
    # Same data and seed: an identical challenger, which does not beat the champion.
    assert decision["decision"] == "kept"
    assert decision["delta"] == 0.0
    assert decision["champion_metrics"] == decision["challenger_metrics"]
    assert aliases(env) == {CHAMPION: "1", CHALLENGER: "2"}

    import mlflow

    run = mlflow.MlflowClient(tracking_uri=env.mlflow_tracking_uri).get_run(decision["run_id"])
    assert run.data.tags["decision"] == "kept"
    assert run.data.tags["champion_before"] == "1"
    assert run.data.metrics["champion.ndcg_at_10"] == run.data.metrics["test.ndcg_at_10"]
    assert run.data.metrics["decision.promoted"] == 0.0

    out = tmp_path / "models" / "champion"
    exported = invoke("export", "--model", f"models:/{NAME}@champion", "--out", str(out))
    assert exported.exit_code == 0, exported.output
    assert f"{NAME} version 1" in exported.output
    record = json.loads((out / "export.json").read_text())
    assert record["source"]["version"] == "1"
    assert record["source"]["alias"] == CHAMPION

    mentees = pd.read_csv(programme_dir / "mentees.csv")["mentee_id"].head(5)
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(mentees) + "\n")
    recs = {}
    for name, model in (("uri", f"models:/{NAME}@champion"), ("folder", str(out))):
        target = tmp_path / f"{name}.csv"
        result = invoke(
            "recommend",
            "--model",
            model,
            "--data",
            str(programme_dir),
            "--mentee-ids",
            str(ids),
            "--k",
            "5",
            "--out",
            str(target),
        )
        assert result.exit_code == 0, result.output
        recs[name] = pd.read_csv(target)
    pd.testing.assert_frame_equal(recs["uri"], recs["folder"])
    assert len(recs["uri"]) == 25


@pytest.mark.slow
def test_retrain_promotes_a_challenger_that_beats_the_champion(
    env: Settings, programme_dir: Path, weak_ranker: MentorRanker
) -> None:
    before = publish_champion(env, weak_ranker)
    result = retrain(
        load_programme(programme_dir),
        options=RetrainOptions(window_days=WINDOW),
        config=CHEAP,
        data_source="test",
    )
    assert result.decision == "promoted", result.reason
    assert result.delta is not None
    assert result.delta > 0
    assert result.champion_before == before
    assert result.champion_after == result.challenger_version
    assert aliases(env) == {
        CHAMPION: result.challenger_version,
        CHALLENGER: result.challenger_version,
    }
    # Trained before the window, as evaluated (not refit on the window).
    champion = load_ranker(f"models:/{NAME}@champion")
    assert pd.Timestamp(champion.metadata["train_before"]) == result.cutoff


@pytest.mark.slow
def test_a_champion_that_changes_during_the_run_is_not_overwritten(
    env: Settings, programme_dir: Path, weak_ranker: MentorRanker, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = publish_champion(env, weak_ranker)
    registry = ModelRegistry(NAME, env.mlflow_tracking_uri)
    source = registry.client.get_model_version(NAME, before)
    interloper: list[str] = []
    evaluate = retrain_module._evaluate

    def evaluate_while_another_job_promotes(*args, **kwargs):
        if not interloper:  # another retrain finishes first and promotes a new version
            logged = reg.LoggedRanker(
                str(source.source), str(source.model_id), str(source.run_id), ""
            )
            interloper.append(registry.register(logged))
            registry.set_alias(CHAMPION, interloper[0])
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(retrain_module, "_evaluate", evaluate_while_another_job_promotes)
    result = retrain(
        load_programme(programme_dir), options=RetrainOptions(window_days=WINDOW), config=CHEAP
    )
    assert result.decision == "kept"
    assert "champion changed during the run" in result.reason
    assert result.champion_before == before
    assert result.champion_after == interloper[0]
    assert aliases(env) == {CHAMPION: interloper[0], CHALLENGER: result.challenger_version}


@pytest.mark.slow
def test_a_champion_of_an_older_feature_version_is_replaced_with_a_warning(
    env: Settings, programme_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    programme = load_programme(programme_dir)
    with monkeypatch.context() as patched:
        patched.setattr("recommender.features.pairs.FEATURE_VERSION", "0")
        old, _ = train_ranker(programme, HashingEncoder(64), CHEAP)
        publish_champion(env, old)
    result = retrain(programme, options=RetrainOptions(window_days=WINDOW), config=CHEAP)
    assert result.decision == "promoted"
    assert any("unusable" in w and "'0'" in w for w in result.warnings), result.warnings
    assert result.champion_metrics is None


@pytest.mark.slow
def test_dry_run_registers_nothing(
    env: Settings, programme_dir: Path, weak_ranker: MentorRanker
) -> None:
    before = publish_champion(env, weak_ranker)
    result = invoke(
        "retrain", "--data", str(programme_dir), "--window-days", str(WINDOW), "--no-register"
    )
    assert result.exit_code == 0, result.output
    assert "DRY RUN" in result.output
    assert "would promote" in result.output
    assert aliases(env) == {CHAMPION: before}
    assert versions(env) == [before]


@pytest.mark.slow
def test_retrain_from_the_programme_database(
    env: Settings, programme_dir: Path, tmp_path: Path
) -> None:
    from recommender.store.io import import_programme

    url = f"sqlite:///{tmp_path / 'programme.db'}"
    assert import_programme(programme_dir, url).ok
    result = invoke(
        "retrain", "--from-db", "--database-url", url, "--window-days", str(WINDOW), "--json"
    )
    assert result.exit_code == 0, result.output
    decision = json.loads(result.stdout)
    assert decision["decision"] == "promoted"
    assert decision["data_source"].endswith("programme.db")
    assert aliases(env) == {CHAMPION: "1", CHALLENGER: "1"}
    # The same programme read from files gives the same data fingerprint.
    from recommender.train.ranker import fingerprint

    assert decision["data_fingerprint"] == fingerprint(load_programme(programme_dir))


def test_retrain_needs_exactly_one_source(base_env: Settings, programme_dir: Path) -> None:
    assert invoke("retrain").exit_code == 2
    assert invoke("retrain", "--data", str(programme_dir), "--from-db").exit_code == 2


@pytest.mark.slow
def test_run_failures_leave_aliases_alone(
    env: Settings, programme_dir: Path, weak_ranker: MentorRanker, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = publish_champion(env, weak_ranker)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(retrain_module, "train_ranker", interrupted)
    result = invoke("retrain", "--data", str(programme_dir), "--window-days", str(WINDOW))
    assert result.exit_code == 130
    assert "champion is unchanged" in result.output
    assert aliases(env) == {CHAMPION: version}
    assert versions(env) == [version]
    import mlflow

    runs = mlflow.search_runs(
        experiment_names=[env.experiment_name], filter_string="tags.job = 'retrain'"
    )
    assert list(runs["status"]) == ["FAILED"]


@pytest.mark.slow
def test_identical_scores_through_every_source(
    env: Settings, weak_ranker: MentorRanker, tmp_path: Path
) -> None:
    configure_mlflow(env)
    with tracked_run(env, run_name="scores") as run:
        logged = reg.log_ranker_model(weak_ranker)
    version = ModelRegistry(NAME, env.mlflow_tracking_uri).register(logged)
    features = reg.example_features(weak_ranker)
    expected = weak_ranker.score(features)
    sources = [f"models:/{NAME}/{version}", f"runs:/{run.info.run_id}/model", logged.model_uri]
    for source in sources:
        np.testing.assert_array_equal(load_ranker(source).score(features), expected)
    import mlflow.pyfunc

    scores = mlflow.pyfunc.load_model(f"models:/{NAME}/{version}").predict(features)["score"]
    np.testing.assert_array_equal(scores.to_numpy(), expected)
