"""Honest offline evaluation: a time split, the model against baselines on the same requests.

Protocol: train on pairings created before the cut-off; for every later mentee request, rank
**all** mentors eligible at its time (available, joined, capacity left, not the mentee, not
already paired with them) and score the ranking against who actually paired successfully.
Features are computed as of each request's time, so nothing after it leaks in. Baselines rank
the same eligible pool: random, popularity, embedding cosine, skill/tag overlap, the cold-start
embedding+rules score, and, for generated data, the oracle (the hidden success probability).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from recommender.data.contract import Programme
from recommender.data.labels import LabelPolicy
from recommender.evaluation import metrics as M
from recommender.evaluation.requests import NotEnoughDataError, held_out_requests
from recommender.features.context import FeatureContext
from recommender.features.embeddings import TextEncoder
from recommender.features.history import to_seconds
from recommender.features.pairs import PairFeaturizer
from recommender.ranking.recommend import rank_requests
from recommender.ranking.retrieval import (
    RetrievalConfig,
    SignalScorer,
    eligibility,
    retrieve,
    snapshot_times,
    tie_offsets,
    top_k_columns,
)
from recommender.ranking.scoring import RulesScorer, Scorer

ORACLE = "oracle"


@dataclass(frozen=True)
class Evaluator:
    """Which metrics are computed, and which one decides (the primary metric)."""

    ks: tuple[int, ...] = (1, 5, 10, 20, 50)
    primary_metric: str = "ndcg@10"
    greater_is_better: bool = True
    relevance_threshold: float = 1.0

    def compute(
        self, truth: pd.DataFrame, predictions: pd.DataFrame, catalog: pd.Index | None = None
    ) -> dict[str, float]:
        """Every metric for one ranker (users are requests: column ``query``)."""
        names = [f"{m}@{k}" for k in self.ks for m in ("ndcg", "recall", "map")] + ["mrr"]
        if catalog is not None and len(predictions):
            names += ["coverage@10", "exposure_gini@10"]
        return M.compute_metrics(
            truth, predictions, names, catalog_items=catalog, col_user="query",
            col_item="mentor_id", col_rating="label", col_prediction="score",
            relevance_threshold=self.relevance_threshold,
        )  # fmt: skip

    def is_better(self, challenger: float, champion: float, margin: float = 0.0) -> bool:
        """Whether ``challenger`` beats ``champion`` on the primary metric by ``margin``."""
        if self.greater_is_better:
            return challenger > champion + margin
        return challenger < champion - margin


@dataclass
class EvaluationResult:
    """Metrics per ranker on one time split, plus breakdowns."""

    cutoff: pd.Timestamp
    n_requests: int
    n_mentors: int
    metrics: pd.DataFrame  # one row per ranker
    retrieval_recall: dict[str, float]
    by_group: pd.DataFrame  # ranker x group -> primary metric
    primary_metric: str
    greater_is_better: bool
    seconds: dict[str, float] = field(default_factory=dict)
    predictions: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    truth: pd.DataFrame | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "cutoff": self.cutoff.isoformat(),
            "n_requests": self.n_requests,
            "n_mentors": self.n_mentors,
            "primary_metric": self.primary_metric,
            "greater_is_better": self.greater_is_better,
            "metrics": json.loads(self.metrics.to_json(orient="index")),
            "retrieval_recall": self.retrieval_recall,
            "by_group": json.loads(self.by_group.to_json(orient="index")),
            "seconds": self.seconds,
        }

    def best_baseline(self, exclude: tuple[str, ...] = ("model", ORACLE)) -> str:
        rows = self.metrics.drop(index=[e for e in exclude if e in self.metrics.index])
        col = rows[self.primary_metric]
        return str(col.idxmax() if self.greater_is_better else col.idxmin())


def default_cutoff(pairings: pd.DataFrame, test_fraction: float = 0.15) -> pd.Timestamp:
    """The time after which the last ``test_fraction`` of pairings were created."""
    if pairings.empty:
        raise NotEnoughDataError("the programme has no pairings: nothing to evaluate")
    secs = to_seconds(pairings["created_at"])
    return pd.Timestamp(int(np.quantile(secs, 1 - test_fraction)), unit="s", tz="UTC")


def read_oracle(directory: Path) -> tuple[pd.DataFrame, pd.Timestamp | None]:
    """The generator's oracle: true success probabilities and the hold-out start."""
    directory = Path(directory)
    probs = pd.read_parquet(directory / "success_probability.parquet")
    cutoff = None
    meta_path = directory / "meta.json"
    if meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        for key in ("cutoff", "holdout_start", "holdout_cutoff"):
            if meta.get(key):
                cutoff = pd.Timestamp(meta[key])
                cutoff = cutoff.tz_localize("UTC") if cutoff.tzinfo is None else cutoff
                break
    return probs, cutoff


