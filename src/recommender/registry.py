"""MLflow packaging of the ranker and the model registry: one model artifact, aliases, download.

The MLflow model
    A custom pyfunc (:class:`MentorRankerModel`) whose one artifact is the model-bundle folder
    (``artifacts/ranker``: the LightGBM booster, the fitted feature state, and ``ranker.json``
    with the embedding model's identity and the feature/contract versions). Its pyfunc
    interface scores **pair features**: ``mlflow.pyfunc.load_model(uri).predict(frame)`` takes a
    DataFrame whose columns are the ranker's feature names (``docs/features.md``; NaN means
    unknown) and returns a DataFrame with one column ``score`` (higher is better), so it is
    meaningful without a programme. Ranking mentors for a mentee needs the programme's data to
    build those features; that is :func:`recommender.loading.load_ranker` plus
    :func:`recommender.ranking.recommend.rank_requests`. The model is logged "from code"
    (MLflow runs ``recommender/_mlflow_entry.py`` to load it), so loading unpickles nothing, and
    :func:`~recommender.loading.load_ranker` reads the bundle without MLflow's loader at all.

The registry
    Versions of ``settings.registered_model_name`` carry the aliases ``champion`` (what the
    service serves) and ``challenger`` (the latest evaluated candidate); stages are never used.
    :class:`ModelRegistry` wraps the few registry calls the lifecycle needs, and
    :meth:`ModelRegistry.publish` moves the aliases under a promotion lock with a compare-and-set
    on ``champion``.

Loading and export live one layer up, in :mod:`recommender.loading`.
"""

from __future__ import annotations

import os
import re
import socket
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit, urlunsplit

import mlflow
import mlflow.pyfunc
import numpy as np
import pandas as pd
from mlflow.pyfunc import PythonModel

from recommender.config import get_settings
from recommender.data.contract import CONTRACT_VERSION
from recommender.models import BUNDLE_FORMAT, MentorRanker, ModelLoadError

if TYPE_CHECKING:
    from mlflow.entities.model_registry import RegisteredModel
    from mlflow.models.signature import ModelSignature

__all__ = [
    "CHALLENGER",
    "CHAMPION",
    "LEASE_SUFFIX",
    "MLFLOW_RANKER_ARTIFACT",
    "MODEL_NAME_IN_RUN",
    "LoggedRanker",
    "MentorRankerModel",
    "ModelRegistry",
    "PublishOutcome",
    "RegistryError",
    "check_reachable",
    "download_model",
    "example_features",
    "log_ranker_model",
    "mlflow_bundle_dir",
    "model_metadata",
    "model_signature",
    "pip_requirements",
    "redact_uri",
    "registry_uri_for",
    "save_ranker_model",
    "version_tags",
]

CHAMPION = "champion"
CHALLENGER = "challenger"
#: Name of the bundle folder inside a logged MLflow model (``artifacts/ranker``).
MLFLOW_RANKER_ARTIFACT = "ranker"
#: Name of the model inside a run: ``runs:/<run_id>/model``.
MODEL_NAME_IN_RUN = "model"
#: Registered-model tag holding the promotion lease on servers (see ``promotion_lock``).
LEASE_SUFFIX = ".promotion-lock"

_ENTRY_POINT = Path(__file__).with_name("_mlflow_entry.py")
_MODELS_ALIAS_URI = re.compile(r"models:/(?P<name>[^/@]+)@(?P<alias>[^/@]+)/?")
_MODELS_VERSION_URI = re.compile(r"models:/(?P<name>[^/@]+)/(?P<version>\d+)/?")
# MLflow error codes that mean "no such run, model, version or alias", not "server trouble".
_NOT_FOUND_CODES = frozenset(
    {"RESOURCE_DOES_NOT_EXIST", "NOT_FOUND", "INVALID_PARAMETER_VALUE", "ENDPOINT_NOT_FOUND"}
)


class RegistryError(RuntimeError):
    """The tracking server or model registry could not be used (the message says which, why)."""


