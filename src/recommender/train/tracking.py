"""MLflow tracking of training runs: params, data fingerprint, metrics, plots, the model.

The tracking URI comes from the settings (a local SQLite store by default). Nothing is set at
import time; :func:`configure_mlflow` is called by the code that logs.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from recommender.config import Settings

if TYPE_CHECKING:
    from recommender.evaluation.protocol import EvaluationResult
    from recommender.models import MentorRanker
    from recommender.registry import LoggedRanker
    from recommender.train.ranker import TrainReport


class TrackingError(RuntimeError):
    """The tracking server or store could not be used (the message says which and why)."""


def metric_key(name: str) -> str:
    """MLflow-safe metric name: ``ndcg@10`` -> ``ndcg_at_10``."""
    return re.sub(r"[^A-Za-z0-9_\-. /]", "_", name.replace("@", "_at_"))


def configure_mlflow(settings: Settings, experiment: str | None = None) -> str:
    """Point MLflow at the configured store and return the experiment id (created if new,
    with its artifacts under ``settings.mlflow_artifact_root`` for a local store)."""
    import mlflow

    from recommender.registry import RegistryError, check_reachable, redact_uri

    uri = settings.mlflow_tracking_uri
    try:
        # A down server otherwise costs minutes of MLflow's retries before any error.
        check_reachable(uri)
    except RegistryError as exc:
        raise TrackingError(str(exc)) from exc
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(uri)
    name = experiment or settings.experiment_name
    try:
        found = mlflow.get_experiment_by_name(name)
        if found is not None:
            return str(found.experiment_id)
        location = None
        if not uri.startswith(("http://", "https://", "databricks")):
            root = settings.mlflow_artifact_root.resolve()
            root.mkdir(parents=True, exist_ok=True)
            location = root.as_uri()
        return str(mlflow.create_experiment(name, artifact_location=location))
    except Exception as exc:  # MLflow raises many types for an unreachable store
        raise TrackingError(f"cannot use MLflow tracking at {redact_uri(uri)}: {exc}") from exc


def _plot_importance(report: TrainReport, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from recommender.train.ranker import importance_frame

    imp = importance_frame(report).head(25).iloc[::-1]
    fig, ax = plt.subplots(figsize=(7, 7))
    ax.barh(imp["feature"], imp["gain"])
    ax.set_xlabel("total gain")
    ax.set_title("Feature importance (LightGBM gain)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_metric_curves(result: EvaluationResult, path: Path) -> None:
    """NDCG@k and recall@k against k for the model and every baseline."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = result.metrics
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, metric in zip(axes, ("ndcg", "recall"), strict=True):
        cols = [c for c in table.columns if c.startswith(f"{metric}@")]
        ks = [int(c.split("@")[1]) for c in cols]
        for name, row in table.iterrows():
            style = "-" if name == "model" else "--"
            ax.plot(ks, row[cols].to_numpy(), style, marker="o", label=str(name))
        ax.set_xlabel("k")
        ax.set_ylabel(f"{metric}@k")
        ax.set_xscale("log")
        ax.set_title(f"{metric.upper()}@k, time split at {result.cutoff:%Y-%m-%d}")
        ax.grid(alpha=0.3)
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


@contextmanager
def tracked_run(
    settings: Settings, experiment: str | None = None, run_name: str | None = None
) -> Iterator[Any]:
    """An active MLflow run on the configured store (raises TrackingError if unusable)."""
    import mlflow

    experiment_id = configure_mlflow(settings, experiment)
    try:
        run = mlflow.start_run(experiment_id=experiment_id, run_name=run_name)
    except Exception as exc:
        raise TrackingError(f"cannot start an MLflow run: {exc}") from exc
    # With a tracking server MLflow writes "View run at ..." links to stdout when a run ends,
    # which would corrupt the commands' --json output (they print the run id themselves).
    quiet = "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT"
    before = os.environ.get(quiet)
    os.environ[quiet] = "true"
    try:
        with run:
            yield run
    finally:
        if before is None:
            os.environ.pop(quiet, None)
        else:
            os.environ[quiet] = before


def log_training(
    ranker: MentorRanker,
    report: TrainReport,
    evaluation: EvaluationResult | None = None,
    params: dict[str, Any] | None = None,
) -> LoggedRanker:
    """Log one training run's params, metrics, plots and the ranker (as the pyfunc model
    ``model``, see :mod:`recommender.registry`) to the active run."""
    import mlflow

    from recommender.registry import log_ranker_model

    mlflow.log_params({k: v for k, v in (params or {}).items() if v is not None})
    mlflow.set_tags(
        {
            "data_fingerprint": ranker.metadata.get("data_fingerprint", ""),
            "embedding_model": json.dumps(ranker.embedding_model, sort_keys=True),
            "feature_version": ranker.featurizer.feature_version_,
        }
    )
    metrics = {metric_key(k): v for k, v in report.valid_metrics.items()}
    metrics["best_iteration"] = float(report.best_iteration)
    metrics.update({f"train_seconds_{k}": v for k, v in report.seconds.items()})
    if evaluation is not None:
        for ranker_name, row in evaluation.metrics.iterrows():
            prefix = "test" if ranker_name == "model" else f"baseline.{ranker_name}"
            for metric, value in row.items():
                if pd.notna(value):
                    metrics[metric_key(f"{prefix}.{metric}")] = float(value)
        metrics["test.retrieval_recall"] = evaluation.retrieval_recall["recall"]
    mlflow.log_metrics(metrics)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        _plot_importance(report, out / "feature_importance.png")
        (out / "train_report.json").write_text(
            json.dumps(report.__dict__, indent=2, default=str), encoding="utf-8"
        )
        if evaluation is not None:
            plot_metric_curves(evaluation, out / "metrics_at_k.png")
            (out / "evaluation.json").write_text(
                json.dumps(evaluation.to_dict(), indent=2), encoding="utf-8"
            )
        mlflow.log_artifacts(str(out), artifact_path="report")
    return log_ranker_model(ranker)
