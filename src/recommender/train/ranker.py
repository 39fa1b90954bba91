"""Train the LightGBM LambdaRank re-ranker on past pairing outcomes."""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from recommender.config import Settings
from recommender.data.contract import Programme
from recommender.data.labels import LabelPolicy
from recommender.evaluation.requests import NotEnoughDataError, Requests, build_requests
from recommender.features.context import FeatureContext
from recommender.features.embeddings import TextEncoder
from recommender.features.pairs import PairFeaturizer
from recommender.feedback.sentiment import fit_on_pairings
from recommender.models import MentorRanker
from recommender.progress import task
from recommender.ranking.retrieval import RetrievalConfig
from recommender.train.dataset import ranking_set, training_candidates


@dataclass
class RankerConfig:
    """Hyper-parameters of training (logged to MLflow as params)."""

    n_estimators: int = 400
    learning_rate: float = 0.05
    num_leaves: int = 15
    # Strong leaf minimum: a mentor's history features can otherwise memorise individuals.
    min_child_samples: int = 50
    reg_lambda: float = 1.0
    subsample: float = 0.8
    colsample_bytree: float = 0.8
    early_stopping_rounds: int = 40
    validation_fraction: float = 0.15
    n_hard_negatives: int = 50
    n_random_negatives: int = 10
    request_gap_days: float = 60.0
    seed: int = 42
    num_threads: int = 2
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
    label_policy: LabelPolicy = field(default_factory=LabelPolicy)

    @classmethod
    def from_settings(cls, settings: Settings) -> RankerConfig:
        """The configuration a job run with ``settings`` uses (threads, seed, label option)."""
        return cls(
            num_threads=settings.num_threads,
            seed=settings.seed,
            label_policy=LabelPolicy(use_feedback_sentiment=settings.label_use_sentiment),
        )

    def params(self) -> dict[str, Any]:
        flat = {k: v for k, v in asdict(self).items() if k not in ("retrieval", "label_policy")}
        flat.update({f"retrieval.{k}": v for k, v in asdict(self.retrieval).items()})
        flat["label_policy.use_feedback_sentiment"] = self.label_policy.use_feedback_sentiment
        return flat


@dataclass
class TrainReport:
    """What happened during training (sizes, timings, validation metrics)."""

    n_train_queries: int
    n_valid_queries: int
    n_train_rows: int
    n_valid_rows: int
    best_iteration: int
    valid_metrics: dict[str, float]
    seconds: dict[str, float]
    feature_importance: dict[str, float]


def fingerprint(programme: Programme) -> str:
    """A short hash of the programme's content (logged with every run)."""
    h = hashlib.sha256()
    for name in ("mentors", "mentees", "pairings"):
        frame = programme.table(name)
        h.update(name.encode())
        h.update(pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy().tobytes())
    return h.hexdigest()[:16]


