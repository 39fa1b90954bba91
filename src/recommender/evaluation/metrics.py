"""Ranking and recommendation metrics: pure functions over pandas DataFrames.

Conventions shared by every function here:

* ``truth`` holds one row per (user, item) with a graded relevance label (columns ``col_user``,
  ``col_item``, ``col_rating``; by default ``mentee_id``, ``mentor_id``, ``label``). A row is
  *relevant* when its label is ``>= relevance_threshold`` (default: the label policy's
  ``success_threshold``). NDCG uses the graded label of relevant rows as gain ``2**label - 1``;
  rows below the threshold have gain 0, so "relevant" means the same thing for every metric.
* ``predictions`` holds one row per (user, item) with a score (``col_prediction``, default
  ``score``). Each user's ranking is by score, highest first; equal scores are ordered by item id
  ascending, so results never depend on row order.
* The users evaluated are those with at least one relevant item in ``truth``; every per-user
  value is averaged over exactly them. Users without a relevant item are excluded (their recall
  and NDCG are undefined). A user with relevant items but no predictions was not served and
  scores 0 on every metric; a relevant item missing from the user's predictions is a miss, and
  still counts in the ideal DCG and in recall's denominator. Users that appear only in
  ``predictions`` are ignored. With no user to evaluate, means are NaN and per-user Series empty.
* Every ``*_per_user`` function returns a float Series indexed by the evaluated users (sorted,
  index named ``col_user``), for per-group breakdowns and confidence intervals
  (:mod:`recommender.evaluation.breakdowns`).

Bad input (a missing column, a missing id/label/score, a non-numeric label or score, the same
(user, item) twice, ``k < 1``) raises ``ValueError`` naming the frame, the column and the first
offending row's index label. Computation is vectorised: ranking sorts each user's scores once
(shared by all metrics in :func:`compute_metrics`), and every metric is a few ``bincount``
passes over the relevant truth rows.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recommender.data.labels import DEFAULT_LABEL_POLICY
from recommender.evaluation._kernels import (
    _ap_kernel,
    _check_k,
    _check_threshold,
    _exposure,
    _gini,
    _hit_rate_kernel,
    _Kernel,
    _label,
    _mean,
    _ndcg_kernel,
    _per_user,
    _precision_kernel,
    _prepare,
    _rank,
    _recall_kernel,
    _Relevant,
    _relevant,
    _require_columns,
    _rr_kernel,
)

__all__ = [
    "COL_ITEM",
    "COL_PREDICTION",
    "COL_RANK",
    "COL_RATING",
    "COL_USER",
    "DEFAULT_K",
    "DEFAULT_METRICS",
    "DEFAULT_RELEVANCE_THRESHOLD",
    "GREATER_IS_BETTER",
    "METRICS",
    "PRIMARY_METRIC",
    "MetricSpec",
    "catalog_coverage",
    "compute_metrics",
    "exposure_gini",
    "hit_rate_at_k",
    "hit_rate_at_k_per_user",
    "map_at_k",
    "map_at_k_per_user",
    "mrr",
    "mrr_per_user",
    "ndcg_at_k",
    "ndcg_at_k_per_user",
    "parse_metric",
    "per_user_metrics",
    "precision_at_k",
    "precision_at_k_per_user",
    "recall_at_k",
    "recall_at_k_per_user",
    "top_k",
]

COL_USER = "mentee_id"
COL_ITEM = "mentor_id"
COL_RATING = "label"
COL_PREDICTION = "score"
COL_RANK = "rank"
DEFAULT_K = 10
#: Labels at or above this count as relevant; the label policy's definition of a success.
DEFAULT_RELEVANCE_THRESHOLD: float = DEFAULT_LABEL_POLICY.success_threshold


# --------------------------------------------------------------------------------------------
# Public ranking metrics
# --------------------------------------------------------------------------------------------


def recall_at_k_per_user(
    truth: pd.DataFrame,
    predictions: pd.DataFrame,
    k: int = DEFAULT_K,
    *,
    col_user: str = COL_USER,
    col_item: str = COL_ITEM,
    col_rating: str = COL_RATING,
    col_prediction: str = COL_PREDICTION,
    relevance_threshold: float = DEFAULT_RELEVANCE_THRESHOLD,
) -> pd.Series:
    """Per-user values of :func:`recall_at_k`."""
    return _per_user(
        _recall_kernel, "recall", truth, predictions, _check_k(k), col_user, col_item,
        col_rating, col_prediction, relevance_threshold,
    )  # fmt: skip


def recall_at_k(
    truth: pd.DataFrame,
    predictions: pd.DataFrame,
    k: int = DEFAULT_K,
    *,
    col_user: str = COL_USER,
    col_item: str = COL_ITEM,
    col_rating: str = COL_RATING,
    col_prediction: str = COL_PREDICTION,
    relevance_threshold: float = DEFAULT_RELEVANCE_THRESHOLD,
) -> float:
    """Mean over users of (relevant items in the top k) / (all the user's relevant items).

    Reaches 1 only when a user has at most k relevant items. See the module docstring for the
    conventions on users, ties and missing predictions.
    """
    return _mean(
        recall_at_k_per_user(
            truth, predictions, k, col_user=col_user, col_item=col_item, col_rating=col_rating,
            col_prediction=col_prediction, relevance_threshold=relevance_threshold,
        )
    )  # fmt: skip


def precision_at_k_per_user(
    truth: pd.DataFrame,
    predictions: pd.DataFrame,
    k: int = DEFAULT_K,
    *,
    col_user: str = COL_USER,
    col_item: str = COL_ITEM,
    col_rating: str = COL_RATING,
    col_prediction: str = COL_PREDICTION,
    relevance_threshold: float = DEFAULT_RELEVANCE_THRESHOLD,
) -> pd.Series:
    """Per-user values of :func:`precision_at_k`."""
    return _per_user(
        _precision_kernel, "precision", truth, predictions, _check_k(k), col_user, col_item,
        col_rating, col_prediction, relevance_threshold,
    )  # fmt: skip


def precision_at_k(
    truth: pd.DataFrame,
    predictions: pd.DataFrame,
    k: int = DEFAULT_K,
    *,
    col_user: str = COL_USER,
    col_item: str = COL_ITEM,
    col_rating: str = COL_RATING,
    col_prediction: str = COL_PREDICTION,
    relevance_threshold: float = DEFAULT_RELEVANCE_THRESHOLD,
) -> float:
    """Mean over users of (relevant items in the top k) / k.

    Divides by k even when fewer than k items were ranked, so a short list is not rewarded.
    """
    return _mean(
        precision_at_k_per_user(
            truth, predictions, k, col_user=col_user, col_item=col_item, col_rating=col_rating,
            col_prediction=col_prediction, relevance_threshold=relevance_threshold,
        )
    )  # fmt: skip


def hit_rate_at_k_per_user(
    truth: pd.DataFrame,
    predictions: pd.DataFrame,
    k: int = DEFAULT_K,
    *,
    col_user: str = COL_USER,
    col_item: str = COL_ITEM,
    col_rating: str = COL_RATING,
    col_prediction: str = COL_PREDICTION,
    relevance_threshold: float = DEFAULT_RELEVANCE_THRESHOLD,
) -> pd.Series:
    """Per-user values of :func:`hit_rate_at_k` (1.0 or 0.0)."""
    return _per_user(
        _hit_rate_kernel, "hit_rate", truth, predictions, _check_k(k), col_user, col_item,
        col_rating, col_prediction, relevance_threshold,
    )  # fmt: skip


def hit_rate_at_k(
    truth: pd.DataFrame,
    predictions: pd.DataFrame,
    k: int = DEFAULT_K,
    *,
    col_user: str = COL_USER,
    col_item: str = COL_ITEM,
    col_rating: str = COL_RATING,
    col_prediction: str = COL_PREDICTION,
    relevance_threshold: float = DEFAULT_RELEVANCE_THRESHOLD,
) -> float:
    """Fraction of users with at least one relevant item in their top k."""
    return _mean(
        hit_rate_at_k_per_user(
            truth, predictions, k, col_user=col_user, col_item=col_item, col_rating=col_rating,
            col_prediction=col_prediction, relevance_threshold=relevance_threshold,
        )
    )  # fmt: skip


def mrr_per_user(
    truth: pd.DataFrame,
    predictions: pd.DataFrame,
    k: int | None = None,
    *,
    col_user: str = COL_USER,
    col_item: str = COL_ITEM,
    col_rating: str = COL_RATING,
    col_prediction: str = COL_PREDICTION,
    relevance_threshold: float = DEFAULT_RELEVANCE_THRESHOLD,
) -> pd.Series:
    """Per-user values of :func:`mrr` (the reciprocal rank)."""
    return _per_user(
        _rr_kernel, "mrr", truth, predictions, _check_k(k, optional=True), col_user, col_item,
        col_rating, col_prediction, relevance_threshold,
    )  # fmt: skip


def mrr(
    truth: pd.DataFrame,
    predictions: pd.DataFrame,
    k: int | None = None,
    *,
    col_user: str = COL_USER,
    col_item: str = COL_ITEM,
    col_rating: str = COL_RATING,
    col_prediction: str = COL_PREDICTION,
    relevance_threshold: float = DEFAULT_RELEVANCE_THRESHOLD,
) -> float:
    """Mean reciprocal rank: mean over users of 1 / (rank of the first relevant item).

    Over the whole predicted list by default; with ``k`` a first hit below rank k scores 0.
    """
    return _mean(
        mrr_per_user(
            truth, predictions, k, col_user=col_user, col_item=col_item, col_rating=col_rating,
            col_prediction=col_prediction, relevance_threshold=relevance_threshold,
        )
    )  # fmt: skip


def map_at_k_per_user(
    truth: pd.DataFrame,
    predictions: pd.DataFrame,
    k: int = DEFAULT_K,
    *,
    col_user: str = COL_USER,
    col_item: str = COL_ITEM,
    col_rating: str = COL_RATING,
    col_prediction: str = COL_PREDICTION,
    relevance_threshold: float = DEFAULT_RELEVANCE_THRESHOLD,
) -> pd.Series:
    """Per-user values of :func:`map_at_k` (average precision at k)."""
    return _per_user(
        _ap_kernel, "map", truth, predictions, _check_k(k), col_user, col_item, col_rating,
        col_prediction, relevance_threshold,
    )  # fmt: skip


def map_at_k(
    truth: pd.DataFrame,
    predictions: pd.DataFrame,
    k: int = DEFAULT_K,
    *,
    col_user: str = COL_USER,
    col_item: str = COL_ITEM,
    col_rating: str = COL_RATING,
    col_prediction: str = COL_PREDICTION,
    relevance_threshold: float = DEFAULT_RELEVANCE_THRESHOLD,
) -> float:
    """Mean average precision at k.

    A user's AP@k is the sum of precision@i over the ranks i <= k that hold a relevant item,
    divided by min(k, number of relevant items), so a perfect top k scores 1.
    """
    return _mean(
        map_at_k_per_user(
            truth, predictions, k, col_user=col_user, col_item=col_item, col_rating=col_rating,
            col_prediction=col_prediction, relevance_threshold=relevance_threshold,
        )
    )  # fmt: skip


def ndcg_at_k_per_user(
    truth: pd.DataFrame,
    predictions: pd.DataFrame,
    k: int = DEFAULT_K,
    *,
    col_user: str = COL_USER,
    col_item: str = COL_ITEM,
    col_rating: str = COL_RATING,
    col_prediction: str = COL_PREDICTION,
    relevance_threshold: float = DEFAULT_RELEVANCE_THRESHOLD,
) -> pd.Series:
    """Per-user values of :func:`ndcg_at_k`."""
    return _per_user(
        _ndcg_kernel, "ndcg", truth, predictions, _check_k(k), col_user, col_item, col_rating,
        col_prediction, relevance_threshold,
    )  # fmt: skip


def ndcg_at_k(
    truth: pd.DataFrame,
    predictions: pd.DataFrame,
    k: int = DEFAULT_K,
    *,
    col_user: str = COL_USER,
    col_item: str = COL_ITEM,
    col_rating: str = COL_RATING,
    col_prediction: str = COL_PREDICTION,
    relevance_threshold: float = DEFAULT_RELEVANCE_THRESHOLD,
) -> float:
    """Mean normalised discounted cumulative gain at k, with graded gains.

    DCG@k = sum over ranks i <= k of (2**label_i - 1) / log2(i + 1), label 0 for items that are
    not relevant. The ideal DCG sorts *all* the user's relevant labels in truth, including items
    missing from the predictions, so a model cannot score well by leaving relevant items out.
    """
    return _mean(
        ndcg_at_k_per_user(
            truth, predictions, k, col_user=col_user, col_item=col_item, col_rating=col_rating,
            col_prediction=col_prediction, relevance_threshold=relevance_threshold,
        )
    )  # fmt: skip


# --------------------------------------------------------------------------------------------
# Catalogue metrics
# --------------------------------------------------------------------------------------------


def catalog_coverage(
    predictions: pd.DataFrame,
    catalog_items: Iterable[Hashable],
    k: int = DEFAULT_K,
    *,
    col_user: str = COL_USER,
    col_item: str = COL_ITEM,
    col_prediction: str = COL_PREDICTION,
) -> float:
    """Fraction of the catalogue's items that appear in at least one user's top k.

    ``catalog_items`` must include every item in ``predictions`` (an item outside it is an error,
    since it usually means the catalogue and the candidates were built differently).
    """
    k_ = _check_k(k)
    assert k_ is not None
    ranking = _rank(predictions, col_user, col_item, col_prediction)
    return float((_exposure(ranking, k_, catalog_items) > 0).mean())


def exposure_gini(
    predictions: pd.DataFrame,
    k: int = DEFAULT_K,
    catalog_items: Iterable[Hashable] | None = None,
    *,
    col_user: str = COL_USER,
    col_item: str = COL_ITEM,
    col_prediction: str = COL_PREDICTION,
) -> float:
    """Gini coefficient of how often each item appears in the users' top-k lists.

    0 means every item is shown equally often; (n - 1) / n, its maximum over n items, means one
    item takes all exposure. The items counted are ``catalog_items`` when given (never-shown
    items count with zero exposure) and otherwise every item in ``predictions``. NaN when
    nothing is shown at all.
    """
    k_ = _check_k(k)
    assert k_ is not None
    ranking = _rank(predictions, col_user, col_item, col_prediction)
    return _gini(_exposure(ranking, k_, catalog_items))


def top_k(
    predictions: pd.DataFrame,
    k: int | None = DEFAULT_K,
    *,
    col_user: str = COL_USER,
    col_item: str = COL_ITEM,
    col_prediction: str = COL_PREDICTION,
    col_rank: str = COL_RANK,
) -> pd.DataFrame:
    """Each user's k best rows of ``predictions`` with a ``col_rank`` column (1 = best).

    Ranked by score descending, ties by item id ascending; sorted by user, then rank; a fresh
    0-based index. ``k=None`` keeps every row. Users with fewer than k rows keep all of them.
    """
    k_ = _check_k(k, optional=True)
    _require_columns(predictions, "predictions", [col_user, col_item, col_prediction])
    if col_rank in predictions.columns:
        raise ValueError(
            f"predictions already has a column {col_rank!r}; pass col_rank= another name"
        )
    ranking = _rank(predictions, col_user, col_item, col_prediction)
    rows = ranking.order
    if k_ is not None:
        rows = rows[ranking.rank[rows] <= k_]
    out = predictions.iloc[rows].reset_index(drop=True)
    out[col_rank] = ranking.rank[rows]
    return out


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricSpec:
    """One metric of the registry.

    ``fn`` returns the overall value. Ranking metrics take ``(truth, predictions, k, ...)`` and
    have a ``per_user_fn``; catalogue metrics take ``predictions`` (and the catalogue) and have
    none. Names with a cut-off are written ``name@k`` (``ndcg@10``).
    """

    name: str
    fn: Callable[..., float]
    greater_is_better: bool
    description: str
    per_user_fn: Callable[..., pd.Series] | None = None
    k_required: bool = True

    @property
    def is_catalog_metric(self) -> bool:
        return self.per_user_fn is None


METRICS: dict[str, MetricSpec] = {
    spec.name: spec
    for spec in (
        MetricSpec("ndcg", ndcg_at_k, True, "NDCG@k with graded gains 2^label - 1",
                   ndcg_at_k_per_user),
        MetricSpec("recall", recall_at_k, True, "share of relevant items found in the top k",
                   recall_at_k_per_user),
        MetricSpec("precision", precision_at_k, True, "share of the top k that is relevant",
                   precision_at_k_per_user),
        MetricSpec("map", map_at_k, True, "mean average precision at k", map_at_k_per_user),
        MetricSpec("mrr", mrr, True, "mean reciprocal rank of the first relevant item",
                   mrr_per_user, k_required=False),
        MetricSpec("hit_rate", hit_rate_at_k, True, "share of users with a hit in the top k",
                   hit_rate_at_k_per_user),
        MetricSpec("coverage", catalog_coverage, True,
                   "share of the catalogue shown in some top k"),
        MetricSpec("exposure_gini", exposure_gini, False,
                   "Gini of item exposure in the top-k lists (0 = equal)"),
    )
}  # fmt: skip

_KERNELS: dict[str, _Kernel] = {
    "ndcg": _ndcg_kernel,
    "recall": _recall_kernel,
    "precision": _precision_kernel,
    "map": _ap_kernel,
    "mrr": _rr_kernel,
    "hit_rate": _hit_rate_kernel,
}

#: The metric a model is selected and promoted on.
PRIMARY_METRIC = "ndcg@10"
GREATER_IS_BETTER: bool = METRICS["ndcg"].greater_is_better

DEFAULT_METRICS: tuple[str, ...] = (
    "ndcg@10", "recall@10", "precision@10", "map@10", "mrr", "hit_rate@10",
)  # fmt: skip


def parse_metric(name: str) -> tuple[MetricSpec, int | None]:
    """``"ndcg@10"`` -> (the ndcg spec, 10); ``"mrr"`` -> (the mrr spec, None)."""
    base, sep, k_text = str(name).strip().lower().partition("@")
    spec = METRICS.get(base)
    if spec is None:
        raise ValueError(
            f"unknown metric {name!r}; expected one of {', '.join(METRICS)} "
            "(with '@k' for a cut-off, e.g. 'ndcg@10')"
        )
    if not sep:
        if spec.k_required:
            raise ValueError(f"metric {name!r} needs a cut-off, e.g. '{base}@10'")
        return spec, None
    if not k_text.isdigit() or int(k_text) < 1:
        raise ValueError(f"metric {name!r}: the cut-off after '@' must be a whole number >= 1")
    return spec, int(k_text)


def _parse_all(metrics: Iterable[str]) -> list[tuple[str, MetricSpec, int | None]]:
    if isinstance(metrics, str):
        metrics = [metrics]
    parsed = []
    for name in metrics:
        spec, k = parse_metric(name)
        parsed.append((_label(spec.name, k), spec, k))
    return parsed


def per_user_metrics(
    truth: pd.DataFrame,
    predictions: pd.DataFrame,
    metrics: Iterable[str] = DEFAULT_METRICS,
    *,
    col_user: str = COL_USER,
    col_item: str = COL_ITEM,
    col_rating: str = COL_RATING,
    col_prediction: str = COL_PREDICTION,
    relevance_threshold: float = DEFAULT_RELEVANCE_THRESHOLD,
) -> pd.DataFrame:
    """Several ranking metrics per user in one pass: rows are users, columns metric names.

    The predictions are ranked once for all the metrics. Catalogue metrics have no per-user
    value and are refused.
    """
    parsed = _parse_all(metrics)
    catalog = [label for label, spec, _ in parsed if spec.is_catalog_metric]
    if catalog:
        raise ValueError(f"{', '.join(catalog)} has no per-user value; use compute_metrics")
    rel = _prepare(
        truth, predictions, col_user, col_item, col_rating, col_prediction, relevance_threshold
    )
    index = rel.users.copy()
    index.name = col_user
    return pd.DataFrame(
        {label: _KERNELS[spec.name](rel, k) for label, spec, k in parsed},
        index=index,
        dtype=np.float64,
    )


def compute_metrics(
    truth: pd.DataFrame,
    predictions: pd.DataFrame,
    metrics: Iterable[str] = DEFAULT_METRICS,
    *,
    catalog_items: Iterable[Hashable] | None = None,
    col_user: str = COL_USER,
    col_item: str = COL_ITEM,
    col_rating: str = COL_RATING,
    col_prediction: str = COL_PREDICTION,
    relevance_threshold: float = DEFAULT_RELEVANCE_THRESHOLD,
) -> dict[str, float]:
    """Several metrics by name (``["ndcg@10", "mrr", "coverage@10"]``) with one ranking pass.

    ``coverage@k`` needs ``catalog_items``; ``exposure_gini@k`` uses it when given.
    """
    parsed = _parse_all(metrics)
    threshold = _check_threshold(relevance_threshold)
    _require_columns(truth, "truth", [col_user, col_item, col_rating])
    ranking = _rank(predictions, col_user, col_item, col_prediction)
    catalog = None if catalog_items is None else list(catalog_items)
    rel: _Relevant | None = None
    out: dict[str, float] = {}
    for label, spec, k in parsed:
        if spec.is_catalog_metric:
            assert k is not None
            if spec.name == "coverage":
                if catalog is None:
                    raise ValueError(f"{label} needs catalog_items")
                out[label] = float((_exposure(ranking, k, catalog) > 0).mean())
            else:
                out[label] = _gini(_exposure(ranking, k, catalog))
        else:
            if rel is None:
                rel = _relevant(
                    truth, ranking, predictions, col_user, col_item, col_rating, threshold
                )
            out[label] = _mean(_KERNELS[spec.name](rel, k))
    return out
