"""Per-group metric means and bootstrap confidence intervals over per-user metric values."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from numbers import Integral
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from recommender.evaluation.metrics import METRICS, parse_metric

__all__ = ["ConfidenceInterval", "bootstrap_ci", "by_group"]

# Bootstrap resamples are drawn in batches of about this many indices to bound memory.
_BOOTSTRAP_BATCH_ELEMENTS = 5_000_000


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

    ``metric_fn`` is a ranking metric of :mod:`recommender.evaluation.metrics` (``ndcg_at_k``
    or ``ndcg_at_k_per_user``), a metric name (``"ndcg@10"``) or any function returning
    per-user values as a Series; ``kwargs`` go to it (``k=10``, column names). ``groups`` maps
    user -> group; evaluated users it does not map (or maps to a missing value) are reported
    under ``missing_group``, never dropped. Groups without an evaluated user do not appear.
    Keys are sorted by their text.
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
                "by_group needs a ranking metric of recommender.evaluation.metrics, a metric name "
                f"or a function returning a per-user Series; {metric_fn!r} returned "
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
