"""The retraining job: train a challenger, compare it with the champion on the same recent
window, promote it only when it wins.

Protocol (``recommender retrain``):

1. The evaluation window is the last ``window_days`` of pairings: cut-off = latest
   ``created_at`` minus ``window_days``. Requests made in the window that have a successful
   pairing are the test set (:func:`recommender.evaluation.requests.held_out_requests`).
2. The challenger is trained on every pairing before the cut-off.
3. The challenger and the current champion (the registry alias ``champion``, loaded through
   :func:`recommender.loading.load_ranker`) are evaluated by the same time-split protocol on the
   same requests, each with its own fitted feature state, retrieval settings and embedding
   model, against the same truth labels (this run's label policy).
4. The challenger is promoted when there is no usable champion, or when it beats the champion
   on the evaluator's primary metric (NDCG@10) by more than ``margin``.
5. Both metric sets, the decision and the model are logged to one MLflow run. Only at the very
   end is the challenger registered, given the alias ``challenger`` and, if promoted,
   ``champion`` (:meth:`recommender.registry.ModelRegistry.publish`: under a promotion lock, and
   only if the champion is still the version evaluated in step 3). A run that fails or is
   interrupted before that step leaves the registry's aliases as they were.

The promoted model is the one that was evaluated (trained before the window), not a refit on
all data: the artifact that serves is exactly the artifact that was measured, and the next
retrain's window does not overlap the champion's training data, so the comparison stays fair.
Recent outcomes still reach the scores through the history features, which are computed from
every pairing at serving time. See docs/lifecycle.md.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from recommender.config import Settings, get_settings
from recommender.data.contract import Programme
from recommender.evaluation.protocol import EvaluationResult, Evaluator, evaluate_time_split
from recommender.evaluation.requests import NotEnoughDataError, held_out_requests
from recommender.features.context import FeatureContext
from recommender.features.embeddings import TextEncoder, get_encoder
from recommender.features.pairs import PairFeaturizer
from recommender.loading import encoder_for, load_ranker
from recommender.models import MentorRanker, ModelLoadError
from recommender.train.ranker import RankerConfig, train_ranker

if TYPE_CHECKING:
    from rich.console import RenderableType

Decision = Literal["promoted", "kept", "dry-run"]

#: Metrics shown side by side in the summary (the primary metric comes first).
SUMMARY_METRICS = ("ndcg@10", "recall@10", "map@10", "mrr", "ndcg@5", "recall@50")


@dataclass
class RetrainOptions:
    """How the job decides (logged to MLflow as ``retrain.*`` params)."""

    window_days: float = 90.0
    #: The challenger must beat the champion's primary metric by more than this.
    margin: float = 0.0
    experiment: str | None = None
    #: Registered model name (default: the settings' ``registered_model_name``).
    model_name: str | None = None
    #: False: evaluate and report the decision, but register nothing and move no alias.
    register: bool = True
    #: How long to wait for another job's promotion lock.
    lock_timeout_s: float = 300.0
    #: Evaluate on a random sample of this many window requests (None: all).
    max_requests: int | None = None


@dataclass
class RetrainResult:
    """What a retrain decided and why, with both sets of metrics."""

    decision: Decision
    reason: str
    model_name: str
    primary_metric: str
    greater_is_better: bool
    margin: float
    window_days: float
    cutoff: pd.Timestamp
    n_window_requests: int
    challenger_metrics: dict[str, float]
    champion_metrics: dict[str, float] | None
    best_baseline: tuple[str, float] | None
    champion_before: str | None
    champion_after: str | None
    challenger_version: str | None
    run_id: str | None
    model_uri: str | None
    data_source: str
    data_fingerprint: str
    seconds: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def promoted(self) -> bool:
        return self.decision == "promoted"

    @property
    def delta(self) -> float | None:
        """Challenger minus champion on the primary metric (None without a champion)."""
        if self.champion_metrics is None:
            return None
        return (
            self.challenger_metrics[self.primary_metric]
            - self.champion_metrics[self.primary_metric]
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "reason": self.reason,
            "model_name": self.model_name,
            "primary_metric": self.primary_metric,
            "greater_is_better": self.greater_is_better,
            "margin": self.margin,
            "delta": self.delta,
            "window_days": self.window_days,
            "cutoff": self.cutoff.isoformat(),
            "n_window_requests": self.n_window_requests,
            "challenger_metrics": self.challenger_metrics,
            "champion_metrics": self.champion_metrics,
            "best_baseline": list(self.best_baseline) if self.best_baseline else None,
            "champion_before": self.champion_before,
            "champion_after": self.champion_after,
            "challenger_version": self.challenger_version,
            "run_id": self.run_id,
            "model_uri": self.model_uri,
            "data_source": self.data_source,
            "data_fingerprint": self.data_fingerprint,
            "seconds": self.seconds,
            "warnings": self.warnings,
        }


def evaluation_cutoff(pairings: pd.DataFrame, window_days: float) -> pd.Timestamp:
    """Start of the evaluation window: the latest pairing's ``created_at`` minus the window."""
    if not window_days > 0 or not math.isfinite(window_days):
        raise ValueError(
            f"the evaluation window must be a positive number of days, got {window_days}"
        )
    if pairings.empty:
        raise NotEnoughDataError("the programme has no pairings: nothing to train or evaluate")
    latest = pd.Timestamp(pairings["created_at"].max())
    return latest - pd.Timedelta(days=window_days)