def train_ranker(
    programme: Programme,
    encoder: TextEncoder,
    config: RankerConfig | None = None,
    *,
    context: FeatureContext | None = None,
    train_before: pd.Timestamp | None = None,
) -> tuple[MentorRanker, TrainReport]:
    """Fit the featurizer and a LambdaRank booster on requests made before ``train_before``
    (all of them when None), with early stopping on the latest requests (a time split)."""
    import lightgbm as lgb

    cfg = config or RankerConfig()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    featurizer = PairFeaturizer(label_policy=cfg.label_policy).fit(programme, as_of=train_before)
    if context is None:
        context = featurizer.prepare(programme, encoder)
    timings["prepare"] = time.perf_counter() - t0

    pairings = programme.pairings
    if train_before is not None:
        pairings = pairings[pairings["created_at"] < train_before]
    t_sentiment = time.perf_counter()
    sentiment = fit_on_pairings(pairings, encoder)
    timings["sentiment"] = time.perf_counter() - t_sentiment
    targets = pairings
    if cfg.label_policy.use_feedback_sentiment:
        # Targets only: history features keep the recorded ratings, so serving needs no
        # sentiment to build them (docs/feedback.md).
        targets = pairings.assign(sentiment=sentiment.score_pairings(pairings, encoder))
    requests = build_requests(targets, cfg.label_policy, cfg.request_gap_days)
    labelled = requests.truth.groupby("query")["label"].max()
    positive_queries = int((labelled >= 1).sum())
    if positive_queries < 2:
        raise NotEnoughDataError(
            f"cannot train: the programme has {positive_queries} mentee request(s) with a "
            "successful pairing (at least 2 are needed, more for a useful model); record more "
            "outcomes or use the embedding+rules ranking until then"
        )
    n_valid = round(len(requests.queries) * cfg.validation_fraction)
    n_valid = min(max(n_valid, 1), len(requests.queries) - 1)
    order = requests.queries["as_of"].rank(method="first").to_numpy()
    is_valid = order > len(requests.queries) - n_valid

    t1 = time.perf_counter()
    sets = {}
    for name, mask in (("train", ~is_valid), ("valid", is_valid)):
        part: Requests = requests.subset(mask)
        cands = training_candidates(
            context,
            part,
            cfg.retrieval,
            cfg.n_hard_negatives,
            cfg.n_random_negatives,
            cfg.seed,
        )
        sets[name] = ranking_set(featurizer, context, cands)
    timings["features"] = time.perf_counter() - t1
    train, valid = sets["train"], sets["valid"]
    if len(train.groups) == 0:
        raise NotEnoughDataError(
            "cannot train: no request before the validation period has a successful mentor "
            "among its candidates"
        )

    t2 = time.perf_counter()
    model = lgb.LGBMRanker(
        objective="lambdarank",
        n_estimators=cfg.n_estimators,
        learning_rate=cfg.learning_rate,
        num_leaves=cfg.num_leaves,
        min_child_samples=cfg.min_child_samples,
        reg_lambda=cfg.reg_lambda,
        subsample=cfg.subsample,
        subsample_freq=1,
        colsample_bytree=cfg.colsample_bytree,
        random_state=cfg.seed,
        n_jobs=cfg.num_threads,
        deterministic=True,
        force_row_wise=True,
        verbose=-1,
    )
    callbacks: list[Any] = []
    fit_kwargs: dict[str, Any] = {"group": train.groups, "callbacks": callbacks}
    if len(valid.groups):
        fit_kwargs.update(
            eval_X=(valid.features,),
            eval_y=(valid.labels,),
            eval_group=[valid.groups],
            eval_at=[5, 10],
        )
        callbacks.append(lgb.early_stopping(cfg.early_stopping_rounds, verbose=False))
    with task("training LambdaRank trees", cfg.n_estimators) as bar:
        callbacks.append(lambda env: bar.advance(bar.task_ids[0]))
        model.fit(train.features, train.labels, **fit_kwargs)
    timings["fit"] = time.perf_counter() - t2
    booster = model.booster_
    best = int(model.best_iteration_ or cfg.n_estimators)
    if best and best < booster.current_iteration():
        booster = lgb.Booster(model_str=booster.model_to_string(num_iteration=best))
    valid_metrics: dict[str, float] = {}
    for metric, value in (model.best_score_.get("valid_0", {}) or {}).items():
        valid_metrics[f"valid_{metric}"] = float(value)
    gains = booster.feature_importance(importance_type="gain")
    importance = dict(zip(featurizer.feature_names_, (float(g) for g in gains), strict=True))

    encoder_info: dict[str, Any] = {"model_id": encoder.model_id, "dimension": encoder.dimension}
    info = getattr(encoder, "info", None)
    if callable(info):
        encoder_info.update(info())
    ranker = MentorRanker(
        featurizer=featurizer,
        booster=booster,
        retrieval=cfg.retrieval,
        metadata={
            "trained_at": datetime.now(UTC).isoformat(),
            "train_before": None if train_before is None else train_before.isoformat(),
            "data_fingerprint": fingerprint(programme),
            "embedding_model": encoder_info,
            "params": cfg.params(),
            "valid_metrics": valid_metrics,
            "best_iteration": best,
            "sentiment": sentiment.description,
        },
        sentiment=sentiment,
    )
    report = TrainReport(
        n_train_queries=len(train.groups),
        n_valid_queries=len(valid.groups),
        n_train_rows=len(train.labels),
        n_valid_rows=len(valid.labels),
        best_iteration=best,
        valid_metrics=valid_metrics,
        seconds={k: round(v, 2) for k, v in timings.items()},
        feature_importance=importance,
    )
    return ranker, report


def importance_frame(report: TrainReport) -> pd.DataFrame:
    """Feature importance (gain) sorted descending."""
    return (
        pd.DataFrame(
            {
                "feature": list(report.feature_importance),
                "gain": np.array(list(report.feature_importance.values())),
            }
        )
        .sort_values("gain", ascending=False)
        .reset_index(drop=True)
    )
