"""The trained model bundle: fitted pair features + LightGBM booster + metadata.

A model folder holds ``ranker.json`` (metadata, feature version, embedding model identity),
``featurizer.json`` (the fitted feature object's state), ``booster.txt`` (LightGBM's own
text format) and ``sentiment.json`` (the feedback sentiment model fitted with it; optional, so
older folders still load and score feedback with the lexicon). It is self-contained: no
tracking server is needed to load it, and this module knows nothing of MLflow
(:mod:`recommender.registry` packages bundles as MLflow models;
:func:`recommender.loading.load_ranker` loads a model from wherever it lives).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from recommender.features.pairs import FeatureVersionError, PairFeaturizer
from recommender.feedback.sentiment import FeedbackSentiment, SentimentModelError
from recommender.ranking.retrieval import RetrievalConfig

__all__ = ["BUNDLE_FORMAT", "IncompatibleModelError", "MentorRanker", "ModelLoadError"]

BUNDLE_FORMAT = "mentor-ranker/1"


class ModelLoadError(RuntimeError):
    """A model folder is missing, corrupt or incompatible (the message says which)."""


class IncompatibleModelError(ModelLoadError):
    """The model is intact but was built for another bundle format or feature version."""


@dataclass
class MentorRanker:
    """Everything needed to rank: feature state, booster, retrieval settings, metadata."""

    featurizer: PairFeaturizer
    booster: Any  # lightgbm.Booster
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
    metadata: dict[str, Any] = field(default_factory=dict)
    name: str = "lightgbm-lambdarank"
    is_model: bool = True
    #: Where this instance was loaded from (URI, registry version, run); never saved.
    source: dict[str, Any] = field(default_factory=dict, compare=False)
    #: The feedback sentiment model fitted at training time (None: the lexicon scores).
    sentiment: FeedbackSentiment | None = field(default=None, compare=False)

    def score(self, features: pd.DataFrame) -> np.ndarray:
        """Ranking scores for feature rows (higher is better)."""
        if len(features) == 0:
            return np.zeros(0)
        values = features[self.featurizer.feature_names_].to_numpy(dtype=np.float64)
        return np.asarray(self.booster.predict(values, num_threads=1), dtype=np.float64)

    def contributions(self, features: pd.DataFrame) -> pd.DataFrame:
        """Per-feature contributions (LightGBM ``pred_contrib``) plus a ``bias`` column."""
        values = features[self.featurizer.feature_names_].to_numpy(dtype=np.float64)
        contrib = self.booster.predict(values, pred_contrib=True, num_threads=1)
        return pd.DataFrame(
            contrib, columns=[*self.featurizer.feature_names_, "bias"], index=features.index
        )

    @property
    def embedding_model(self) -> dict[str, Any]:
        info: dict[str, Any] = self.metadata.get("embedding_model", {})
        return info

    # -- persistence ----------------------------------------------------------------------
    def save(self, directory: Path) -> Path:
        """Write the bundle to ``directory`` atomically (a crash leaves no half model)."""
        directory = Path(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
        try:
            self.booster.save_model(str(tmp / "booster.txt"))
            (tmp / "featurizer.json").write_text(self.featurizer.to_json(), encoding="utf-8")
            if self.sentiment is not None:
                (tmp / "sentiment.json").write_text(self.sentiment.to_json(), encoding="utf-8")
            meta = {
                "format": BUNDLE_FORMAT,
                "name": self.name,
                "retrieval": self.retrieval.__dict__,
                "metadata": self.metadata,
            }
            (tmp / "ranker.json").write_text(
                json.dumps(meta, indent=2, sort_keys=True, default=str), encoding="utf-8"
            )
            if directory.exists():
                backup = directory.with_name(directory.name + ".old")
                shutil.rmtree(backup, ignore_errors=True)
                os.replace(directory, backup)
                os.replace(tmp, directory)
                shutil.rmtree(backup, ignore_errors=True)
            else:
                os.replace(tmp, directory)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return directory

    @classmethod
    def load(cls, directory: Path) -> MentorRanker:
        """Load a bundle, refusing missing files, corrupt content or another feature version."""
        import lightgbm as lgb

        directory = Path(directory)
        if not directory.is_dir():
            raise ModelLoadError(f"{directory}: not a model folder (no such directory)")
        for name in ("ranker.json", "featurizer.json", "booster.txt"):
            if not (directory / name).is_file():
                raise ModelLoadError(f"{directory}: missing {name}; not a complete model folder")
        try:
            meta = json.loads((directory / "ranker.json").read_text(encoding="utf-8"))
            state = json.loads((directory / "featurizer.json").read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ModelLoadError(f"{directory}: corrupt model metadata ({exc})") from exc
        if meta.get("format") != BUNDLE_FORMAT:
            raise IncompatibleModelError(
                f"{directory}: model format {meta.get('format')!r}, expected {BUNDLE_FORMAT!r}"
            )
        try:
            featurizer = PairFeaturizer.from_state(state)
        except FeatureVersionError as exc:
            raise IncompatibleModelError(f"{directory}: {exc}") from exc
        except (KeyError, TypeError) as exc:
            raise ModelLoadError(f"{directory}: corrupt featurizer.json ({exc!r})") from exc
        try:
            booster = lgb.Booster(model_file=str(directory / "booster.txt"))
        except lgb.basic.LightGBMError as exc:
            raise ModelLoadError(f"{directory}: corrupt booster.txt ({exc})") from exc
        if booster.num_feature() != len(featurizer.feature_names_):
            raise ModelLoadError(
                f"{directory}: booster expects {booster.num_feature()} features, feature state "
                f"has {len(featurizer.feature_names_)}"
            )
        return cls(
            featurizer=featurizer,
            booster=booster,
            retrieval=RetrievalConfig(**meta.get("retrieval", {})),
            metadata=meta.get("metadata", {}),
            name=meta.get("name", "lightgbm-lambdarank"),
            sentiment=_load_sentiment(directory / "sentiment.json"),
        )


def _load_sentiment(path: Path) -> FeedbackSentiment | None:
    """The bundle's sentiment model; None for folders saved before it existed."""
    if not path.is_file():
        return None
    try:
        return FeedbackSentiment.from_state(json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, UnicodeDecodeError, SentimentModelError) as exc:
        raise ModelLoadError(f"{path}: corrupt sentiment model ({exc})") from exc
