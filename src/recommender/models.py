"""The trained model bundle: fitted pair features + LightGBM booster + metadata.

A model folder holds ``ranker.json`` (metadata, feature version, embedding model identity),
``featurizer.json`` (the fitted feature object's state) and ``booster.txt`` (LightGBM's own
text format). It is self-contained: no tracking server is needed to load it.

:func:`load_ranker` is the one way to load a model: it accepts such a folder, an MLflow model
folder written by ``recommender export``, and MLflow run and registry URIs (see
:mod:`recommender.registry` for the MLflow packaging, aliases and export).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname

import numpy as np
import pandas as pd

from recommender.config import Settings, get_settings
from recommender.features.embeddings import TextEncoder
from recommender.features.pairs import FeatureVersionError, PairFeaturizer
from recommender.ranking.retrieval import RetrievalConfig

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
        )


# -- one loader: model folders, exported MLflow models, runs and the registry -----------------

#: Name of the bundle folder inside a logged MLflow model (``artifacts/ranker``).
MLFLOW_RANKER_ARTIFACT = "ranker"
#: Provenance written by ``recommender export`` next to the MLflow model files.
EXPORT_INFO_FILE = "export.json"

# Two or more letters: "C:" is a Windows drive, not a URI scheme.
_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")


def is_model_uri(source: str | Path) -> bool:
    """Whether ``source`` is an MLflow URI (``models:/``, ``runs:/``, ``s3://``, ...) rather than
    a local path. ``file:`` URIs count as local paths."""
    if isinstance(source, Path):
        return False
    return bool(_URI_SCHEME.match(source)) and not source.startswith("file:")


def load_ranker(source: str | Path, *, tracking_uri: str | None = None) -> MentorRanker:
    """Load a ranker from wherever it lives: the one loader for the CLI, the service and notebooks.

    ``source`` is a registry URI (``models:/mentor-ranker@champion``, ``models:/mentor-ranker/3``),
    a run URI (``runs:/<run_id>/model``), any other URI MLflow can download, a ``file:`` URI, or
    a local directory holding either a model folder (``ranker.json``, from ``train --model-out``)
    or an MLflow model (``MLmodel``, from ``recommender export``). URIs resolve against
    ``tracking_uri`` (default: the settings').

    Raises :class:`ModelLoadError` (:class:`IncompatibleModelError` for another bundle format or
    feature version) when the model is missing, corrupt or incompatible, and
    :class:`recommender.registry.RegistryError` when the tracking server cannot be used.
    """
    if isinstance(source, str) and source.startswith("file:"):
        source = Path(url2pathname(urlparse(source).path))
    if is_model_uri(source):
        from recommender.registry import fetch_ranker

        return fetch_ranker(str(source), tracking_uri=tracking_uri)
    return load_model_folder(Path(source))


def load_model_folder(directory: Path) -> MentorRanker:
    """Load a local model folder or an MLflow model folder (see :func:`load_ranker`)."""
    directory = Path(directory)
    if (directory / "MLmodel").is_file():
        ranker = MentorRanker.load(mlflow_bundle_dir(directory))
    elif directory.is_dir() and not (directory / "ranker.json").exists():
        raise ModelLoadError(
            f"{directory}: not a model folder; expected ranker.json (a model folder from "
            "`recommender train --model-out`) or MLmodel (an MLflow model from "
            "`recommender export`)"
        )
    else:
        ranker = MentorRanker.load(directory)
    ranker.source = {"path": str(directory.resolve())}
    info = directory / EXPORT_INFO_FILE
    if info.is_file():
        try:
            ranker.source["export"] = json.loads(info.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ModelLoadError(f"{info}: corrupt export record ({exc})") from exc
    return ranker


def mlflow_bundle_dir(directory: Path) -> Path:
    """The model-bundle folder inside an MLflow model directory (read from its ``MLmodel``)."""
    import yaml

    spec_path = Path(directory) / "MLmodel"
    try:
        spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ModelLoadError(f"{spec_path}: corrupt MLflow model metadata ({exc})") from exc
    if not isinstance(spec, dict):
        raise ModelLoadError(f"{spec_path}: corrupt MLflow model metadata (not a mapping)")
    flavor = (spec.get("flavors") or {}).get("python_function") or {}
    artifact = (flavor.get("artifacts") or {}).get(MLFLOW_RANKER_ARTIFACT) or {}
    relative = artifact.get("path") if isinstance(artifact, dict) else None
    if not isinstance(relative, str) or not relative:
        raise ModelLoadError(
            f"{directory}: an MLflow model, but not a mentor-ranker model (its MLmodel lists no "
            f"python_function artifact {MLFLOW_RANKER_ARTIFACT!r})"
        )
    root = Path(directory).resolve()
    bundle = (root / relative).resolve()
    if not bundle.is_relative_to(root):
        raise ModelLoadError(f"{spec_path}: artifact path {relative!r} points outside the model")
    return bundle


def encoder_for(
    ranker: MentorRanker, settings: Settings | None = None, *, default: TextEncoder | None = None
) -> TextEncoder:
    """The text encoder ``ranker`` was trained with.

    ``default`` (else the configured encoder) when its model id matches the ranker's recorded
    embedding model, otherwise the model named in the ranker's metadata. Features computed with
    another embedding model are meaningless, so an unresolvable mismatch raises
    :class:`IncompatibleModelError`.
    """
    from recommender.features.embeddings import get_encoder

    settings = settings or get_settings()
    wanted = ranker.embedding_model.get("model_id")
    name = ranker.embedding_model.get("name")
    if default is None and wanted and name and name != settings.embedding_model:
        # Load only the model the ranker needs, not the configured one as well.
        settings = settings.model_copy(update={"embedding_model": name})
    encoder = default or get_encoder(settings)
    if not wanted or encoder.model_id == wanted:
        return encoder
    found = encoder.model_id
    if name and name != settings.embedding_model:
        try:
            encoder = get_encoder(settings.model_copy(update={"embedding_model": name}))
        except (RuntimeError, ValueError) as exc:
            raise IncompatibleModelError(
                f"the model was trained with embedding model {wanted!r}, which cannot be "
                f"loaded here: {exc}"
            ) from exc
        if encoder.model_id == wanted:
            return encoder
        found = encoder.model_id
    raise IncompatibleModelError(
        f"the model was trained with embedding model {wanted!r} but {found!r} is available; its "
        "features would be meaningless: configure RECOMMENDER_EMBEDDING_MODEL to that model or "
        "retrain"
    )
