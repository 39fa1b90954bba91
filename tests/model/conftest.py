"""A small generated programme and a model trained on it with the real embedding model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from recommender.config import get_settings


@pytest.fixture(scope="session")
def model_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Settings pointing every store at a temporary directory for the whole session."""
    root = tmp_path_factory.mktemp("model-env")
    mp = pytest.MonkeyPatch()
    mp.setenv("RECOMMENDER_DATA_DIR", str(root / "state"))
    mp.setenv("RECOMMENDER_EMBEDDING_CACHE_DIR", str(root / "embeddings"))
    mp.setenv("RECOMMENDER_PROGRESS", "0")
    mp.setenv("HF_HUB_OFFLINE", "1")
    mp.setenv("TRANSFORMERS_OFFLINE", "1")
    get_settings.cache_clear()
    yield root
    mp.undo()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def small_programme(model_env: Path) -> Path:
    from recommender.data.generate import GeneratorConfig, generate_programme

    out = model_env / "programme"
    generate_programme(out, GeneratorConfig(n_mentors=120, n_mentees=400, seed=3))
    return out
