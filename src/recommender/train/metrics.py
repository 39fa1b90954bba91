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
  index named ``col_user``), for per-group breakdowns (:func:`by_group`) and confidence
  intervals (:func:`bootstrap_ci`).

Bad input (a missing column, a missing id/label/score, a non-numeric label or score, the same
(user, item) twice, ``k < 1``) raises ``ValueError`` naming the frame, the column and the first
offending row's index label. Computation is vectorised: ranking sorts each user's scores once
(shared by all metrics in :func:`compute_metrics`), and every metric is a few ``bincount``
passes over the relevant truth rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from recommender.data.labels import DEFAULT_LABEL_POLICY

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
    "ConfidenceInterval",
    "MetricSpec",
    "bootstrap_ci",
    "by_group",
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

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Bootstrap resamples are drawn in batches of about this many indices to bound memory.
_BOOTSTRAP_BATCH_ELEMENTS = 5_000_000


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def _check_k(k: Any, *, optional: bool = False) -> int | None:
    if k is None and optional:
        return None
    if isinstance(k, bool) or not isinstance(k, Integral) or k < 1:
        raise ValueError(f"k must be a whole number >= 1, got {k!r}")
    return int(k)


def _check_threshold(threshold: Any) -> float:
    # A positive threshold guarantees every relevant item a positive gain (2**label - 1 > 0), so
    # the ideal DCG of every evaluated user is positive and NDCG is always defined.
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, Real)
        or not math.isfinite(threshold)
        or threshold <= 0
    ):
        raise ValueError(f"relevance_threshold must be a finite number > 0, got {threshold!r}")
    return float(threshold)


def _require_columns(frame: Any, what: str, columns: Sequence[str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what} has no column {', '.join(map(repr, missing))} "
            f"(it has {', '.join(map(repr, frame.columns)) or 'no columns'}); "
            "pass the right name with col_user=, col_item=, col_rating= or col_prediction="
        )


def _first(mask: npt.NDArray[np.bool_]) -> int:
    """Position of the first row where ``mask`` holds."""
    return int(np.flatnonzero(mask)[0])


def _index_label(frame: pd.DataFrame, position: int) -> str:
    label = frame.index[position]
    return repr(label.item() if isinstance(label, np.generic) else label)


def _reject_missing(frame: pd.DataFrame, what: str, column: str) -> None:
    mask = frame[column].isna().to_numpy()
    if mask.any():
        raise ValueError(
            f"{what} has {int(mask.sum())} row(s) with a missing {column!r} "
            f"(first at index {_index_label(frame, _first(mask))}); "
            "expected a value in every row"
        )


def _numeric(frame: pd.DataFrame, what: str, column: str) -> FloatArray:
    series = frame[column]
    if not pd.api.types.is_numeric_dtype(series):
        bad = pd.to_numeric(series, errors="coerce").isna().to_numpy()
        first = _first(bad) if bad.any() else 0
        raise ValueError(
            f"{what} column {column!r} must be numeric, got dtype {series.dtype} (first "
            f"non-numeric value {series.iloc[first]!r} at index {_index_label(frame, first)})"
        )
    values: FloatArray = series.to_numpy(dtype=np.float64)
    bad = np.isnan(values)
    if bad.any():
        raise ValueError(
            f"{what} has {int(bad.sum())} row(s) with a missing {column!r} "
            f"(first at index {_index_label(frame, _first(bad))}); "
            "expected a number in every row"
        )
    return values


def _same_kind(truth: pd.Series, predictions: pd.Series, column: str) -> None:
    # Ids of different kinds (numbers in one frame, text in the other) would never match and
    # silently score every user 0.
    if len(truth) and len(predictions):
        t_num = pd.api.types.is_numeric_dtype(truth)
        p_num = pd.api.types.is_numeric_dtype(predictions)
        if t_num != p_num:
            kinds = {True: "numbers", False: "text"}
            raise ValueError(
                f"{column!r} holds {kinds[t_num]} in truth but {kinds[p_num]} in predictions; "
                "ids must have the same type in both frames"
            )


def _factorize_sorted(values: pd.Series, what: str, column: str) -> tuple[IntArray, pd.Index]:
    try:
        codes, uniques = pd.factorize(values, sort=True)
    except TypeError as exc:  # mixed id types cannot be ordered
        raise ValueError(
            f"{what} column {column!r} mixes id types that cannot be compared ({exc}); "
            "use one type (e.g. all strings)"
        ) from None
    return codes.astype(np.int64, copy=False), pd.Index(uniques)