def _signal_rankings(
    context: FeatureContext,
    queries: pd.DataFrame,
    k: int,
    retrieval: RetrievalConfig,
    seed: int,
    oracle: pd.DataFrame | None,
) -> dict[str, pd.DataFrame]:
    """Each single-signal baseline ranking the whole eligible pool, top-k per query."""
    rng = np.random.default_rng(seed)
    mentor_ids = context.mentors.index.to_numpy(dtype=object)
    oracle_lookup = None
    if oracle is not None:
        oracle_lookup = oracle.set_index(["mentee_id", "mentor_id"])["p_success"]
    collected: dict[str, list[pd.DataFrame]] = {}
    snaps = snapshot_times(queries["as_of"], retrieval.snapshot_days)
    for snap in np.unique(snaps):
        scorer = SignalScorer(context, int(snap), retrieval.recent_days)
        batch = np.flatnonzero(snaps == snap)
        for lo in range(0, len(batch), retrieval.chunk):
            rows = batch[lo : lo + retrieval.chunk]
            q = queries.iloc[rows]
            mpos = context.mentee_positions(q["mentee_id"])
            mask = eligibility(context, q)
            signals: list[tuple[str, np.ndarray]] = [
                ("random", rng.random((len(rows), len(mentor_ids)))),
                ("popularity", scorer.popularity(len(rows))),
                ("embedding-cosine", scorer.embedding(mpos)),
                ("skill-overlap", scorer.skill_overlap(mpos)),
            ]
            if oracle_lookup is not None:
                signals.append((ORACLE, _oracle_scores(oracle_lookup, q, mentor_ids)))
            for name, values in signals:
                scores = np.where(mask, values, -np.inf)
                kk = min(k, scores.shape[1])
                part = top_k_columns(scores, kk, tie_offsets(q["mentee_id"]))
                r = np.repeat(np.arange(len(rows)), part.shape[1])
                c = part.ravel()
                ok = c >= 0
                s = scores[r, np.where(ok, c, 0)]
                collected.setdefault(name, []).append(
                    pd.DataFrame(
                        {
                            "query": q["query"].to_numpy()[r[ok]],
                            "mentor_id": mentor_ids[c[ok]],
                            "score": s[ok],
                        }
                    )
                )
    return {name: pd.concat(parts, ignore_index=True) for name, parts in collected.items()}


def _oracle_scores(lookup: pd.Series, q: pd.DataFrame, mentor_ids: np.ndarray) -> np.ndarray:
    idx = pd.MultiIndex.from_arrays(
        [
            np.repeat(q["mentee_id"].to_numpy(dtype=object), len(mentor_ids)),
            np.tile(mentor_ids, len(q)),
        ]
    )
    values = lookup.reindex(idx).to_numpy(dtype=np.float64)
    return np.nan_to_num(values, nan=-1.0).reshape(len(q), len(mentor_ids))


