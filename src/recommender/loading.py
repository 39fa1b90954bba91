"""Loading a ranker from wherever it lives, and exporting it: the layer above the bundle
(:mod:`recommender.models`) and the MLflow packaging and registry (:mod:`recommender.registry`).

:func:`load_ranker` is the one way to load a model, for the CLI, the service and notebooks: it
accepts a model folder (``train --model-out``), an MLflow model folder (``recommender export``),
and MLflow run and registry URIs. :func:`encoder_for` finds the text encoder a ranker was
trained with; :func:`export_model` writes any loadable model as a self-contained MLflow model
folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname

from recommender.config import Settings, get_settings
from recommender.features import embeddings
from recommender.features.embeddings import TextEncoder
from recommender.models import IncompatibleModelError, MentorRanker, ModelLoadError
from recommender.registry import (
    download_model,
    mlflow_bundle_dir,
    model_metadata,
    save_ranker_model,
)

__all__ = [
    "EXPORT_INFO_FILE",
    "ExportResult",
    "encoder_for",
    "export_model",
    "fetch_ranker",
    "is_model_uri",
    "load_model_folder",
    "load_ranker",
]

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
    :class:`~recommender.registry.RegistryError` when the tracking server cannot be used.
    """
    if isinstance(source, str) and source.startswith("file:"):
        source = Path(url2pathname(urlparse(source).path))
    if is_model_uri(source):
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


def fetch_ranker(uri: str, *, tracking_uri: str | None = None) -> MentorRanker:
    """Download and load the ranker at an MLflow URI (:func:`load_ranker` is the function to
    call)."""
    with tempfile.TemporaryDirectory(prefix="mentor-ranker-") as tmp:
        local, source = download_model(uri, Path(tmp), tracking_uri=tracking_uri)
        ranker = load_model_folder(local)
    ranker.source = source
    return ranker


def encoder_for(
    ranker: MentorRanker, settings: Settings | None = None, *, default: TextEncoder | None = None
) -> TextEncoder:
    """The text encoder ``ranker`` was trained with.

    ``default`` (else the configured encoder) when its model id matches the ranker's recorded
    embedding model, otherwise the model named in the ranker's metadata. Features computed with
    another embedding model are meaningless, so an unresolvable mismatch raises
    :class:`IncompatibleModelError`.
    """
    settings = settings or get_settings()
    wanted = ranker.embedding_model.get("model_id")
    name = ranker.embedding_model.get("name")
    if default is None and wanted and name and name != settings.embedding_model:
        # Load only the model the ranker needs, not the configured one as well.
        settings = settings.model_copy(update={"embedding_model": name})
    encoder = default or embeddings.get_encoder(settings)
    if not wanted or encoder.model_id == wanted:
        return encoder
    found = encoder.model_id
    if name and name != settings.embedding_model:
        try:
            encoder = embeddings.get_encoder(settings.model_copy(update={"embedding_model": name}))
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


# -- export ----------------------------------------------------------------------------------


@dataclass
class ExportResult:
    """What :func:`export_model` wrote."""

    out: Path
    source: dict[str, Any]
    ranker: MentorRanker = field(repr=False)


def _is_model_folder(path: Path) -> bool:
    return (path / "MLmodel").is_file() or (path / "ranker.json").is_file()


def _replace_dir(new: Path, target: Path) -> None:
    """Move ``new`` to ``target``, replacing it with two renames (never a half-written target)."""
    if target.exists():
        backup = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(target, backup)
        try:
            os.replace(new, target)
        except OSError:
            os.replace(backup, target)
            raise
        shutil.rmtree(backup, ignore_errors=True)
    else:
        os.replace(new, target)


def export_model(source: str | Path, out: Path, *, tracking_uri: str | None = None) -> ExportResult:
    """Write the model at ``source`` (any :func:`load_ranker` source) to
    ``out`` as a self-contained MLflow model folder with ``export.json`` (its provenance).

    The copy is loaded and checked before it replaces ``out``, so a corrupt or incompatible
    model is refused (ModelLoadError) and leaves ``out`` as it was. ``out`` must be missing,
    empty or a model folder: anything else is refused rather than overwritten.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ModelLoadError(f"{out}: exists and is not a directory; refusing to replace it")
    if out.is_dir() and any(out.iterdir()) and not _is_model_folder(out):
        raise ModelLoadError(
            f"{out}: exists and is not a model folder; refusing to replace it (choose another "
            "--out or remove it)"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.export-", dir=out.parent))
    try:
        model_dir = staging / "model"
        text = str(source)
        if isinstance(source, str) and is_model_uri(source):
            local, origin = download_model(source, staging / "download", tracking_uri=tracking_uri)
            shutil.move(str(local), model_dir)
        else:
            path = Path(text.removeprefix("file://").removeprefix("file:"))
            origin = {"path": str(path.resolve())}
            if (path / "MLmodel").is_file():
                shutil.copytree(path, model_dir)
            else:
                save_ranker_model(MentorRanker.load(path), model_dir)
        (model_dir / EXPORT_INFO_FILE).unlink(missing_ok=True)
        ranker = load_model_folder(model_dir)
        record = {
            "source": origin,
            "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            **model_metadata(ranker),
            "trained_at": ranker.metadata.get("trained_at"),
            "mlflow_run_id": ranker.metadata.get("mlflow_run_id"),
        }
        (model_dir / EXPORT_INFO_FILE).write_text(
            json.dumps(record, indent=2, sort_keys=True, default=str), encoding="utf-8"
        )
        _replace_dir(model_dir, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    ranker.source = {"path": str(out.resolve()), "export": record}
    return ExportResult(out=out, source=origin, ranker=ranker)