def redact_uri(uri: str) -> str:
    """``uri`` without a password (tracking URIs may embed credentials)."""
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def check_reachable(uri: str, timeout_s: float = 10.0) -> None:
    """Fail fast when an HTTP tracking server does not answer (MLflow's own client retries a
    refused connection for minutes). Other stores are not probed; any HTTP answer counts as
    reachable, so authentication problems surface with MLflow's message on the first call."""
    if not uri.startswith(("http://", "https://")):
        return
    import httpx

    try:
        httpx.get(uri.rstrip("/") + "/health", timeout=timeout_s, follow_redirects=True)
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__  # timeouts often carry no message
        raise RegistryError(
            f"cannot reach the MLflow tracking server at {redact_uri(uri)}: {reason}"
        ) from exc


def registry_uri_for(tracking_uri: str) -> str:
    """The registry MLflow uses with ``tracking_uri``: ``MLFLOW_REGISTRY_URI`` if set, else the
    tracking URI itself."""
    return os.environ.get("MLFLOW_REGISTRY_URI") or tracking_uri


def _mlflow_error_code(exc: BaseException) -> str:
    return str(getattr(exc, "error_code", ""))


def _is_not_found(exc: BaseException) -> bool:
    return _mlflow_error_code(exc) in _NOT_FOUND_CODES


# --------------------------------------------------------------------------- the pyfunc model


class MentorRankerModel(PythonModel):
    """pyfunc wrapper: pair features (one column per feature name) in, ``score`` out."""

    def load_context(self, context: Any) -> None:
        self._ranker = MentorRanker.load(Path(context.artifacts[MLFLOW_RANKER_ARTIFACT]))

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        frame = pd.DataFrame(model_input)
        names = self._ranker.featurizer.feature_names_
        missing = [n for n in names if n not in frame.columns]
        if missing:
            raise ValueError(
                f"model input lacks {len(missing)} feature column(s): {', '.join(missing[:10])}"
            )
        return pd.DataFrame({"score": self._ranker.score(frame)}, index=frame.index)


def example_features(ranker: MentorRanker) -> pd.DataFrame:
    """Three rows of pair features spanning what the booster saw in training (each feature's
    minimum, midpoint and maximum; 0 for features it never split on): the input example."""
    infos = ranker.booster.dump_model(num_iteration=1).get("feature_infos", {})
    columns: dict[str, list[float]] = {}
    for name in ranker.featurizer.feature_names_:
        info = infos.get(name)
        lo = hi = 0.0
        if isinstance(info, dict) and "min_value" in info and "max_value" in info:
            lo, hi = float(info["min_value"]), float(info["max_value"])
        if not (np.isfinite(lo) and np.isfinite(hi)):
            lo = hi = 0.0
        columns[name] = [lo, (lo + hi) / 2, hi]
    return pd.DataFrame(columns)


def model_signature(ranker: MentorRanker) -> ModelSignature:
    """Input: one double column per feature (all required); output: a double ``score``."""
    from mlflow.models.signature import ModelSignature
    from mlflow.types.schema import ColSpec, Schema

    inputs = Schema([ColSpec("double", n) for n in ranker.featurizer.feature_names_])
    return ModelSignature(inputs=inputs, outputs=Schema([ColSpec("double", "score")]))


def pip_requirements() -> list[str]:
    """What the pyfunc needs, pinned to this environment (listing them explicitly also spares
    MLflow its slow requirement inference)."""
    pins = []
    for dist in ("mentor-recommender", "mlflow", "lightgbm", "pandas", "numpy"):
        try:
            pins.append(f"{dist}=={importlib_metadata.version(dist)}")
        except importlib_metadata.PackageNotFoundError:
            pins.append(dist)
    return pins