# --------------------------------------------------------------------------------------------
# Ranking and joining
# --------------------------------------------------------------------------------------------


def _positions_within_runs(sorted_codes: IntArray) -> IntArray:
    """1-based position of each element within its run of equal consecutive codes."""
    n = len(sorted_codes)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    lengths = np.diff(np.r_[starts, n])
    return np.arange(1, n + 1, dtype=np.int64) - np.repeat(starts, lengths)


def _radix_key(codes: IntArray, n_codes: int) -> npt.NDArray[np.integer[Any]]:
    # numpy's stable sort is a radix sort for 16-bit integers: several times faster than timsort.
    return codes.astype(np.uint16) if n_codes <= 65536 else codes


def _order(
    user_codes: IntArray, score: FloatArray, item_codes: IntArray, n_users: int, n_items: int
) -> IntArray:
    """Row positions ordered by (user, score descending, item ascending).

    Sorting each user's scores separately is much cheaper than one global multi-key sort, so
    the rows are laid out as a users x candidates table (in item order, padded with +inf) and
    sorted along each row with a stable sort, which keeps equal scores in item order. When the
    users' list lengths are too uneven for a table the global sort is used instead.
    """
    n = len(score)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    width = int(np.bincount(user_codes, minlength=n_users).max())
    if n_users * width > 2 * n:
        return _order_global(user_codes, score, item_codes, n_users)
    by_item = np.argsort(_radix_key(item_codes, n_items), kind="stable")
    grouped = by_item[np.argsort(_radix_key(user_codes, n_users)[by_item], kind="stable")]
    row = user_codes[grouped]
    col = _positions_within_runs(row) - 1
    table = np.full((n_users, width), np.inf)
    table[row, col] = -score[grouped]  # an ascending sort of -score is a descending one of score
    ids = np.full((n_users, width), -1, dtype=np.int64)
    ids[row, col] = grouped
    # Padding (+inf) sits after each user's real cells, so the stable sort keeps it last even
    # where a score is -inf.
    order = np.take_along_axis(ids, np.argsort(table, axis=1, kind="stable"), axis=1).ravel()
    return order[order >= 0]


def _order_global(
    user_codes: IntArray, score: FloatArray, item_codes: IntArray, n_users: int
) -> IntArray:
    """:func:`_order` for lists of very uneven length: one float sort, then fix the ties."""
    order = np.argsort(-score)
    order = order[np.argsort(_radix_key(user_codes, n_users)[order], kind="stable")]
    su, ss = user_codes[order], score[order]
    tied = (su[1:] == su[:-1]) & (ss[1:] == ss[:-1])
    if tied.any():
        # Tied runs sit at positions already ordered by (user, score); re-sorting just those rows
        # by (user, score, item) and writing them back into the same positions breaks the ties.
        mask = np.zeros(len(order), dtype=bool)
        mask[1:] |= tied
        mask[:-1] |= tied
        sub = order[mask]
        order[mask] = sub[np.lexsort((item_codes[sub], -score[sub], user_codes[sub]))]
    return order.astype(np.int64, copy=False)


@dataclass(frozen=True)
class _Ranking:
    """Each prediction row's rank within its user (1 = best) and the codes used to compute it."""

    rank: IntArray  # per predictions row, in the frame's row order
    order: IntArray  # row positions sorted by (user, rank)
    user_codes: IntArray
    users: pd.Index  # sorted
    item_codes: IntArray
    items: pd.Index  # sorted
    keys: pd.Index  # user_code * len(items) + item_code per row, unique


def _rank(predictions: pd.DataFrame, col_user: str, col_item: str, col_prediction: str) -> _Ranking:
    _require_columns(predictions, "predictions", [col_user, col_item, col_prediction])
    _reject_missing(predictions, "predictions", col_user)
    _reject_missing(predictions, "predictions", col_item)
    score = _numeric(predictions, "predictions", col_prediction)
    user_codes, users = _factorize_sorted(predictions[col_user], "predictions", col_user)
    item_codes, items = _factorize_sorted(predictions[col_item], "predictions", col_item)
    keys = pd.Index(user_codes * max(len(items), 1) + item_codes)
    if not keys.is_unique:
        dup = keys.duplicated()
        first = _first(dup)
        row = predictions.iloc[first]
        raise ValueError(
            f"predictions has {int(dup.sum())} repeated ({col_user}, {col_item}) pair(s), first "
            f"({row[col_user]!r}, {row[col_item]!r}) at index {_index_label(predictions, first)}; "
            "expected one score per pair"
        )
    order = _order(user_codes, score, item_codes, len(users), len(items))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = _positions_within_runs(user_codes[order])
    return _Ranking(rank, order, user_codes, users, item_codes, items, keys)


