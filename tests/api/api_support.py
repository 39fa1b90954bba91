"""Helpers shared by the API tests (importable as ``api_support``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from recommender.config import Settings
from recommender.features.embeddings import HashingEncoder
from recommender.train.ranker import RankerConfig

ENCODER_DIM = 64
CHEAP = RankerConfig(n_estimators=40, early_stopping_rounds=10, num_threads=1)


def encoder() -> HashingEncoder:
    return HashingEncoder(ENCODER_DIM)


def make_settings(tmp_path: Path, db_url: str, model: Path | str | None, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "state",
        "RECOMMENDER_DATABASE_URL": db_url,
        "RECOMMENDER_EMBEDDING_CACHE_DIR": tmp_path / "embeddings",
        "model_uri": str(model if model is not None else tmp_path / "no-model"),
        "model_poll_s": 0,
        "data_sync_s": 0,
        "api_key_cache_s": 0,
        **extra,
    }
    return Settings(**values)