def model_metadata(ranker: MentorRanker) -> dict[str, Any]:
    """What the MLmodel file records about the ranker (visible in the MLflow UI)."""
    embedding = {
        k: ranker.embedding_model.get(k)
        for k in ("name", "model_id", "version", "dimension")
        if ranker.embedding_model.get(k) is not None
    }
    return {
        "mentor_ranker_format": BUNDLE_FORMAT,
        "feature_version": ranker.featurizer.feature_version_,
        "contract_version": CONTRACT_VERSION,
        "embedding_model": embedding,
        "data_fingerprint": ranker.metadata.get("data_fingerprint"),
        "train_before": ranker.metadata.get("train_before"),
        "pyfunc_input": "pair features: one column per feature name (docs/features.md)",
        "pyfunc_output": "score (higher ranks first)",
    }


def version_tags(ranker: MentorRanker, **extra: object) -> dict[str, str]:
    """Tags for a registered version: what it was trained on and with (searchable in MLflow)."""
    tags = {
        "feature_version": str(ranker.featurizer.feature_version_),
        "embedding_model": str(ranker.embedding_model.get("model_id", "")),
        "data_fingerprint": str(ranker.metadata.get("data_fingerprint", "")),
        "train_before": str(ranker.metadata.get("train_before") or "all data"),
    }
    tags.update({k: str(v) for k, v in extra.items()})
    return tags


def _pyfunc_kwargs(ranker: MentorRanker, bundle: Path) -> dict[str, Any]:
    return {
        "python_model": str(_ENTRY_POINT),
        "artifacts": {MLFLOW_RANKER_ARTIFACT: str(bundle)},
        "signature": model_signature(ranker),
        "input_example": example_features(ranker),
        "pip_requirements": pip_requirements(),
        "metadata": model_metadata(ranker),
    }


@contextmanager
def _no_download_bars() -> Iterator[None]:
    # MLflow draws a tqdm bar per download on stderr; in jobs and CLI output that is noise.
    key = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"
    before = os.environ.get(key)
    os.environ[key] = "false"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = before


@contextmanager
def _global_tracking_uri(uri: str) -> Iterator[None]:
    # Resolving models:/<name>/<version> takes a second hop (to the logged model) that uses
    # MLflow's global tracking URI whatever URI the call was given.
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)
    try:
        yield
    finally:
        mlflow.set_tracking_uri(previous)


@dataclass(frozen=True)
class LoggedRanker:
    """A ranker logged as an MLflow model in a run."""

    model_uri: str  # models:/<model_id>
    model_id: str
    run_id: str
    run_uri: str  # runs:/<run_id>/model


def log_ranker_model(ranker: MentorRanker, name: str = MODEL_NAME_IN_RUN) -> LoggedRanker:
    """Log ``ranker`` as the pyfunc model ``name`` of the active MLflow run."""
    with tempfile.TemporaryDirectory() as tmp:
        # MLflow names the artifact folder after the source folder: stage it as "ranker".
        bundle = ranker.save(Path(tmp) / MLFLOW_RANKER_ARTIFACT)
        with _no_download_bars():
            info = mlflow.pyfunc.log_model(name=name, **_pyfunc_kwargs(ranker, bundle))
    return LoggedRanker(
        model_uri=str(info.model_uri),
        model_id=str(info.model_id),
        run_id=str(info.run_id),
        run_uri=f"runs:/{info.run_id}/{name}",
    )


def save_ranker_model(ranker: MentorRanker, path: Path) -> Path:
    """Write ``ranker`` as a local MLflow model folder (no tracking store involved)."""
    with tempfile.TemporaryDirectory() as tmp:
        bundle = ranker.save(Path(tmp) / MLFLOW_RANKER_ARTIFACT)
        with _no_download_bars():
            mlflow.pyfunc.save_model(path=str(path), **_pyfunc_kwargs(ranker, bundle))
    return Path(path)


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


# --------------------------------------------------------------------------- loading by URI


