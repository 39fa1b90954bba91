"""Fixtures of the API tests: a small generated programme in a SQLite database, a ranker trained
on it with the fast hashing encoder, API keys, and apps built with ``create_app``.

Each test gets its own copy of the database (a file copy), so writes never leak between tests.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from api_support import CHEAP, encoder, make_settings
from fastapi import FastAPI
from fastapi.testclient import TestClient

from recommender.config import Settings
from recommender.data.contract import Programme
from recommender.data.frames import write_programme
from recommender.data.generate import build_programme
from recommender.data.generator.config import GeneratorConfig
from recommender.service import RecommenderService
from recommender.store.io import import_programme
from recommender.store.keys import create_api_key
from recommender.train.ranker import train_ranker
from serve.app import create_app


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never reach for the model hub (a missing model costs a minute of retries otherwise)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("RECOMMENDER_PROGRESS", "0")


@dataclass(frozen=True)
class Seed:
    """The session's read-only originals, copied per test."""

    programme: Programme
    database: Path
    model_dir: Path
    admin_key: str
    viewer_key: str


@pytest.fixture(scope="session")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Seed:
    root = tmp_path_factory.mktemp("api-seed")
    programme = build_programme(
        GeneratorConfig(n_mentors=120, n_mentees=400, seed=11, years=2.0)
    ).programme
    write_programme(programme, root / "programme")
    database = root / "seed.db"
    url = f"sqlite:///{database.as_posix()}"
    counts = import_programme(root / "programme", url)
    assert counts.ok
    admin = create_api_key(url, "admin", "tests").key
    viewer = create_api_key(url, "viewer", "tests").key
    ranker, _ = train_ranker(programme, encoder(), CHEAP)
    model_dir = ranker.save(root / "model")
    return Seed(programme, database, model_dir, admin, viewer)


@pytest.fixture
def database_file(seed: Seed, tmp_path: Path) -> Path:
    target = tmp_path / "recommender.db"
    shutil.copyfile(seed.database, target)
    return target


@pytest.fixture
def db_url(database_file: Path) -> str:
    return f"sqlite:///{database_file.as_posix()}"


@pytest.fixture
def model_dir(seed: Seed, tmp_path: Path) -> Path:
    """A private copy of the trained model folder (tests may replace it)."""
    target = tmp_path / "model"
    shutil.copytree(seed.model_dir, target)
    return target


@pytest.fixture
def settings(tmp_path: Path, db_url: str, model_dir: Path) -> Settings:
    return make_settings(tmp_path, db_url, model_dir)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings, encoder=encoder(), background=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def service(client: TestClient) -> RecommenderService:
    svc: RecommenderService = client.app.state.service  # type: ignore[attr-defined]
    return svc


@pytest.fixture
def rules_client(tmp_path: Path, db_url: str) -> Iterator[TestClient]:
    """A service with no trained model (cold start)."""
    app = create_app(make_settings(tmp_path, db_url, None), encoder=encoder(), background=False)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def admin(seed: Seed) -> dict[str, str]:
    return {"Authorization": f"Bearer {seed.admin_key}"}


@pytest.fixture
def viewer(seed: Seed) -> dict[str, str]:
    return {"X-API-Key": seed.viewer_key}