def _model_metrics(result: EvaluationResult) -> dict[str, float]:
    row = result.metrics.loc["model"].dropna().astype("float64")
    return {str(k): float(v) for k, v in row.to_dict().items()}


def _evaluate(
    ranker: MentorRanker,
    programme: Programme,
    encoder: TextEncoder,
    context: FeatureContext,
    cutoff: pd.Timestamp,
    cfg: RankerConfig,
    evaluator: Evaluator,
    max_requests: int | None,
) -> EvaluationResult:
    """The time-split protocol for one trained ranker, with its own feature state and retrieval
    settings; truth labels always come from this run's label policy."""
    return evaluate_time_split(
        programme,
        encoder,
        model=ranker,
        featurizer=ranker.featurizer,
        cutoff=cutoff,
        evaluator=evaluator,
        retrieval=ranker.retrieval,
        policy=cfg.label_policy,
        seed=cfg.seed,
        context=context,
        max_requests=max_requests,
    )


def _trained_inside_window(ranker: MentorRanker, cutoff: pd.Timestamp) -> str | None:
    """When the ranker's training data reaches into the window: a description, else None."""
    before = ranker.metadata.get("train_before")
    if before is None:
        return "all the data it was given (no cut-off recorded)"
    stamp = pd.Timestamp(before)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    return f"pairings up to {stamp:%Y-%m-%d}" if stamp > cutoff else None


def _champion_metrics(
    uri: str,
    programme: Programme,
    settings: Settings,
    encoder: TextEncoder,
    context: FeatureContext,
    cutoff: pd.Timestamp,
    cfg: RankerConfig,
    evaluator: Evaluator,
    max_requests: int | None,
    notes: list[str],
) -> dict[str, float] | None:
    """The champion's metrics on the window, evaluated with its own feature state, retrieval
    settings and embedding model; None (with a note) when this code cannot use it."""
    import mlflow

    try:
        champion = load_ranker(uri, tracking_uri=settings.mlflow_tracking_uri)
        champ_encoder = encoder_for(champion, settings, default=encoder)
    except ModelLoadError as exc:
        # The service running this code could not serve it either.
        notes.append(
            f"the champion ({uri}) is unusable with this code and is treated as absent: {exc}"
        )
        mlflow.set_tag("champion_unusable", str(exc)[:5000])
        return None
    if (leak := _trained_inside_window(champion, cutoff)) is not None:
        notes.append(
            f"the champion ({uri}) was trained on {leak}, inside the evaluation window: its "
            "window metrics are optimistic, so the comparison favours it"
        )
    if champ_encoder is not encoder or champion.featurizer.policy != cfg.label_policy:
        context = champion.featurizer.prepare(programme, champ_encoder)
    result = _evaluate(
        champion, programme, champ_encoder, context, cutoff, cfg, evaluator, max_requests
    )
    return _model_metrics(result)


def _decide(
    evaluator: Evaluator,
    challenger: dict[str, float],
    champion: dict[str, float] | None,
    champion_version: str | None,
    margin: float,
) -> tuple[bool, str]:
    """Whether the challenger wins, and why (one sentence)."""
    if champion is None:
        if champion_version is None:
            return True, "no champion yet"
        return True, f"champion version {champion_version} is unusable"
    metric = evaluator.primary_metric
    ours, theirs = challenger[metric], champion[metric]
    wins = evaluator.is_better(ours, theirs, margin)
    verb = "beats" if wins else "does not beat"
    return wins, (
        f"challenger {verb} the champion on {metric}: {ours:.4f} vs {theirs:.4f} "
        f"({ours - theirs:+.4f}, margin {margin:g})"
    )