def download_model(
    uri: str, dst: Path, *, tracking_uri: str | None = None
) -> tuple[Path, dict[str, Any]]:
    """Download the MLflow model at ``uri`` into ``dst``; returns its local folder and where it
    came from (uri, registered name and version, run id, model id).

    ``models:/<name>@<alias>`` is resolved to a version first, so what is downloaded is exactly
    the version reported. Raises ModelLoadError when there is no such model, RegistryError when
    the server or store cannot be used.
    """
    tracking_uri = tracking_uri or get_settings().mlflow_tracking_uri
    check_reachable(tracking_uri)
    source: dict[str, Any] = {"uri": uri, "tracking_uri": redact_uri(tracking_uri)}
    resolved = uri
    if match := _MODELS_ALIAS_URI.fullmatch(uri):
        name, alias = match["name"], match["alias"]
        version = ModelRegistry(name, tracking_uri).alias_version(alias)
        if version is None:
            raise ModelLoadError(
                f"{uri}: registered model {name!r} has no version with alias {alias!r} "
                f"(registry at {redact_uri(tracking_uri)})"
            )
        resolved = f"models:/{name}/{version}"
        source.update(name=name, alias=alias, version=version)
    elif match := _MODELS_VERSION_URI.fullmatch(uri):
        source.update(name=match["name"], version=match["version"])
    dst.mkdir(parents=True, exist_ok=True)
    try:
        with _no_download_bars(), _global_tracking_uri(tracking_uri):
            # Both URIs explicitly: MLflow would otherwise resolve models:/ against its global
            # registry URI, whatever tracking_uri says.
            local = mlflow.artifacts.download_artifacts(
                artifact_uri=resolved,
                dst_path=str(dst),
                tracking_uri=tracking_uri,
                registry_uri=registry_uri_for(tracking_uri),
            )
    except mlflow.exceptions.MlflowException as exc:
        if _is_not_found(exc):
            raise ModelLoadError(f"{uri}: no such model ({exc.message})") from exc
        raise RegistryError(
            f"cannot download {uri} from {redact_uri(tracking_uri)}: {exc.message}"
        ) from exc
    except OSError as exc:
        raise RegistryError(f"cannot download {uri}: {exc}") from exc
    path = Path(local)
    spec = path / "MLmodel"
    if spec.is_file():
        import yaml

        try:
            meta = yaml.safe_load(spec.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ModelLoadError(f"{uri}: corrupt MLmodel ({exc})") from exc
        if isinstance(meta, dict):
            source.update({k: meta[k] for k in ("run_id", "model_id") if meta.get(k)})
    return path, source


# --------------------------------------------------------------------------- the registry


@dataclass(frozen=True)
class PublishOutcome:
    """What :meth:`ModelRegistry.publish` did."""

    version: str
    promoted: bool
    champion: str | None  # the champion version afterwards
    conflict: bool = False  # the champion moved during the run, so nothing was promoted


class ModelRegistry:
    """The registered model ``name``: versions, aliases and a promotion lock.

    ``lock`` picks the promotion lock: ``"file"`` (a lock file next to a local SQLite or file
    registry store), ``"lease"`` (a tag on the registered model, for servers), or ``"auto"``
    (file for local stores, lease otherwise).
    """

    def __init__(
        self,
        name: str,
        tracking_uri: str,
        *,
        lock: Literal["auto", "file", "lease"] = "auto",
        lease_s: float = 600.0,
        poll_s: float = 1.0,
    ) -> None:
        from mlflow.tracking import MlflowClient

        self.name = name
        self.tracking_uri = tracking_uri
        self.registry_uri = registry_uri_for(tracking_uri)
        self.client = MlflowClient(tracking_uri=tracking_uri, registry_uri=self.registry_uri)
        self.lock_mode = lock
        self.lease_s = lease_s
        self.poll_s = poll_s

    def _where(self) -> str:
        return redact_uri(self.registry_uri)

    @contextmanager
    def _calls(self, what: str) -> Iterator[None]:
        try:
            yield
        except mlflow.exceptions.MlflowException as exc:
            raise RegistryError(
                f"model registry at {self._where()}: {what} failed: {exc.message}"
            ) from exc
        except OSError as exc:
            raise RegistryError(f"model registry at {self._where()}: {what} failed: {exc}") from exc

    # -- reads ----------------------------------------------------------------------------
    def registered_model(self) -> RegisteredModel | None:
        """The registered model, or None when nothing was registered under the name yet."""
        try:
            return self.client.get_registered_model(self.name)
        except mlflow.exceptions.MlflowException as exc:
            if _mlflow_error_code(exc) in {"RESOURCE_DOES_NOT_EXIST", "NOT_FOUND"}:
                return None
            raise RegistryError(
                f"model registry at {self._where()}: reading {self.name!r} failed: {exc.message}"
            ) from exc
        except OSError as exc:
            raise RegistryError(f"model registry at {self._where()}: {exc}") from exc

    def aliases(self) -> dict[str, str]:
        """Alias -> version of the registered model (empty when it does not exist)."""
        model = self.registered_model()
        if model is None:
            return {}
        found = model.aliases or {}
        return {str(k): str(v) for k, v in found.items()}

    def alias_version(self, alias: str) -> str | None:
        """The version ``alias`` points at, or None."""
        return self.aliases().get(alias)

    # -- writes ---------------------------------------------------------------------------
    def ensure_registered_model(self) -> None:
        """Create the registered model if it does not exist yet (safe when racing another)."""
        if self.registered_model() is not None:
            return
        try:
            self.client.create_registered_model(
                self.name, description="Mentor ranker (LightGBM LambdaRank over pair features)."
            )
        except mlflow.exceptions.MlflowException as exc:
            if _mlflow_error_code(exc) not in {"RESOURCE_ALREADY_EXISTS", "ALREADY_EXISTS"}:
                raise RegistryError(
                    f"model registry at {self._where()}: creating {self.name!r} failed: "
                    f"{exc.message}"
                ) from exc

    def register(self, logged: LoggedRanker, tags: dict[str, str] | None = None) -> str:
        """A new version from a logged model; returns its version number. Sets no alias."""
        self.ensure_registered_model()
        with self._calls(f"registering {logged.model_uri} as {self.name!r}"):
            version = self.client.create_model_version(
                name=self.name,
                source=logged.model_uri,
                run_id=logged.run_id,
                tags=tags,
                model_id=logged.model_id,
            )
        return str(version.version)

    def set_alias(self, alias: str, version: str) -> None:
        with self._calls(f"setting alias {alias!r} on {self.name!r} version {version}"):
            self.client.set_registered_model_alias(self.name, alias, version)

    def publish(
        self,
        version: str,
        *,
        promote: bool,
        expected_champion: str | None,
        timeout_s: float = 300.0,
    ) -> PublishOutcome:
        """Point ``challenger`` at ``version`` and, if ``promote``, ``champion`` too, but only
        while the champion is still ``expected_champion`` (the version the caller evaluated
        against): a compare-and-set, done under :meth:`promotion_lock`."""
        with self.promotion_lock(timeout_s):
            self.set_alias(CHALLENGER, version)
            current = self.alias_version(CHAMPION)
            if not promote:
                return PublishOutcome(version, promoted=False, champion=current)
            if current != expected_champion:
                return PublishOutcome(version, promoted=False, champion=current, conflict=True)
            self.set_alias(CHAMPION, version)
            return PublishOutcome(version, promoted=True, champion=version)

    # -- the promotion lock ---------------------------------------------------------------
    def lock_file(self) -> Path | None:
        """The lock file for a local registry store (None for servers and remote databases)."""
        uri = self.registry_uri
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", self.name)
        if uri.startswith("sqlite:///"):
            database = uri.removeprefix("sqlite:///").split("?", 1)[0]
            if database and database != ":memory:":
                return Path(f"{database}.{safe}.promotion.lock")
        if uri.startswith("file:"):
            directory = Path(uri.removeprefix("file://").removeprefix("file:"))
            return directory / f".{safe}.promotion.lock"
        return None

    @contextmanager
    def promotion_lock(self, timeout_s: float = 300.0) -> Iterator[None]:
        """Serialise alias changes between retrains sharing this registry.

        Local stores get an OS file lock (exclusive on one machine or a shared file system
        that supports locks). Servers and remote databases get a lease: a registered model
        named ``<name>.promotion-lock`` whose tags name its owner and expiry. Creating a
        registered model is atomic in MLflow (names are unique), so exactly one job holds the
        lease; it is deleted on release, and an expired one (a crashed job) is taken over.
        Raises RegistryError after ``timeout_s``.
        """
        mode = self.lock_mode
        path = self.lock_file()
        if mode == "auto":
            mode = "file" if path is not None else "lease"
        if mode == "file":
            if path is None:
                raise RegistryError(
                    f"no lock file for registry {self._where()}: it is not a local store; use "
                    "the lease lock"
                )
            yield from _file_lock(path, timeout_s)
        else:
            yield from self._lease(timeout_s)

    @property
    def lease_name(self) -> str:
        """The registered model whose existence is the promotion lease."""
        return f"{self.name}{LEASE_SUFFIX}"

    def _read_lease(self) -> dict[str, Any] | None:
        """The lease's owner and expiry, or None when nobody holds it."""
        try:
            model = self.client.get_registered_model(self.lease_name)
        except mlflow.exceptions.MlflowException as exc:
            if _is_not_found(exc):
                return None
            raise RegistryError(
                f"model registry at {self._where()}: reading the promotion lease failed: "
                f"{exc.message}"
            ) from exc
        tags = model.tags or {}
        try:
            expires = float(tags.get("expires", "0"))
        except ValueError:
            expires = 0.0  # unreadable: expired, rather than wedging every future run
        return {"owner": tags.get("owner", "another job"), "expires": expires}

    def _take_lease(self, owner: str) -> bool:
        """Create the lease model; False when another job holds it (the atomic step)."""
        tags = {"owner": owner, "expires": str(time.time() + self.lease_s)}
        try:
            self.client.create_registered_model(
                self.lease_name,
                tags=tags,
                description=f"Promotion lease of {self.name!r} (held while a retrain "
                "changes its aliases; deleted afterwards).",
            )
        except mlflow.exceptions.MlflowException as exc:
            if _mlflow_error_code(exc) in {"RESOURCE_ALREADY_EXISTS", "ALREADY_EXISTS"}:
                return False
            raise RegistryError(
                f"model registry at {self._where()}: taking the promotion lease failed: "
                f"{exc.message}"
            ) from exc
        return True

    def _drop_lease(self) -> None:
        try:
            self.client.delete_registered_model(self.lease_name)
        except mlflow.exceptions.MlflowException as exc:
            if not _is_not_found(exc):
                raise RegistryError(
                    f"model registry at {self._where()}: releasing the promotion lease "
                    f"failed: {exc.message}"
                ) from exc

    def _lease(self, timeout_s: float) -> Iterator[None]:
        owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        deadline = time.monotonic() + timeout_s
        while not self._take_lease(owner):
            lease = self._read_lease()
            if lease is not None and lease["expires"] < time.time():
                self._drop_lease()  # a crashed job's lease: free it, then race to create
                continue
            if time.monotonic() > deadline:
                holder = lease["owner"] if lease else "another job"
                raise RegistryError(
                    f"registry {self.name!r} at {self._where()} is locked by {holder} "
                    f"(promotion lease {self.lease_name!r}); waited {timeout_s:.0f} s"
                )
            time.sleep(min(2.0, max(0.05, self.poll_s)))
        try:
            yield
        finally:
            lease = self._read_lease()
            if lease is not None and lease["owner"] == owner:
                self._drop_lease()


def _file_lock(path: Path, timeout_s: float) -> Iterator[None]:
    from filelock import FileLock, Timeout

    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path), timeout=timeout_s)
    try:
        lock.acquire()
    except Timeout as exc:
        raise RegistryError(
            f"another retrain holds the promotion lock {path}; waited {timeout_s:.0f} s"
        ) from exc
    try:
        yield
    finally:
        lock.release()
