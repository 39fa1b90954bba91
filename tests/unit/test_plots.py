"""The notebook plotting helpers: the numbers they summarise and what they draw."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from recommender import plots


def test_wilson_interval_matches_hand_computed_values() -> None:
    # 8 of 10 (z=1.96): centre (0.8 + 3.84/20) / 1.384, half-width 1.96*sqrt(.016+.0096)/1.384.
    low, high = plots.wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-3)
    assert high == pytest.approx(0.9433, abs=1e-3)
    assert plots.wilson_interval(0, 5)[0] == 0.0
    assert plots.wilson_interval(5, 5)[1] == 1.0
    assert all(np.isnan(plots.wilson_interval(0, 0)))
    with pytest.raises(ValueError, match="successes <= n"):
        plots.wilson_interval(3, 2)


def test_mean_by_group_binary_counts_rates_and_keeps_missing_groups() -> None:
    values = pd.Series([1, 0, 1, 1, 0, 1], index=list("abcdef"))
    groups = pd.Series(["x", "x", "y", None, "y", "y"], index=list("abcdef"))
    summary = plots.mean_by_group(values, groups, binary=True)
    rows = summary.set_index("group")
    assert list(rows.index) == ["(missing)", "x", "y"]
    assert rows.loc["x", "n"] == 2
    assert rows.loc["x", "mean"] == 0.5
    assert rows.loc["y", "mean"] == pytest.approx(2 / 3)
    assert rows.loc["(missing)", "n"] == 1
    assert (summary["low"] <= summary["mean"]).all()
    assert (summary["mean"] <= summary["high"]).all()
    assert set(summary["series"]) == {"value"}  # an unnamed Series gets a readable name


def test_mean_by_group_compares_columns_and_respects_order() -> None:
    values = pd.DataFrame({"model": [0.2, 0.4, 0.9, np.nan], "baseline": [0.1, 0.1, 0.3, 0.5]})
    groups = pd.Series(["small", "small", "large", "large"])
    summary = plots.mean_by_group(values, groups, order=["small", "large"])
    assert list(summary["group"]) == ["small", "small", "large", "large"]
    assert list(summary["series"]) == ["model", "baseline", "model", "baseline"]
    model_large = summary[(summary["group"] == "large") & (summary["series"] == "model")]
    # The missing model value is left out of that mean, not counted as 0.
    assert model_large["n"].item() == 1
    assert model_large["mean"].item() == pytest.approx(0.9)


def test_mean_by_group_rejects_unaligned_groups_and_non_binary_values() -> None:
    with pytest.raises(ValueError, match="no entry for 1 row"):
        plots.mean_by_group(pd.Series([1, 0], index=[0, 1]), pd.Series(["a"], index=[0]))
    with pytest.raises(ValueError, match="other than 0 and 1"):
        plots.mean_by_group(pd.Series([0.5, 1.0]), pd.Series(["a", "a"]), binary=True)


def test_grouped_bars_draws_one_bar_per_group_and_series() -> None:
    values = pd.DataFrame({"model": [1.0, 0.0, 1.0], "random": [0.0, 0.0, 1.0]})
    summary = plots.mean_by_group(values, pd.Series(["a", "b", "b"]), binary=True)
    fig = plots.grouped_bars(summary, title="t")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert len(ax.patches) == 4  # 2 groups x 2 series
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a\n(n=1)", "b\n(n=2)"]
    with pytest.raises(ValueError, match="mean_by_group"):
        plots.grouped_bars(pd.DataFrame({"group": ["a"]}))


def test_bar_grid_hides_unused_panels() -> None:
    summary = plots.mean_by_group(pd.Series([1.0, 2.0]), pd.Series(["a", "b"]))
    fig = plots.bar_grid({"one": summary, "two": summary}, ncols=3)
    assert [ax.get_title() for ax in fig.axes] == ["one", "two"]
    with pytest.raises(ValueError, match="empty"):
        plots.bar_grid({})


def test_feature_importance_and_contributions_order_their_bars() -> None:
    fig = plots.feature_importance({"a": 1.0, "b": 5.0, "c": 3.0}, top=2)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["c", "b"]  # largest drawn at the top
    fig = plots.contribution_bars(pd.Series({"x": -0.5, "y": 0.1, "z": 0.02}), top=2)
    bars: list[Any] = list(fig.axes[0].patches)
    assert [round(b.get_width(), 2) for b in bars] == [0.1, -0.5]
    assert bars[0].get_facecolor() != bars[1].get_facecolor()  # sign is colour-coded


def test_metrics_at_k_draws_a_line_per_ranker() -> None:
    table = pd.DataFrame(
        {"ndcg@10": [0.5, 0.2], "ndcg@5": [0.4, 0.1], "recall@10": [0.7, 0.3]},
        index=["model", "random"],
    )
    fig = plots.metrics_at_k(table, title="split")
    ndcg, recall = fig.axes
    assert [line.get_label() for line in ndcg.get_lines()] == ["model", "random"]
    assert list(np.asarray(ndcg.get_lines()[0].get_xdata())) == [5, 10]  # sorted by k
    assert ndcg.get_lines()[0].get_linestyle() == "-"
    assert ndcg.get_lines()[1].get_linestyle() == "--"
    assert recall.get_title() == "split RECALL@k"
    with pytest.raises(ValueError, match="no map@k column"):
        plots.metrics_at_k(table, names=("map",))


def test_lorenz_curves_report_the_gini_coefficient() -> None:
    fig = plots.lorenz_curves({"model": [1, 1, 1, 1], "popularity": [0, 0, 0, 4]})
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    # Equal exposure has Gini 0; one of four items taking everything has (n - 1) / n = 0.75.
    assert labels == ["equal exposure", "model (Gini 0.00)", "popularity (Gini 0.75)"]
    with pytest.raises(ValueError, match="at least one item"):
        plots.lorenz_curves({"none": [0, 0]})