@dataclass(frozen=True)
class _Relevant:
    """The relevant truth rows, sorted by (user, rank), each with its rank (inf: not ranked)."""

    users: pd.Index  # evaluated users, sorted
    codes: IntArray  # user code per relevant row
    gain: FloatArray  # 2**label - 1
    rank: FloatArray
    n_relevant: FloatArray  # per user

    @property
    def n_users(self) -> int:
        return len(self.users)


def _relevant(
    truth: pd.DataFrame,
    ranking: _Ranking,
    predictions: pd.DataFrame,
    col_user: str,
    col_item: str,
    col_rating: str,
    relevance_threshold: float,
) -> _Relevant:
    _require_columns(truth, "truth", [col_user, col_item, col_rating])
    _reject_missing(truth, "truth", col_user)
    _reject_missing(truth, "truth", col_item)
    label = _numeric(truth, "truth", col_rating)
    _same_kind(truth[col_user], predictions[col_user], col_user)
    _same_kind(truth[col_item], predictions[col_item], col_item)
    dup = truth.duplicated([col_user, col_item]).to_numpy()
    if dup.any():
        first = _first(dup)
        pair = truth.iloc[first]
        raise ValueError(
            f"truth has {int(dup.sum())} repeated ({col_user}, {col_item}) pair(s), first "
            f"({pair[col_user]!r}, {pair[col_item]!r}) at index {_index_label(truth, first)}; "
            "expected one label per pair (e.g. keep the best: "
            "truth.groupby([user, item], as_index=False).max())"
        )

    relevant = label >= relevance_threshold
    rel_users = truth[col_user][relevant]
    rel_items = truth[col_item][relevant]
    codes, users = _factorize_sorted(rel_users, "truth", col_user)
    gain = np.exp2(label[relevant]) - 1.0

    pred_user = ranking.users.get_indexer(pd.Index(rel_users))
    pred_item = ranking.items.get_indexer(pd.Index(rel_items))
    found = (pred_user >= 0) & (pred_item >= 0)
    row = np.full(len(codes), -1, dtype=np.int64)
    row[found] = ranking.keys.get_indexer(
        pd.Index(pred_user[found].astype(np.int64) * max(len(ranking.items), 1) + pred_item[found])
    )
    rank = np.full(len(codes), np.inf)
    rank[row >= 0] = ranking.rank[row[row >= 0]]

    # Sorting by (user, rank) lets every kernel accumulate in rank order: MAP needs it, and NDCG
    # of a perfect ranking then sums the same terms in the same order as the ideal DCG (exact 1).
    order = np.lexsort((rank, codes))
    codes, gain, rank = codes[order], gain[order], rank[order]
    n_relevant = np.bincount(codes, minlength=len(users)).astype(np.float64)
    return _Relevant(users, codes, gain, rank, n_relevant)


def _prepare(
    truth: pd.DataFrame,
    predictions: pd.DataFrame,
    col_user: str,
    col_item: str,
    col_rating: str,
    col_prediction: str,
    relevance_threshold: float,
) -> _Relevant:
    threshold = _check_threshold(relevance_threshold)
    _require_columns(truth, "truth", [col_user, col_item, col_rating])
    ranking = _rank(predictions, col_user, col_item, col_prediction)
    return _relevant(truth, ranking, predictions, col_user, col_item, col_rating, threshold)


# --------------------------------------------------------------------------------------------
# Per-user kernels: (relevant rows, k) -> one value per evaluated user
# --------------------------------------------------------------------------------------------


def _sum_by_user(rel: _Relevant, weights: FloatArray) -> FloatArray:
    return np.asarray(np.bincount(rel.codes, weights=weights, minlength=rel.n_users), np.float64)


def _hits(rel: _Relevant, k: int) -> FloatArray:
    return _sum_by_user(rel, (rel.rank <= k).astype(np.float64))


def _recall_kernel(rel: _Relevant, k: int | None) -> FloatArray:
    assert k is not None
    return _hits(rel, k) / rel.n_relevant


def _precision_kernel(rel: _Relevant, k: int | None) -> FloatArray:
    assert k is not None
    return _hits(rel, k) / k


