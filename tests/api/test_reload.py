"""Hot reload: a new champion is swapped in while requests run, none fails; a model that does not
load leaves the old one serving, and readiness and the logs say why."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from api_support import encoder, make_settings
from fastapi.testclient import TestClient

from recommender.models import MentorRanker
from recommender.train.ranker import RankerConfig, train_ranker
from serve.app import create_app

OTHER = RankerConfig(n_estimators=15, early_stopping_rounds=5, num_threads=1, seed=7)


def _hammer(
    client: TestClient,
    headers: dict[str, str],
    mentees: list[str],
    stop: threading.Event,
    seen: list[tuple[int, str | None]],
    field: str = "trained_at",
) -> None:
    i = 0
    while not stop.is_set():
        response = client.post(
            "/v1/recommendations",
            json={"mentee_id": mentees[i % len(mentees)], "k": 5},
            headers=headers,
        )
        served = response.json()["model"][field] if response.is_success else None
        seen.append((response.status_code, served))
        i += 1


def _wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_promoting_a_new_model_while_requests_run(
    tmp_path: Path,
    db_url: str,
    model_dir: Path,
    seed,
    viewer: dict[str, str],
) -> None:
    # A new version of the model (same booster, so the test is about the swap, not training).
    new_model = MentorRanker.load(model_dir)
    new_model.metadata["trained_at"] = "2030-01-01T00:00:00+00:00"
    settings = make_settings(tmp_path, db_url, model_dir, model_poll_s=0.2)
    app = create_app(settings, encoder=encoder(), background=True)
    with TestClient(app) as client:
        old = client.get("/v1/model", headers=viewer).json()["trained_at"]
        mentees = [str(m) for m in app.state.service.snapshot.context.mentees.index[-30:]]
        stop = threading.Event()
        seen: list[tuple[int, str | None]] = []
        workers = [
            threading.Thread(target=_hammer, args=(client, viewer, mentees, stop, seen))
            for _ in range(4)
        ]
        for w in workers:
            w.start()
        _wait_for(lambda: len(seen) > 8)
        new_model.save(model_dir)  # "promote": replace the served folder atomically
        _wait_for(lambda: client.get("/v1/model", headers=viewer).json()["trained_at"] != old)
        count = len(seen)
        _wait_for(lambda: len(seen) > count + 8)
        stop.set()
        for w in workers:
            w.join()
    assert {status for status, _ in seen} == {200}
    versions = [trained for _, trained in seen]
    assert versions[0] == old
    assert versions[-1] == new_model.metadata["trained_at"]
    # Once the new model answered, the old one never did again (one atomic swap).
    first_new = versions.index(new_model.metadata["trained_at"])
    assert set(versions[first_new + 4 :]) == {new_model.metadata["trained_at"]}


def test_a_model_that_fails_to_load_leaves_the_old_one_serving(
    client: TestClient,
    admin: dict[str, str],
    viewer: dict[str, str],
    model_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    before = client.get("/v1/model", headers=viewer).json()
    (model_dir / "booster.txt").write_text("not a booster", encoding="utf-8")
    with caplog.at_level("WARNING", logger="recommender"):
        response = client.post("/v1/admin/reload", headers=admin)
    assert response.status_code == 200
    body = response.json()
    assert body["reloaded"] is False
    assert "corrupt booster.txt" in body["error"]
    assert body["model"]["trained_at"] == before["trained_at"]
    ready = client.get("/readyz")
    assert ready.status_code == 200  # still serving the old model
    last = ready.json()["model"]["last_reload"]
    assert last["ok"] is False
    assert "corrupt booster.txt" in last["error"]
    assert any("corrupt booster.txt" in r.getMessage() for r in caplog.records)
    # Polling does not retry the broken version until the source changes again.
    service = client.app.state.service  # type: ignore[attr-defined]
    failed = service.reload_status.counts["failed"]
    assert service.reload("poll", only_if_changed=True).reloaded is False
    assert service.reload_status.counts["failed"] == failed
    mentee = service.snapshot.context.mentees.index[0]
    served = client.post("/v1/recommendations", json={"mentee_id": mentee}, headers=viewer)
    assert served.status_code == 200
    assert served.json()["model"]["trained_at"] == before["trained_at"]


def test_an_incompatible_model_is_refused(
    client: TestClient, admin: dict[str, str], viewer: dict[str, str], model_dir: Path
) -> None:
    ranker = MentorRanker.load(model_dir)
    ranker.metadata["embedding_model"] = {"model_id": "some-other-model@123"}
    ranker.save(model_dir)
    body = client.post("/v1/admin/reload", headers=admin).json()
    assert body["reloaded"] is False
    assert "some-other-model@123" in body["error"]
    assert client.get("/v1/model", headers=viewer).json()["embedding_model"] == encoder().model_id


def test_reload_from_rules_to_a_first_model(
    tmp_path: Path,
    db_url: str,
    seed,
    admin: dict[str, str],
    viewer: dict[str, str],
) -> None:
    target = tmp_path / "champion"
    settings = make_settings(tmp_path, db_url, target)
    with TestClient(create_app(settings, encoder=encoder(), background=False)) as client:
        assert client.get("/v1/model", headers=viewer).json()["is_model"] is False
        MentorRanker.load(seed.model_dir).save(target)
        body = client.post("/v1/admin/reload", headers=admin).json()
        assert body["reloaded"] is True
        assert body["model"]["is_model"] is True
        assert client.get("/readyz").json()["model"]["loaded"] is True


@pytest.mark.slow
def test_registry_alias_is_polled_and_swapped(
    tmp_path: Path,
    db_url: str,
    seed,
    viewer: dict[str, str],
) -> None:
    from recommender import registry as reg
    from recommender.registry import CHAMPION, ModelRegistry
    from recommender.train.tracking import tracked_run

    settings = make_settings(
        tmp_path, db_url, None, model_uri="models:/mentor-ranker@champion", model_poll_s=0.3
    )
    registry = ModelRegistry("mentor-ranker", settings.mlflow_tracking_uri)
    logged = []
    for ranker in (
        MentorRanker.load(seed.model_dir),
        train_ranker(seed.programme, encoder(), OTHER)[0],
    ):
        with tracked_run(settings, run_name="test"):
            logged.append(reg.log_ranker_model(ranker))
    first, second = (registry.register(item) for item in logged)
    registry.set_alias(CHAMPION, first)
    with TestClient(create_app(settings, encoder=encoder(), background=True)) as client:
        model = client.get("/v1/model", headers=viewer).json()
        assert (model["version"], model["alias"]) == (first, "champion")
        # Promote through the registry while requests run: none may fail.
        service = client.app.state.service  # type: ignore[attr-defined]
        mentees = [str(m) for m in service.snapshot.context.mentees.index[-30:]]
        stop = threading.Event()
        seen: list[tuple[int, str | None]] = []
        workers = [
            threading.Thread(target=_hammer, args=(client, viewer, mentees, stop, seen, "version"))
            for _ in range(3)
        ]
        for w in workers:
            w.start()
        try:
            _wait_for(lambda: len(seen) > 8)
            registry.set_alias(CHAMPION, second)
            _wait_for(lambda: client.get("/v1/model", headers=viewer).json()["version"] == second)
            count = len(seen)
            _wait_for(lambda: len(seen) > count + 8)
        finally:
            stop.set()
            for w in workers:
                w.join()
        assert {status for status, _ in seen} == {200}
        versions = [version for _, version in seen]
        assert versions[0] == first
        assert versions[-1] == second