def evaluate_time_split(
    programme: Programme,
    encoder: TextEncoder,
    *,
    model: Scorer | None = None,
    featurizer: PairFeaturizer | None = None,
    train: Callable[[Programme, FeatureContext, pd.Timestamp], tuple[Scorer, PairFeaturizer]]
    | None = None,
    cutoff: pd.Timestamp | None = None,
    oracle_dir: Path | None = None,
    evaluator: Evaluator | None = None,
    retrieval: RetrievalConfig | None = None,
    policy: LabelPolicy | None = None,
    max_requests: int | None = None,
    seed: int = 42,
    context: FeatureContext | None = None,
) -> EvaluationResult:
    """Run the time-split protocol. Either pass a trained ``model`` with its ``featurizer``, or
    a ``train`` callback that trains on the data before the cut-off (the usual case)."""
    policy = policy or LabelPolicy()
    ev = evaluator or Evaluator(relevance_threshold=policy.success_threshold)
    retrieval = retrieval or RetrievalConfig()
    timings: dict[str, float] = {}
    oracle = None
    if oracle_dir is not None and (Path(oracle_dir) / "success_probability.parquet").exists():
        oracle, oracle_cutoff = read_oracle(Path(oracle_dir))
        cutoff = cutoff or oracle_cutoff
    cutoff = cutoff or default_cutoff(programme.pairings)
    reqs = held_out_requests(programme, cutoff, policy)
    if max_requests is not None and len(reqs.queries) > max_requests:
        pick = np.sort(
            np.random.default_rng(seed).choice(len(reqs.queries), max_requests, replace=False)
        )
        mask = np.zeros(len(reqs.queries), dtype=bool)
        mask[pick] = True
        reqs = reqs.subset(mask)
    if reqs.queries.empty:
        raise NotEnoughDataError(
            f"no mentee request after the cut-off {cutoff:%Y-%m-%d %H:%M} UTC has a successful "
            "pairing, so the time split has nothing to score rankings against (choose an "
            "earlier cut-off, or train without the evaluation: --no-evaluate)"
        )

    t0 = time.perf_counter()
    base_featurizer = featurizer or PairFeaturizer(label_policy=policy).fit(programme, cutoff)
    context = context or base_featurizer.prepare(programme, encoder)
    timings["prepare"] = time.perf_counter() - t0
    if model is None and train is not None:
        t1 = time.perf_counter()
        model, base_featurizer = train(programme, context, cutoff)
        timings["train"] = time.perf_counter() - t1

    k = max(ev.ks)
    t2 = time.perf_counter()
    predictions = _signal_rankings(context, reqs.queries, k, retrieval, seed, oracle)
    timings["baselines"] = time.perf_counter() - t2
    rankers: dict[str, Scorer] = {"embedding+rules": RulesScorer()}
    if model is not None:
        rankers["model"] = model
    for name, scorer in rankers.items():
        t3 = time.perf_counter()
        ranked = rank_requests(
            scorer, base_featurizer, context, reqs.queries, k, retrieval,
            progress=f"ranking test requests: {name}",
        )  # fmt: skip
        predictions[name] = ranked[["query", "mentor_id", "score"]]
        timings[f"rank[{name}]"] = time.perf_counter() - t3

    catalog = context.mentors.index
    rows = {name: ev.compute(reqs.truth, preds, catalog) for name, preds in predictions.items()}
    table = pd.DataFrame.from_dict(rows, orient="index")
    order = [n for n in ("model", ORACLE, "embedding+rules") if n in table.index]
    table = table.loc[order + sorted(set(table.index) - set(order))]

    cands = retrieve(context, reqs.queries, retrieval)
    cands["query"] = reqs.queries["query"].to_numpy()[cands["query"].to_numpy()]
    relevant = reqs.truth[reqs.truth["label"] >= policy.success_threshold]
    found = relevant.merge(
        cands[["query", "mentor_id"]], on=["query", "mentor_id"], how="left", indicator=True
    )
    retrieval_recall = {
        "recall": float((found["_merge"] == "both").mean()),
        "mean_candidates": float(cands.groupby("query").size().mean()),
    }

    groups = context.mentees["group"].reindex(reqs.queries["mentee_id"]).fillna("(none)")
    group_of_query = pd.Series(groups.to_numpy(), index=reqs.queries["query"])
    by_group: dict[str, dict[str, float]] = {}
    for name, preds in predictions.items():
        per_user = M.ndcg_at_k_per_user(
            reqs.truth, preds, 10, col_user="query", col_item="mentor_id", col_rating="label",
            col_prediction="score", relevance_threshold=policy.success_threshold,
        )  # fmt: skip
        means = per_user.groupby(group_of_query.reindex(per_user.index)).mean()
        by_group[name] = {str(g): float(v) for g, v in means.items()}
    return EvaluationResult(
        cutoff=cutoff,
        n_requests=len(reqs.queries),
        n_mentors=len(catalog),
        metrics=table,
        retrieval_recall=retrieval_recall,
        by_group=pd.DataFrame.from_dict(by_group, orient="index"),
        primary_metric=ev.primary_metric,
        greater_is_better=ev.greater_is_better,
        seconds={k_: round(v, 2) for k_, v in timings.items()},
        predictions=predictions,
        truth=reqs.truth,
    )