def _hit_rate_kernel(rel: _Relevant, k: int | None) -> FloatArray:
    assert k is not None
    return (_hits(rel, k) > 0).astype(np.float64)


def _rr_kernel(rel: _Relevant, k: int | None) -> FloatArray:
    first = np.full(rel.n_users, np.inf)
    np.minimum.at(first, rel.codes, rel.rank)
    rr = 1.0 / first
    if k is not None:
        rr[first > k] = 0.0
    return rr


def _ap_kernel(rel: _Relevant, k: int | None) -> FloatArray:
    assert k is not None
    # Rows are sorted by (user, rank), so the i-th relevant row of a user that lies within the
    # top k is its i-th hit, and precision at that hit is i / rank.
    hit_no = _positions_within_runs(rel.codes)
    within = rel.rank <= k
    contrib = np.zeros(len(rel.rank))
    contrib[within] = hit_no[within] / rel.rank[within]
    return _sum_by_user(rel, contrib) / np.minimum(k, rel.n_relevant)


def _ndcg_kernel(rel: _Relevant, k: int | None) -> FloatArray:
    assert k is not None
    within = rel.rank <= k
    dcg_terms = np.zeros(len(rel.rank))
    dcg_terms[within] = rel.gain[within] / np.log2(rel.rank[within] + 1.0)
    dcg = _sum_by_user(rel, dcg_terms)

    ideal = np.lexsort((-rel.gain, rel.codes))
    ideal_codes, ideal_gain = rel.codes[ideal], rel.gain[ideal]
    ideal_pos = _positions_within_runs(ideal_codes).astype(np.float64)
    keep = ideal_pos <= k
    idcg_terms = np.zeros(len(ideal_gain))
    idcg_terms[keep] = ideal_gain[keep] / np.log2(ideal_pos[keep] + 1.0)
    idcg = np.bincount(ideal_codes, weights=idcg_terms, minlength=rel.n_users)
    return np.asarray(dcg / idcg, dtype=np.float64)


_Kernel = Callable[[_Relevant, int | None], FloatArray]


def _series(values: FloatArray, rel: _Relevant, name: str, col_user: str) -> pd.Series:
    index = rel.users.copy()
    index.name = col_user
    return pd.Series(values, index=index, name=name, dtype=np.float64)


def _mean(values: pd.Series | FloatArray) -> float:
    # One definition for every mean here, so compute_metrics equals the single functions exactly.
    array = np.asarray(values, dtype=np.float64)
    return float(array.mean()) if array.size else math.nan


def _label(base: str, k: int | None) -> str:
    return base if k is None else f"{base}@{k}"


def _per_user(
    kernel: _Kernel,
    base: str,
    truth: pd.DataFrame,
    predictions: pd.DataFrame,
    k: int | None,
    col_user: str,
    col_item: str,
    col_rating: str,
    col_prediction: str,
    relevance_threshold: float,
) -> pd.Series:
    rel = _prepare(
        truth, predictions, col_user, col_item, col_rating, col_prediction, relevance_threshold
    )
    return _series(kernel(rel, k), rel, _label(base, k), col_user)


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


def _catalog_index(catalog_items: Iterable[Hashable]) -> pd.Index:
    values = pd.Series(list(catalog_items), dtype=object)
    missing = values.isna().to_numpy()
    if missing.any():
        raise ValueError(f"catalog_items has a missing id at position {_first(missing)}")
    if values.empty:
        raise ValueError("catalog_items is empty; expected the ids of every recommendable item")
    return pd.Index(pd.unique(values))


def _exposure(ranking: _Ranking, k: int, catalog_items: Iterable[Hashable] | None) -> FloatArray:
    """Times each item appears in a top k, over the catalogue or else over every predicted item."""
    counts = np.bincount(
        ranking.item_codes[ranking.rank <= k], minlength=len(ranking.items)
    ).astype(np.float64)
    if catalog_items is None:
        return counts
    catalog = _catalog_index(catalog_items)
    position = catalog.get_indexer(ranking.items.astype(object))
    unknown = position < 0
    if unknown.any():
        examples = ", ".join(repr(v) for v in ranking.items[unknown][:5])
        raise ValueError(
            f"predictions rank {int(unknown.sum())} item(s) that are not in catalog_items "
            f"(e.g. {examples}); the catalogue must list every item that can be recommended"
        )
    out = np.zeros(len(catalog))
    out[position] = counts
    return out


