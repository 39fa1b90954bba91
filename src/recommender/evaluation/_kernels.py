"""The machinery behind :mod:`recommender.evaluation.metrics`: input validation, one ranking
pass per predictions frame, the relevant truth rows, and per-metric ``bincount`` kernels."""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


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
# Catalogue exposure
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
