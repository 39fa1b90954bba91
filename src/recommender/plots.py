"""Figures for notebooks and reports, and the small summaries they draw.

Every plotting function returns a new :class:`matplotlib.figure.Figure` that is not registered
with pyplot: in Jupyter leave it as a cell's last value to show it (once), elsewhere save it with
``fig.savefig(path)``. Nothing here changes matplotlib's global state or backend.

Summaries (:func:`mean_by_group`) come with 95% intervals, because the groups a person wants to
compare (a rare time-zone gap, a small audit group) are often small enough for their means to
be noise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from recommender.evaluation.breakdowns import bootstrap_ci

__all__ = [
    "bar_grid",
    "contribution_bars",
    "feature_importance",
    "grouped_bars",
    "lorenz_curves",
    "mean_by_group",
    "metrics_at_k",
    "wilson_interval",
]

#: The ranker drawn solid and first in comparisons (the others are dashed baselines).
MODEL = "model"
_Z95 = 1.959963984540054
_POSITIVE = "#2a9d5c"
_NEGATIVE = "#c8553d"


# --------------------------------------------------------------------------- summaries


def wilson_interval(successes: int, n: int, z: float = _Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion (95% by default); (nan, nan) when ``n`` is 0.

    Unlike the normal approximation it stays inside [0, 1] and is sensible for small ``n`` and
    rates near 0 or 1, which is what outcome rates of small groups look like.
    """
    if successes < 0 or n < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")
    if n == 0:
        return float("nan"), float("nan")
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def mean_by_group(
    values: pd.Series | pd.DataFrame,
    groups: pd.Series,
    *,
    binary: bool = False,
    order: Sequence[Any] | None = None,
    missing: str = "(missing)",
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """The mean of ``values`` within each group, with a 95% interval.

    ``values`` is one Series, or a DataFrame whose columns are compared side by side (e.g. one
    column per ranker); ``groups`` is aligned with it by index. Rows whose group is missing are
    reported under ``missing``, never dropped; rows whose value is missing are left out of that
    series' mean. ``binary`` values (0/1, True/False) get a Wilson interval, others a percentile
    bootstrap of the mean (:func:`recommender.evaluation.breakdowns.bootstrap_ci`).

    Returns one row per (group, series): columns ``group``, ``series``, ``n``, ``mean``,
    ``low``, ``high``. Groups come in ``order`` when given (groups not in it are appended),
    otherwise in sorted order, or category order for a categorical ``groups``.
    """
    if isinstance(values, pd.Series):
        frame = values.to_frame(name=values.name if values.name is not None else "value")
    else:
        frame = values
    if not frame.index.equals(groups.index):
        missing_rows = frame.index.difference(groups.index)
        if len(missing_rows):
            raise ValueError(
                f"groups has no entry for {len(missing_rows)} row(s) of values, e.g. index "
                f"{missing_rows[0]!r}; align them on the same index"
            )
        groups = groups.reindex(frame.index)
    labels = groups.astype(object).where(groups.notna(), missing)
    if order is not None:
        seen = [g for g in order if g in set(labels)]
        found = seen + sorted(set(labels) - set(seen), key=str)
    elif isinstance(groups.dtype, pd.CategoricalDtype):
        present = set(labels)
        found = [g for g in groups.cat.categories if g in present]
        found += [g for g in sorted(present - set(found), key=str)]
    else:
        found = sorted(set(labels), key=str)
    rows = []
    for group in found:
        in_group = (labels == group).to_numpy()
        for series in frame.columns:
            column = pd.to_numeric(frame[series][in_group], errors="raise").dropna()
            n = len(column)
            if n == 0:
                mean = low = high = float("nan")
            elif binary:
                hits = column.astype(float)
                if not hits.isin([0.0, 1.0]).all():
                    raise ValueError(f"binary=True but {series!r} has values other than 0 and 1")
                mean = float(hits.mean())
                low, high = wilson_interval(int(hits.sum()), n)
            else:
                mean, low, high = bootstrap_ci(column.to_numpy(dtype=float), n=n_boot, seed=seed)
            rows.append(
                {
                    "group": group,
                    "series": str(series),
                    "n": n,
                    "mean": mean,
                    "low": low,
                    "high": high,
                }
            )
    return pd.DataFrame(rows, columns=["group", "series", "n", "mean", "low", "high"])


# --------------------------------------------------------------------------- bars


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        figure = ax.get_figure()
        if not isinstance(figure, Figure):  # a SubFigure: draw into it, return its parent
            figure = figure.get_figure() if figure is not None else None
        if not isinstance(figure, Figure):
            raise ValueError("ax belongs to no figure")
        return figure, ax
    figure = Figure(figsize=figsize, layout="constrained")
    return figure, figure.add_subplot()


def grouped_bars(
    summary: pd.DataFrame,
    *,
    ax: Axes | None = None,
    title: str = "",
    ylabel: str = "",
    show_counts: bool = True,
    rotate: float = 0.0,
) -> Figure:
    """Bars of a :func:`mean_by_group` summary: one cluster per group, one bar per series, with
    the 95% interval as an error bar and (``show_counts``) each group's size under its name."""
    required = {"group", "series", "n", "mean", "low", "high"}
    if not required <= set(summary.columns):
        raise ValueError(
            f"summary lacks columns {sorted(required - set(summary.columns))}; expected the "
            "output of mean_by_group"
        )
    figure, axes = _new_axes(ax, (max(4.0, 0.9 * summary["group"].nunique() + 2), 3.4))
    groups = list(dict.fromkeys(summary["group"]))
    series = list(dict.fromkeys(summary["series"]))
    width = 0.8 / max(len(series), 1)
    x = np.arange(len(groups))
    for i, name in enumerate(series):
        part = summary[summary["series"] == name].set_index("group").reindex(groups)
        mean = part["mean"].to_numpy(dtype=float)
        low = np.nan_to_num(mean - part["low"].to_numpy(dtype=float), nan=0.0)
        high = np.nan_to_num(part["high"].to_numpy(dtype=float) - mean, nan=0.0)
        axes.bar(
            x + (i - (len(series) - 1) / 2) * width,
            np.nan_to_num(mean, nan=0.0),
            width,
            yerr=np.vstack([np.clip(low, 0, None), np.clip(high, 0, None)]),
            capsize=2,
            label=name,
        )
    labels = [str(g) for g in groups]
    if show_counts:
        sizes = summary.groupby("group", sort=False)["n"].max()
        labels = [f"{g}\n(n={int(sizes.get(g, 0))})" for g in groups]
    axes.set_xticks(x, labels, rotation=rotate, ha="right" if rotate else "center")
    axes.set_title(title)
    axes.set_ylabel(ylabel)
    axes.grid(axis="y", alpha=0.3)
    if len(series) > 1:
        axes.legend(fontsize=8)
    return figure


def bar_grid(
    summaries: Mapping[str, pd.DataFrame],
    *,
    ncols: int = 3,
    ylabel: str = "",
    title: str = "",
    sharey: bool = True,
) -> Figure:
    """One :func:`grouped_bars` panel per summary (titled by its key), in a grid."""
    if not summaries:
        raise ValueError("nothing to plot: summaries is empty")
    ncols = max(1, min(ncols, len(summaries)))
    nrows = -(-len(summaries) // ncols)
    figure = Figure(figsize=(4.2 * ncols, 3.3 * nrows), layout="constrained")
    axes = np.atleast_1d(figure.subplots(nrows, ncols, sharey=sharey, squeeze=False)).ravel()
    for i, (ax, (name, summary)) in enumerate(zip(axes, summaries.items(), strict=False)):
        first_column = i % ncols == 0
        grouped_bars(summary, ax=ax, title=name, ylabel=ylabel if first_column else "", rotate=30)
    for ax in axes[len(summaries) :]:
        ax.set_visible(False)
    if title:
        figure.suptitle(title)
    return figure


def feature_importance(
    importance: Mapping[str, float] | pd.Series,
    *,
    top: int = 20,
    title: str = "Feature importance (LightGBM gain)",
    xlabel: str = "total gain",
) -> Figure:
    """Horizontal bars of the ``top`` most important features, largest at the top."""
    values = pd.Series(importance, dtype=float).sort_values(ascending=False).head(top)
    if values.empty:
        raise ValueError("nothing to plot: importance is empty")
    figure, ax = _new_axes(None, (7.0, 0.28 * len(values) + 1.2))
    ax.barh(values.index[::-1], values.to_numpy()[::-1])
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return figure


def contribution_bars(
    contributions: Mapping[str, float] | pd.Series,
    *,
    top: int = 12,
    title: str = "Feature contributions to the score",
) -> Figure:
    """The ``top`` largest contributions by size (signed: green raises the score, red lowers
    it), e.g. one row of :meth:`recommender.models.MentorRanker.contributions`."""
    values = pd.Series(contributions, dtype=float).dropna()
    if values.empty:
        raise ValueError("nothing to plot: contributions is empty")
    values = values.reindex(values.abs().sort_values(ascending=False).index).head(top)
    figure, ax = _new_axes(None, (7.0, 0.3 * len(values) + 1.2))
    shown = values.iloc[::-1]
    colors = [_POSITIVE if v >= 0 else _NEGATIVE for v in shown]
    ax.barh(shown.index, shown.to_numpy(), color=colors)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("contribution to the score")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return figure


# --------------------------------------------------------------------------- curves


def metrics_at_k(
    metrics: pd.DataFrame,
    *,
    names: Sequence[str] = ("ndcg", "recall"),
    title: str = "",
    highlight: str = MODEL,
) -> Figure:
    """``name@k`` against k for every ranker: ``metrics`` has one row per ranker and columns
    such as ``ndcg@10`` (like :attr:`recommender.evaluation.protocol.EvaluationResult.metrics`).
    The ``highlight`` ranker is drawn solid, the others dashed."""
    figure = Figure(figsize=(5.2 * len(names), 3.8), layout="constrained")
    axes = np.atleast_1d(figure.subplots(1, len(names), squeeze=False)).ravel()
    for ax, name in zip(axes, names, strict=True):
        columns = sorted(
            (c for c in metrics.columns if str(c).startswith(f"{name}@")),
            key=lambda c: int(str(c).split("@")[1]),
        )
        if not columns:
            raise ValueError(f"metrics has no {name}@k column (columns: {list(metrics.columns)})")
        ks = [int(str(c).split("@")[1]) for c in columns]
        for ranker, row in metrics.iterrows():
            solid = ranker == highlight
            ax.plot(
                ks,
                row[columns].to_numpy(dtype=float),
                "-" if solid else "--",
                marker="o",
                linewidth=2.2 if solid else 1.2,
                label=str(ranker),
                zorder=3 if solid else 2,
            )
        ax.set_xscale("log")
        ax.set_xticks(ks, [str(k) for k in ks])
        ax.set_xlabel("k")
        ax.set_ylabel(f"{name}@k")
        ax.set_title(f"{title} {name.upper()}@k".strip())
        ax.grid(alpha=0.3)
    axes[-1].legend(fontsize=8)
    return figure


def _lorenz(counts: Iterable[float]) -> tuple[np.ndarray, np.ndarray, float]:
    values = np.sort(np.asarray(list(counts), dtype=float))
    if values.size == 0 or values.sum() <= 0:
        raise ValueError("a Lorenz curve needs at least one item with exposure")
    cumulative = np.concatenate([[0.0], np.cumsum(values) / values.sum()])
    share = np.linspace(0.0, 1.0, values.size + 1)
    # Gini = 1 - 2 * area under the Lorenz curve (trapezoids), the same curve as drawn.
    area = float(np.sum((cumulative[1:] + cumulative[:-1]) / 2) / values.size)
    return share, cumulative, 1.0 - 2.0 * area


def lorenz_curves(
    exposure: Mapping[str, Iterable[float]],
    *,
    title: str = "Who gets the exposure",
    item: str = "mentors",
) -> Figure:
    """Lorenz curves of exposure counts (one value per item, zeros included for items never
    shown) for each ranker, with each curve's Gini coefficient in the legend. The diagonal is
    perfect equality."""
    if not exposure:
        raise ValueError("nothing to plot: exposure is empty")
    figure, ax = _new_axes(None, (5.0, 4.6))
    ax.plot([0, 1], [0, 1], color="grey", linewidth=0.8, label="equal exposure")
    for name, counts in exposure.items():
        share, cumulative, gini = _lorenz(counts)
        solid = name == MODEL
        ax.plot(
            share,
            cumulative,
            "-" if solid else "--",
            linewidth=2.2 if solid else 1.2,
            label=f"{name} (Gini {gini:.2f})",
        )
    ax.set_xlabel(f"share of {item} (least exposed first)")
    ax.set_ylabel("share of recommendations")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return figure
