"""The training job: load, evaluate on a time split, fit on everything, save, track.

``recommender train`` is a thin wrapper around :func:`run_training`; the retraining job and
notebooks call the same stages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from recommender.config import Settings, get_settings
from recommender.data.contract import Programme
from recommender.evaluation.protocol import EvaluationResult, evaluate_time_split
from recommender.features.context import FeatureContext
from recommender.features.embeddings import TextEncoder, get_encoder
from recommender.features.pairs import PairFeaturizer
from recommender.models import MentorRanker
from recommender.train.ranker import RankerConfig, TrainReport, train_ranker


@dataclass
class TrainOutcome:
    """What a training job produced."""

    ranker: MentorRanker
    report: TrainReport
    evaluation: EvaluationResult | None
    model_dir: Path
    run_id: str | None
    model_uri: str | None = None  # runs:/<run_id>/model when tracked
    model_version: str | None = None  # registry version when registered


def evaluate_with_fresh_model(
    programme: Programme,
    encoder: TextEncoder,
    config: RankerConfig,
    *,
    cutoff: pd.Timestamp | None = None,
    oracle_dir: Path | None = None,
    context: FeatureContext | None = None,
    max_requests: int | None = None,
) -> EvaluationResult:
    """The time-split protocol with a model trained only on data before the cut-off."""

    def train(
        p: Programme, ctx: FeatureContext, cut: pd.Timestamp
    ) -> tuple[MentorRanker, PairFeaturizer]:
        ranker, _ = train_ranker(p, encoder, config, context=ctx, train_before=cut)
        return ranker, ranker.featurizer

    return evaluate_time_split(
        programme,
        encoder,
        train=train,
        cutoff=cutoff,
        oracle_dir=oracle_dir,
        retrieval=config.retrieval,
        policy=config.label_policy,
        seed=config.seed,
        context=context,
        max_requests=max_requests,
    )


def run_training(
    programme: Programme,
    model_out: Path,
    *,
    settings: Settings | None = None,
    config: RankerConfig | None = None,
    experiment: str | None = None,
    evaluate: bool = True,
    track: bool = True,
    oracle_dir: Path | None = None,
    encoder: TextEncoder | None = None,
    register: bool = True,
) -> TrainOutcome:
    """Evaluate (time split, model vs baselines), fit on every pairing, save the model folder
    and log the run to MLflow, registering the model as ``settings.registered_model_name``
    (no alias is set: promotion is the retraining job's decision). The model folder is written
    only after training and tracking succeeded."""
    settings = settings or get_settings()
    cfg = config or RankerConfig.from_settings(settings)
    if track:
        from recommender.train.tracking import configure_mlflow

        # An unusable tracking store fails here, before minutes of training.
        configure_mlflow(settings, experiment)
    encoder = encoder or get_encoder(settings)
    context = None
    evaluation = None
    if evaluate:
        context = PairFeaturizer(label_policy=cfg.label_policy).prepare(programme, encoder)
        evaluation = evaluate_with_fresh_model(
            programme, encoder, cfg, oracle_dir=oracle_dir, context=context
        )
    ranker, report = train_ranker(programme, encoder, cfg, context=context)
    run_id = model_uri = model_version = None
    if track:
        from recommender.registry import ModelRegistry, RegistryError, version_tags
        from recommender.train.tracking import TrackingError, log_training, tracked_run

        with tracked_run(settings, experiment, run_name="train") as run:
            ranker.metadata["mlflow_run_id"] = run.info.run_id
            logged = log_training(ranker, report, evaluation, params=cfg.params())
            run_id, model_uri = str(run.info.run_id), logged.run_uri
            if register:
                registry = ModelRegistry(
                    settings.registered_model_name, settings.mlflow_tracking_uri
                )
                try:
                    model_version = registry.register(logged, tags=version_tags(ranker))
                except RegistryError as exc:
                    raise TrackingError(str(exc)) from exc
    # Only now, with training and tracking done, replace the previous model folder.
    ranker.save(model_out)
    return TrainOutcome(
        ranker, report, evaluation, Path(model_out), run_id, model_uri, model_version
    )