def retrain(
    programme: Programme,
    *,
    settings: Settings | None = None,
    options: RetrainOptions | None = None,
    config: RankerConfig | None = None,
    encoder: TextEncoder | None = None,
    data_source: str = "",
) -> RetrainResult:
    """Run the champion/challenger protocol of this module on ``programme``.

    Raises NotEnoughDataError (or ValueError) for data that cannot be trained or evaluated on,
    :class:`recommender.train.tracking.TrackingError` and
    :class:`recommender.registry.RegistryError` when MLflow cannot be used. In every one of those
    cases the registry's aliases are unchanged.
    """
    from recommender.registry import CHAMPION, ModelRegistry, PublishOutcome, version_tags
    from recommender.train.tracking import (
        configure_mlflow,
        log_training,
        metric_key,
        tracked_run,
    )

    settings = settings or get_settings()
    opts = options or RetrainOptions()
    cfg = config or RankerConfig.from_settings(settings)
    name = opts.model_name or settings.registered_model_name
    evaluator = Evaluator(relevance_threshold=cfg.label_policy.success_threshold)
    primary = evaluator.primary_metric
    timings: dict[str, float] = {}
    notes: list[str] = []  # warnings for the summary
    started = time.perf_counter()

    def lap(key: str, since: float) -> float:
        now = time.perf_counter()
        timings[key] = round(now - since, 2)
        return now

    # Cheap checks first: a window with nothing to evaluate fails in seconds, not minutes.
    cutoff = evaluation_cutoff(programme.pairings, opts.window_days)
    window = held_out_requests(programme, cutoff, cfg.label_policy)
    if window.queries.empty:
        raise NotEnoughDataError(
            f"the evaluation window (the last {opts.window_days:g} days, from "
            f"{cutoff:%Y-%m-%d %H:%M} UTC) holds no mentee request with a successful pairing; "
            "widen --window-days or record more outcomes"
        )
    configure_mlflow(settings, opts.experiment)  # TrackingError, naming the URI
    registry = ModelRegistry(name, settings.mlflow_tracking_uri)
    champion_before = registry.alias_version(CHAMPION)

    outcome: PublishOutcome | None = None
    result: RetrainResult | None = None
    try:
        with tracked_run(settings, opts.experiment, run_name="retrain") as run:
            import mlflow

            run_id = str(run.info.run_id)
            mlflow.set_tags(
                {
                    "job": "retrain",
                    "data_source": data_source,
                    "champion_before": champion_before or "none",
                }
            )
            mlflow.log_params(
                {
                    "retrain.window_days": opts.window_days,
                    "retrain.margin": opts.margin,
                    "retrain.cutoff": cutoff.isoformat(),
                    "retrain.primary_metric": primary,
                    "retrain.model_name": name,
                }
            )
            t = time.perf_counter()
            encoder = encoder or get_encoder(settings)
            context = PairFeaturizer(label_policy=cfg.label_policy).prepare(programme, encoder)
            t = lap("prepare", t)
            challenger, report = train_ranker(
                programme, encoder, cfg, context=context, train_before=cutoff
            )
            challenger.metadata.update(mlflow_run_id=run_id, evaluation_cutoff=cutoff.isoformat())
            t = lap("train", t)
            ch_eval = _evaluate(
                challenger, programme, encoder, context, cutoff, cfg, evaluator, opts.max_requests
            )
            challenger_metrics = _model_metrics(ch_eval)
            t = lap("evaluate_challenger", t)

            champion_metrics = None
            if champion_before is not None:
                champion_metrics = _champion_metrics(
                    f"models:/{name}/{champion_before}",
                    programme,
                    settings,
                    encoder,
                    context,
                    cutoff,
                    cfg,
                    evaluator,
                    opts.max_requests,
                    notes,
                )
                t = lap("evaluate_champion", t)
            wins, reason = _decide(
                evaluator, challenger_metrics, champion_metrics, champion_before, opts.margin
            )
            ch_value = challenger_metrics[primary]

            logged = log_training(challenger, report, ch_eval, params=cfg.params())
            if champion_metrics is not None:
                mlflow.log_metrics(
                    {metric_key(f"champion.{k}"): v for k, v in champion_metrics.items()}
                )
                mlflow.log_metric("decision.delta", ch_value - champion_metrics[primary])
            t = lap("log", t)

            decision: Decision = "dry-run"
            champion_after = champion_before
            version = None
            if opts.register:
                version = registry.register(
                    logged,
                    tags=version_tags(
                        challenger,
                        evaluation_cutoff=cutoff.isoformat(),
                        retrain_run=run_id,
                        **{metric_key(f"window.{primary}"): f"{ch_value:.6f}"},
                    ),
                )
                # The last step: everything before it leaves the champion alone.
                outcome = registry.publish(
                    version,
                    promote=wins,
                    expected_champion=champion_before,
                    timeout_s=opts.lock_timeout_s,
                )
                champion_after = outcome.champion
                decision = "promoted" if outcome.promoted else "kept"
                if outcome.conflict:
                    reason = (
                        f"{reason}; but the champion changed during the run (version "
                        f"{champion_before or 'none'} -> {outcome.champion}), so nothing was "
                        "promoted: rerun to compare with the new champion"
                    )
                lap("publish", t)
            else:
                would = "promote the challenger" if wins else "keep the champion"
                reason = f"{reason}; would {would}, but --no-register leaves the registry as is"
            timings["total"] = round(time.perf_counter() - started, 2)
            best = ch_eval.best_baseline()
            result = RetrainResult(
                decision=decision,
                reason=reason,
                model_name=name,
                primary_metric=primary,
                greater_is_better=evaluator.greater_is_better,
                margin=opts.margin,
                window_days=opts.window_days,
                cutoff=cutoff,
                n_window_requests=ch_eval.n_requests,
                challenger_metrics=challenger_metrics,
                champion_metrics=champion_metrics,
                best_baseline=(best, float(ch_eval.metrics[primary].astype("float64")[best])),
                champion_before=champion_before,
                champion_after=champion_after,
                challenger_version=version,
                run_id=run_id,
                model_uri=logged.run_uri,
                data_source=data_source,
                data_fingerprint=str(challenger.metadata.get("data_fingerprint", "")),
                seconds=timings,
                warnings=notes,
            )
            mlflow.set_tags(
                {
                    "decision": decision,
                    "decision_reason": reason[:5000],
                    "champion_after": champion_after or "none",
                    "challenger_version": version or "none",
                }
            )
            mlflow.log_metric("decision.promoted", float(decision == "promoted"))
            mlflow.log_dict(result.to_dict(), "report/decision.json")
    except Exception as exc:
        if outcome is None or result is None:
            raise
        # The registry already holds the decision; only its record in the run is incomplete.
        result.warnings.append(
            f"the decision was applied, but recording it in MLflow failed: {exc}"
        )
    assert result is not None
    return result