def _gini(counts: FloatArray) -> float:
    n = len(counts)
    total = counts.sum()
    if n == 0 or total == 0:
        return math.nan
    x = np.sort(counts)
    weights = 2.0 * np.arange(1, n + 1) - n - 1
    return float((weights * x).sum() / (n * total))


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


# --------------------------------------------------------------------------------------------
# Breakdowns and uncertainty
# --------------------------------------------------------------------------------------------

_PER_USER_OF: dict[Callable[..., Any], Callable[..., pd.Series]] = {}
for _spec in METRICS.values():
    if _spec.per_user_fn is not None:
        _PER_USER_OF[_spec.fn] = _spec.per_user_fn
        _PER_USER_OF[_spec.per_user_fn] = _spec.per_user_fn
del _spec


def by_group(
    metric_fn: Callable[..., Any] | str,
    truth: pd.DataFrame,
    predictions: pd.DataFrame,
    groups: pd.Series | Mapping[Hashable, Hashable],
    *,
    missing_group: Hashable = "(missing)",
    **kwargs: Any,
) -> dict[Hashable, float]:
    """A ranking metric's mean within each group of users (e.g. the ``group`` audit attribute).

    ``metric_fn`` is a ranking metric of this module (``ndcg_at_k`` or ``ndcg_at_k_per_user``),
    a metric name (``"ndcg@10"``) or any function returning per-user values as a Series;
    ``kwargs`` go to it (``k=10``, column names). ``groups`` maps user -> group; evaluated users
    it does not map (or maps to a missing value) are reported under ``missing_group``, never
    dropped. Groups without an evaluated user do not appear. Keys are sorted by their text.
    """
    if isinstance(metric_fn, str):
        spec, k = parse_metric(metric_fn)
        if spec.per_user_fn is None:
            raise ValueError(f"{metric_fn!r} is a catalogue metric and has no per-user values")
        if "k" in kwargs:
            raise ValueError(f"give the cut-off once: in the name {metric_fn!r} or as k=")
        values = spec.per_user_fn(truth, predictions, k, **kwargs)
    else:
        values = _PER_USER_OF.get(metric_fn, metric_fn)(truth, predictions, **kwargs)
        if not isinstance(values, pd.Series):
            raise TypeError(
                "by_group needs a ranking metric of recommender.train.metrics, a metric name or "
                f"a function returning a per-user Series; {metric_fn!r} returned "
                f"{type(values).__name__}"
            )
    mapping = groups if isinstance(groups, pd.Series) else pd.Series(dict(groups), dtype=object)
    if not mapping.index.is_unique:
        dup = mapping.index[mapping.index.duplicated()][0]
        raise ValueError(f"groups maps user {dup!r} more than once; expected one group per user")
    labels = mapping.reindex(values.index).astype(object)
    labels = labels.where(labels.notna(), missing_group)
    means = values.groupby(labels.to_numpy(), sort=False).mean()
    return {key: float(means[key]) for key in sorted(means.index, key=str)}


class ConfidenceInterval(NamedTuple):
    """A point estimate (the mean) and its bootstrap percentile interval."""

    estimate: float
    low: float
    high: float


def bootstrap_ci(
    per_user_values: pd.Series | Sequence[float] | npt.ArrayLike,
    n: int = 1000,
    alpha: float = 0.05,
    seed: int | None = 0,
) -> ConfidenceInterval:
    """Percentile bootstrap interval of the mean of per-user metric values.

    Resamples users with replacement ``n`` times; the interval holds the central ``1 - alpha``
    of the resampled means. Deterministic for a given ``seed``.
    """
    values = np.asarray(per_user_values, dtype=np.float64).ravel()
    if values.size == 0:
        raise ValueError("bootstrap_ci needs at least one per-user value")
    if np.isnan(values).any():
        raise ValueError(
            f"per_user_values has {int(np.isnan(values).sum())} missing value(s); "
            "expected a number per user"
        )
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
        raise ValueError(f"n must be a whole number >= 1, got {n!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    rng = np.random.default_rng(seed)
    m = values.size
    means = np.empty(int(n))
    batch = max(1, _BOOTSTRAP_BATCH_ELEMENTS // m)
    for start in range(0, int(n), batch):  # batches of resamples, not a loop over users
        size = min(batch, int(n) - start)
        means[start : start + size] = values[rng.integers(0, m, size=(size, m))].mean(axis=1)
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return ConfidenceInterval(float(values.mean()), float(low), float(high))