# --------------------------------------------------------------------------- summary


def format_summary(result: RetrainResult) -> RenderableType:
    """A one-screen summary of a retrain for the terminal (rich)."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    colour = {"promoted": "green", "kept": "yellow", "dry-run": "cyan"}[result.decision]
    name = result.model_name
    if result.decision == "promoted":
        head = (
            f"PROMOTED: {name} version {result.challenger_version} is the champion "
            f"(was {result.champion_before or 'none'})"
        )
    elif result.decision == "kept":
        head = f"KEPT: the champion stays {name} version {result.champion_after or 'none'}"
        if result.challenger_version:
            head += f"; version {result.challenger_version} is the challenger"
    else:
        head = "DRY RUN: nothing registered, no alias moved"
    lines: list[RenderableType] = [
        Text(head, style=f"bold {colour}"),
        Text(result.reason, style=colour),
    ]
    lines.append(
        Text(
            f"evaluation window: the last {result.window_days:g} days (from "
            f"{result.cutoff:%Y-%m-%d}), {result.n_window_requests} mentee requests; challenger "
            f"trained on everything before it. data: {result.data_source} "
            f"(fingerprint {result.data_fingerprint})"
        )
    )
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("metric")
    ch_label = "challenger" + (
        f" v{result.challenger_version}" if result.challenger_version else ""
    )
    table.add_column(ch_label, justify="right")
    champ = result.champion_metrics
    if champ is not None:
        table.add_column(f"champion v{result.champion_before}", justify="right")
        table.add_column("difference", justify="right")
    shown = [result.primary_metric] + [m for m in SUMMARY_METRICS if m != result.primary_metric]
    for metric in shown:
        if metric not in result.challenger_metrics:
            continue
        value = result.challenger_metrics[metric]
        label = metric + (" (primary)" if metric == result.primary_metric else "")
        cells = [label, f"{value:.4f}"]
        if champ is not None and metric in champ:
            cells += [f"{champ[metric]:.4f}", f"{value - champ[metric]:+.4f}"]
        table.add_row(*cells, style="bold" if metric == result.primary_metric else None)
    lines.append(table)
    if result.best_baseline is not None:
        base, value = result.best_baseline
        lines.append(
            Text(f"best baseline on the window: {base}, {result.primary_metric} {value:.4f}")
        )
    lines.append(Text(f"MLflow run {result.run_id}; model {result.model_uri}"))
    secs = ", ".join(f"{k} {v:.0f} s" for k, v in result.seconds.items() if k != "total")
    lines.append(Text(f"time: {result.seconds.get('total', 0):.0f} s ({secs})"))
    for warning in result.warnings:
        lines.append(Text(f"warning: {warning}", style="yellow"))
    return Group(*lines)


def result_json(result: RetrainResult) -> str:
    """The result as JSON (``recommender retrain --json``)."""
    return json.dumps(result.to_dict(), indent=2, default=str)
