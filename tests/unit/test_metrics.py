"""Ranking metrics: limits, hand-worked values, conventions, and properties against a reference."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import ndcg_score

from recommender.evaluation import breakdowns as B
from recommender.evaluation import metrics as M

RANKING_FNS: dict[str, Callable[..., float]] = {
    "recall": M.recall_at_k,
    "precision": M.precision_at_k,
    "ndcg": M.ndcg_at_k,
    "map": M.map_at_k,
    "mrr": M.mrr,
    "hit_rate": M.hit_rate_at_k,
}
PER_USER_FNS: dict[str, Callable[..., pd.Series]] = {
    "recall": M.recall_at_k_per_user,
    "precision": M.precision_at_k_per_user,
    "ndcg": M.ndcg_at_k_per_user,
    "map": M.map_at_k_per_user,
    "mrr": M.mrr_per_user,
    "hit_rate": M.hit_rate_at_k_per_user,
}


def truth_frame(rows: Sequence[tuple[Any, Any, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["mentee_id", "mentor_id", "label"]).astype(
        {"label": "float64"}
    )


def pred_frame(rows: Sequence[tuple[Any, Any, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["mentee_id", "mentor_id", "score"]).astype(
        {"score": "float64"}
    )


def ranked(user: str, items: Sequence[str]) -> list[tuple[str, str, float]]:
    """Prediction rows that rank ``items`` in the given order (first = best)."""
    return [(user, item, float(len(items) - i)) for i, item in enumerate(items)]


# --------------------------------------------------------------------------------------------
# The hand-worked case
# --------------------------------------------------------------------------------------------

# User "a" has five labelled mentors; relevant means label >= 1:
#   m1: 3, m2: 1, m3: 2, m4: 0 (not relevant), m9: 2 (relevant, but never ranked).
# Ranking by score: 1 m4, 2 m1, 3 m5 (unlabelled), 4 m3, 5 m2, 6 m6.
# Gains 2**label - 1: m1 7, m3 3, m9 3, m2 1.  4 relevant items.
HAND_TRUTH = truth_frame([("a", "m1", 3), ("a", "m2", 1), ("a", "m3", 2), ("a", "m4", 0),
                          ("a", "m9", 2)])  # fmt: skip
HAND_PRED = pred_frame([("a", "m4", 0.9), ("a", "m1", 0.8), ("a", "m5", 0.7), ("a", "m3", 0.6),
                        ("a", "m2", 0.5), ("a", "m6", 0.4)])  # fmt: skip
L3, L5, L6 = math.log2(3), math.log2(5), math.log2(6)

HAND_EXPECTED = {
    # k = 3: only m1 (rank 2) is a hit.
    ("recall", 3): 1 / 4,
    ("precision", 3): 1 / 3,
    ("hit_rate", 3): 1.0,
    # AP@3: precision@2 = 1/2 at the one hit, divided by min(3, 4) = 3.
    ("map", 3): (1 / 2) / 3,
    # DCG@3 = 7/log2(3); IDCG@3 = 7/log2(2) + 3/log2(3) + 3/log2(4) (m9 counts in the ideal).
    ("ndcg", 3): (7 / L3) / (7 + 3 / L3 + 3 / 2),
    # k = 5: hits m1 (rank 2), m3 (rank 4), m2 (rank 5).
    ("recall", 5): 3 / 4,
    ("precision", 5): 3 / 5,
    ("hit_rate", 5): 1.0,
    # AP@5: (1/2 + 2/4 + 3/5) / min(5, 4) = 1.6 / 4 = 0.4.
    ("map", 5): (1 / 2 + 2 / 4 + 3 / 5) / 4,
    # DCG@5 = 7/log2(3) + 3/log2(5) + 1/log2(6); IDCG@5 = 7 + 3/log2(3) + 3/2 + 1/log2(5).
    ("ndcg", 5): (7 / L3 + 3 / L5 + 1 / L6) / (7 + 3 / L3 + 3 / 2 + 1 / L5),
    # First relevant item at rank 2; cut at k = 1 it is missed.
    ("mrr", None): 1 / 2,
    ("mrr", 1): 0.0,
    ("mrr", 2): 1 / 2,
}


@pytest.mark.parametrize(("name", "k"), list(HAND_EXPECTED))
def test_hand_worked_case(name: str, k: int | None) -> None:
    assert RANKING_FNS[name](HAND_TRUTH, HAND_PRED, k) == pytest.approx(HAND_EXPECTED[name, k])


def test_hand_worked_ndcg_numbers() -> None:
    # The same NDCG@3 with the logarithms written out: 4.41650 / 10.39279 = 0.424958.
    assert M.ndcg_at_k(HAND_TRUTH, HAND_PRED, 3) == pytest.approx(0.424958, abs=1e-6)


def test_graded_labels_change_ndcg_but_not_binary_metrics() -> None:
    binary = HAND_TRUTH.assign(label=(HAND_TRUTH["label"] >= 1).astype(float))
    for name in ("recall", "precision", "map", "hit_rate"):
        assert RANKING_FNS[name](binary, HAND_PRED, 5) == RANKING_FNS[name](
            HAND_TRUTH, HAND_PRED, 5
        )
    # Binary gains: DCG@5 = 1/log2(3) + 1/log2(5) + 1/log2(6);
    # IDCG@5 = 1 + 1/log2(3) + 1/2 + 1/log2(5).
    expected = (1 / L3 + 1 / L5 + 1 / L6) / (1 + 1 / L3 + 1 / 2 + 1 / L5)
    assert M.ndcg_at_k(binary, HAND_PRED, 5) == pytest.approx(expected)


def test_relevance_threshold_defines_relevant_for_every_metric() -> None:
    # Threshold 2: relevant are m1 (3), m3 (2), m9 (2); m2 (label 1) is now a non-relevant item.
    assert M.recall_at_k(HAND_TRUTH, HAND_PRED, 5, relevance_threshold=2) == pytest.approx(2 / 3)
    # DCG@5 = 7/log2(3) + 3/log2(5); IDCG@5 = 7 + 3/log2(3) + 3/log2(4)
    expected = (7 / L3 + 3 / L5) / (7 + 3 / L3 + 3 / 2)
    assert M.ndcg_at_k(HAND_TRUTH, HAND_PRED, 5, relevance_threshold=2) == pytest.approx(expected)


# --------------------------------------------------------------------------------------------
# Limits: 1.0 for a perfect ranking, 0.0 when no relevant item makes the top k
# --------------------------------------------------------------------------------------------


def test_perfect_ranking_scores_one() -> None:
    truth = truth_frame([("a", "m1", 3), ("a", "m2", 2), ("a", "m3", 1), ("b", "m7", 1)])
    pred = pred_frame(ranked("a", ["m1", "m2", "m3", "m4", "m5"]) + ranked("b", ["m7", "m1"]))
    for name, fn in RANKING_FNS.items():
        if name != "precision":
            assert fn(truth, pred, 3) == 1.0, name
    assert M.mrr(truth, pred) == 1.0
    # Precision reaches 1 only when every slot of the top k can be relevant.
    assert M.precision_at_k(truth, pred, 1) == 1.0
    assert M.precision_at_k(truth, pred, 3) == pytest.approx((1 + 1 / 3) / 2)


def test_no_relevant_item_in_top_k_scores_zero() -> None:
    truth = truth_frame([("a", "m1", 3), ("a", "m2", 1), ("b", "m7", 1)])
    pred = pred_frame(ranked("a", ["m3", "m4", "m1", "m2"]) + ranked("b", ["m1", "m2", "m7"]))
    for name, fn in RANKING_FNS.items():
        assert fn(truth, pred, 2) == 0.0, name
    # Without a cut-off MRR still finds the first hits at ranks 3 (a) and 3 (b).
    assert M.mrr(truth, pred) == pytest.approx(1 / 3)


# --------------------------------------------------------------------------------------------
# Conventions: which users count, ties, short lists
# --------------------------------------------------------------------------------------------


def test_users_without_predictions_count_as_zero() -> None:
    truth = truth_frame([("a", "m1", 1), ("d", "m1", 2)])  # d was never served
    pred = pred_frame(ranked("a", ["m1", "m2"]))
    for name, fn in PER_USER_FNS.items():
        values = fn(truth, pred, 2)
        assert values.to_dict() == {"a": pytest.approx(1.0 if name != "precision" else 0.5),
                                    "d": 0.0}, name  # fmt: skip
    assert M.ndcg_at_k(truth, pred, 2) == 0.5


def test_users_only_in_predictions_and_users_without_relevant_items_are_ignored() -> None:
    truth = truth_frame([("a", "m1", 1), ("c", "m1", 0)])  # c has no relevant item
    pred = pred_frame(ranked("a", ["m1"]) + ranked("c", ["m1"]) + ranked("e", ["m1"]))
    for name, fn in PER_USER_FNS.items():
        assert list(fn(truth, pred, 1).index) == ["a"], name
    assert M.recall_at_k(truth, pred, 1) == 1.0


def test_no_user_to_evaluate_gives_nan_and_empty_series() -> None:
    truth = truth_frame([("c", "m1", 0)])
    pred = pred_frame(ranked("c", ["m1"]))
    assert math.isnan(M.ndcg_at_k(truth, pred, 5))
    values = M.ndcg_at_k_per_user(truth, pred, 5)
    assert values.empty
    assert values.index.name == "mentee_id"
    assert values.name == "ndcg@5"


def test_per_user_series_shape() -> None:
    values = M.ndcg_at_k_per_user(HAND_TRUTH, HAND_PRED, 3)
    assert values.name == "ndcg@3"
    assert values.index.name == "mentee_id"
    assert values.dtype == np.float64
    assert values.iloc[0] == pytest.approx(HAND_EXPECTED["ndcg", 3])
    assert M.mrr_per_user(HAND_TRUTH, HAND_PRED).name == "mrr"


def test_ties_are_broken_by_item_id() -> None:
    truth = truth_frame([("a", "m2", 1)])
    # m1 and m2 tie; m1 comes first by id whatever the row order, so m2 is at rank 2.
    for rows in ([("a", "m2", 0.5), ("a", "m1", 0.5)], [("a", "m1", 0.5), ("a", "m2", 0.5)]):
        pred = pred_frame(rows)
        assert M.mrr(truth, pred) == 0.5
        assert M.hit_rate_at_k(truth, pred, 1) == 0.0
        assert list(M.top_k(pred, 2)["mentor_id"]) == ["m1", "m2"]


def test_k_larger_than_the_list() -> None:
    truth = truth_frame([("a", "m1", 1), ("a", "m2", 1), ("a", "m9", 1)])
    pred = pred_frame(ranked("a", ["m1", "m2", "m3"]))
    assert M.recall_at_k(truth, pred, 100) == pytest.approx(2 / 3)  # m9 was never ranked
    assert M.precision_at_k(truth, pred, 100) == pytest.approx(2 / 100)  # short lists are not
    assert M.hit_rate_at_k(truth, pred, 100) == 1.0  # rewarded
    assert M.map_at_k(truth, pred, 100) == pytest.approx((1 / 1 + 2 / 2) / 3)
    # IDCG over all 3 relevant items: 1 + 1/log2(3) + 1/2; DCG: 1 + 1/log2(3)
    assert M.ndcg_at_k(truth, pred, 100) == pytest.approx((1 + 1 / L3) / (1 + 1 / L3 + 1 / 2))


def test_relevant_item_missing_from_a_served_list_is_a_miss() -> None:
    truth = truth_frame([("a", "m9", 3)])
    pred = pred_frame(ranked("a", ["m1", "m2"]))
    for name, fn in RANKING_FNS.items():
        assert fn(truth, pred, 10) == 0.0, name
    assert M.mrr(truth, pred) == 0.0


def test_custom_column_names() -> None:
    truth = HAND_TRUTH.rename(columns={"mentee_id": "q", "mentor_id": "pro", "label": "rel"})
    pred = HAND_PRED.rename(columns={"mentee_id": "q", "mentor_id": "pro", "score": "s"})
    cols: dict[str, Any] = {
        "col_user": "q",
        "col_item": "pro",
        "col_rating": "rel",
        "col_prediction": "s",
    }
    assert M.ndcg_at_k(truth, pred, 3, **cols) == pytest.approx(HAND_EXPECTED["ndcg", 3])
    assert M.ndcg_at_k_per_user(truth, pred, 3, **cols).index.name == "q"


def test_integer_ids_work() -> None:
    truth = truth_frame([(1, 10, 1)])
    pred = pred_frame([(1, 11, 0.9), (1, 10, 0.1)])
    assert M.mrr(truth, pred) == 0.5


# --------------------------------------------------------------------------------------------
# Catalogue metrics and top_k
# --------------------------------------------------------------------------------------------


def test_catalog_coverage() -> None:
    pred = pred_frame(ranked("a", ["m1", "m2", "m3"]) + ranked("b", ["m1", "m4", "m2"]))
    # Top 1: {m1}; top 2: {m1, m2, m4}; catalogue of 5 (m5 never ranked).
    catalog = ["m1", "m2", "m3", "m4", "m5"]
    assert M.catalog_coverage(pred, catalog, 1) == pytest.approx(1 / 5)
    assert M.catalog_coverage(pred, catalog, 2) == pytest.approx(3 / 5)
    assert M.catalog_coverage(pred, catalog[:4], 3) == 1.0
    assert M.catalog_coverage(pred.iloc[:0], catalog, 3) == 0.0


def test_catalog_must_contain_every_predicted_item() -> None:
    pred = pred_frame(ranked("a", ["m1", "m2"]))
    with pytest.raises(ValueError, match=r"not in catalog_items \(e\.g\. 'm2'\)"):
        M.catalog_coverage(pred, ["m1"], 1)
    with pytest.raises(ValueError, match="catalog_items is empty"):
        M.catalog_coverage(pred, [], 1)


def test_gini_uniform_exposure_is_zero() -> None:
    # Every item shown exactly once in a top 1.
    pred = pred_frame(ranked("a", ["m1", "m2"]) + ranked("b", ["m2", "m1"]))
    assert M.exposure_gini(pred, 1) == 0.0
    assert M.exposure_gini(pred, 2) == 0.0


def test_gini_one_item_takes_everything() -> None:
    n = 5
    catalog = [f"m{i}" for i in range(n)]
    pred = pred_frame([row for u in "abc" for row in ranked(u, ["m0"])])
    # Exposures (3, 0, 0, 0, 0): the maximum, (n - 1) / n.
    assert M.exposure_gini(pred, 1, catalog) == pytest.approx((n - 1) / n)
    # Without a catalogue only the predicted item exists: nothing to be unequal about.
    assert M.exposure_gini(pred, 1) == 0.0


def test_gini_hand_case() -> None:
    # Top 2 per user: a {m1, m2}, b {m1, m2}, c {m1, m3} -> exposures m1 3, m2 2, m3 1, m4 0.
    pred = pred_frame(ranked("a", ["m1", "m2", "m4"]) + ranked("b", ["m1", "m2", "m4"])
                      + ranked("c", ["m1", "m3", "m4"]))  # fmt: skip
    # Sorted x = (0, 1, 2, 3), n = 4, weights 2i - n - 1 = (-3, -1, 1, 3):
    # G = (0 - 1 + 2 + 9) / (4 * 6) = 10 / 24. m4 is ranked (third) so it counts with 0.
    assert M.exposure_gini(pred, 2) == pytest.approx(10 / 24)
    # Catalogue without m4 and with m4 plus an unranked m5: sorted x = (0, 0, 1, 2, 3),
    # weights (-4, -2, 0, 2, 4): G = (0 + 0 + 0 + 4 + 12) / (5 * 6) = 16 / 30.
    assert M.exposure_gini(pred, 2, ["m1", "m2", "m3", "m4", "m5"]) == pytest.approx(16 / 30)


def test_gini_nothing_shown_is_nan() -> None:
    assert math.isnan(M.exposure_gini(pred_frame([]), 10, ["m1"]))


def test_top_k() -> None:
    pred = pred_frame([("b", "m1", 0.2), ("a", "m1", 0.1), ("a", "m3", 0.9), ("a", "m2", 0.9),
                       ("b", "m2", 0.3)])  # fmt: skip
    out = M.top_k(pred, 2)
    assert list(out.itertuples(index=False, name=None)) == [
        ("a", "m2", 0.9, 1), ("a", "m3", 0.9, 2), ("b", "m2", 0.3, 1), ("b", "m1", 0.2, 2),
    ]  # fmt: skip
    assert list(out.index) == [0, 1, 2, 3]
    assert len(M.top_k(pred, None)) == 5
    assert len(M.top_k(pred, 100)) == 5
    assert list(M.top_k(pred, 1)["mentor_id"]) == ["m2", "m2"]
    with pytest.raises(ValueError, match="already has a column 'rank'"):
        M.top_k(out, 1)


@pytest.mark.parametrize("uneven", [False, True])
def test_top_k_order_matches_a_plain_sort(uneven: bool) -> None:
    # Even list lengths are sorted as a users x candidates table; one long list among short ones
    # takes the global-sort path. Both must give the plain (user, -score, item) order, ties
    # included.
    rng = np.random.default_rng(3)
    rows = [(f"u{j}", f"m{i:03d}", float(rng.integers(0, 4))) for j in range(6) for i in range(40)]
    if uneven:
        rows += [("long", f"m{i:03d}", float(rng.integers(0, 5))) for i in range(900)]
    pred = pred_frame(rows).sample(frac=1, random_state=1)
    out = M.top_k(pred, None)
    expected = pred.sort_values(["mentee_id", "score", "mentor_id"], ascending=[True, False, True])
    assert list(out["mentor_id"]) == list(expected["mentor_id"])
    assert list(out["mentee_id"]) == list(expected["mentee_id"])
    assert list(out["rank"]) == list(expected.groupby("mentee_id").cumcount() + 1)


# --------------------------------------------------------------------------------------------
# Registry and batch computation
# --------------------------------------------------------------------------------------------


def test_primary_metric_is_declared() -> None:
    spec, k = M.parse_metric(M.PRIMARY_METRIC)
    assert (spec.name, k, spec.fn) == ("ndcg", 10, M.ndcg_at_k)
    assert M.GREATER_IS_BETTER is True
    assert M.METRICS["exposure_gini"].greater_is_better is False
    assert all(M.METRICS[name].greater_is_better for name in RANKING_FNS)


def test_parse_metric() -> None:
    assert M.parse_metric("mrr") == (M.METRICS["mrr"], None)
    assert M.parse_metric("Recall@20") == (M.METRICS["recall"], 20)
    with pytest.raises(ValueError, match="unknown metric 'auc'"):
        M.parse_metric("auc")
    with pytest.raises(ValueError, match="needs a cut-off"):
        M.parse_metric("ndcg")
    with pytest.raises(ValueError, match="whole number >= 1"):
        M.parse_metric("ndcg@0")


def test_compute_metrics_matches_the_single_functions() -> None:
    truth = pd.concat([HAND_TRUTH, truth_frame([("b", "m2", 1), ("d", "m1", 1)])])
    pred = pd.concat([HAND_PRED, pred_frame(ranked("b", ["m1", "m2"]))])
    catalog = ["m1", "m2", "m3", "m4", "m5", "m6", "m9"]
    names = [*M.DEFAULT_METRICS, "mrr@1", "coverage@2", "exposure_gini@3"]
    out = M.compute_metrics(truth, pred, names, catalog_items=catalog)
    assert list(out) == names
    for name in M.DEFAULT_METRICS:
        spec, k = M.parse_metric(name)
        assert out[name] == spec.fn(truth, pred, k), name
    assert out["mrr@1"] == M.mrr(truth, pred, 1)
    assert out["coverage@2"] == M.catalog_coverage(pred, catalog, 2) == pytest.approx(3 / 7)
    assert out["exposure_gini@3"] == M.exposure_gini(pred, 3, catalog)
    with pytest.raises(ValueError, match="coverage@2 needs catalog_items"):
        M.compute_metrics(truth, pred, ["coverage@2"])


def test_per_user_metrics_matches_the_per_user_functions() -> None:
    truth = pd.concat([HAND_TRUTH, truth_frame([("b", "m2", 1), ("d", "m1", 1)])])
    pred = pd.concat([HAND_PRED, pred_frame(ranked("b", ["m1", "m2"]))])
    table = M.per_user_metrics(truth, pred, ["ndcg@3", "mrr", "recall@5"])
    assert list(table.columns) == ["ndcg@3", "mrr", "recall@5"]
    assert list(table.index) == ["a", "b", "d"]
    pd.testing.assert_series_equal(table["ndcg@3"], M.ndcg_at_k_per_user(truth, pred, 3))
    pd.testing.assert_series_equal(table["mrr"], M.mrr_per_user(truth, pred))
    with pytest.raises(ValueError, match="no per-user value"):
        M.per_user_metrics(truth, pred, ["coverage@10"])


# --------------------------------------------------------------------------------------------
# Breakdowns and confidence intervals
# --------------------------------------------------------------------------------------------


def test_by_group() -> None:
    truth = truth_frame([("a", "m1", 1), ("b", "m1", 1), ("c", "m1", 1), ("d", "m1", 1)])
    pred = pred_frame(ranked("a", ["m1"]) + ranked("b", ["m2", "m1"]) + ranked("c", ["m1"])
                      + ranked("d", ["m2"]))  # fmt: skip
    # MRR per user: a 1, b 1/2, c 1, d 0. Groups: x = {a, b}, y = {c}, d has none.
    groups = pd.Series({"a": "x", "b": "x", "c": "y", "z": "w"})
    expected = {"(missing)": 0.0, "x": 0.75, "y": 1.0}
    assert B.by_group(M.mrr, truth, pred, groups) == expected
    assert B.by_group(M.mrr_per_user, truth, pred, groups) == expected
    assert B.by_group("mrr", truth, pred, groups.to_dict()) == expected
    # Cut-off by name or keyword.
    assert B.by_group("hit_rate@1", truth, pred, groups) == {"(missing)": 0.0, "x": 0.5, "y": 1.0}
    assert B.by_group(M.hit_rate_at_k, truth, pred, groups, k=1) == {
        "(missing)": 0.0, "x": 0.5, "y": 1.0,
    }  # fmt: skip
    # A missing group value is reported like an unmapped user.
    with_nan = pd.Series({"a": "x", "b": None, "c": "y", "d": "y"})
    assert B.by_group(M.mrr, truth, pred, with_nan, missing_group="?") == {
        "?": 0.5, "x": 1.0, "y": 0.5,
    }  # fmt: skip


def test_by_group_errors() -> None:
    with pytest.raises(ValueError, match="more than once"):
        B.by_group(M.mrr, HAND_TRUTH, HAND_PRED, pd.Series(["x", "y"], index=["a", "a"]))
    with pytest.raises(ValueError, match="catalogue metric"):
        B.by_group("coverage@10", HAND_TRUTH, HAND_PRED, {"a": "x"})
    with pytest.raises(ValueError, match="give the cut-off once"):
        B.by_group("ndcg@10", HAND_TRUTH, HAND_PRED, {"a": "x"}, k=5)
    with pytest.raises(TypeError, match="per-user Series"):
        B.by_group(lambda truth, pred: 0.5, HAND_TRUTH, HAND_PRED, {"a": "x"})


def test_bootstrap_ci() -> None:
    rng = np.random.default_rng(0)
    values = pd.Series(rng.random(400))
    ci = B.bootstrap_ci(values, n=500, seed=1)
    assert ci.low < ci.estimate < ci.high
    assert ci.estimate == pytest.approx(values.mean())
    # The standard error of a mean of 400 U(0, 1) values is 0.0144: a 95% interval is ~0.057 wide.
    assert 0.04 < ci.high - ci.low < 0.075
    assert B.bootstrap_ci(values, n=500, seed=1) == ci  # deterministic
    assert B.bootstrap_ci([0.25, 0.25, 0.25]) == (0.25, 0.25, 0.25)
    narrow = B.bootstrap_ci(values, n=500, alpha=0.5, seed=1)
    assert ci.low < narrow.low < narrow.high < ci.high


def test_bootstrap_ci_batches_do_not_change_the_distribution(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    values = np.random.default_rng(0).random(50)
    monkeypatch.setattr(B, "_BOOTSTRAP_BATCH_ELEMENTS", 120)  # 2 resamples per batch
    low, high = B.bootstrap_ci(values, n=2001, seed=3)[1:]
    se = values.std() / math.sqrt(len(values))
    assert high - low == pytest.approx(2 * 1.96 * se, rel=0.15)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([],), "at least one"),
        (([0.1, float("nan")],), "1 missing value"),
        (([0.1], 0), "n must be"),
        (([0.1], 10, 1.5), "alpha must be"),
    ],
)
def test_bootstrap_ci_errors(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        B.bootstrap_ci(*args)


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("truth", "pred", "message"),
    [
        (HAND_TRUTH.drop(columns="label"), HAND_PRED, "truth has no column 'label'"),
        (HAND_TRUTH, HAND_PRED.drop(columns="score"), "predictions has no column 'score'"),
        (HAND_TRUTH, HAND_PRED.assign(score=[0.1, np.nan, 0.3, 0.4, 0.5, 0.6]),
         r"predictions has 1 row\(s\) with a missing 'score' \(first at index 1\)"),
        (HAND_TRUTH.assign(label=[1.0, 2.0, np.nan, 0.0, 1.0]), HAND_PRED,
         r"truth has 1 row\(s\) with a missing 'label' \(first at index 2\)"),
        (HAND_TRUTH.assign(mentor_id=np.array(["m1", None, "m3", "m4", "m9"], dtype=object)),
         HAND_PRED, "missing 'mentor_id'"),
        (HAND_TRUTH, HAND_PRED.assign(score=["x"] * 6),
         "predictions column 'score' must be numeric.*'x' at index 0"),
        (HAND_TRUTH, pd.concat([HAND_PRED, HAND_PRED.iloc[[2]]]),
         r"predictions has 1 repeated .*\('a', 'm5'\) at index 2"),
        (pd.concat([HAND_TRUTH, HAND_TRUTH.iloc[[1]]]), HAND_PRED,
         r"truth has 1 repeated .*\('a', 'm2'\)"),
        (HAND_TRUTH.assign(mentee_id=1), HAND_PRED, "'mentee_id' holds numbers in truth but text"),
        (HAND_TRUTH.to_dict(), HAND_PRED, "truth must be a pandas DataFrame"),
    ],
)  # fmt: skip
def test_bad_input_is_named(truth: Any, pred: Any, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        M.ndcg_at_k(truth, pred, 3)


@pytest.mark.parametrize("k", [0, -1, 2.5, True, "10"])
def test_bad_k(k: Any) -> None:
    with pytest.raises(ValueError, match="k must be a whole number >= 1"):
        M.recall_at_k(HAND_TRUTH, HAND_PRED, k)


@pytest.mark.parametrize("threshold", [0, -1.0, float("nan")])
def test_bad_threshold(threshold: float) -> None:
    with pytest.raises(ValueError, match="relevance_threshold must be"):
        M.ndcg_at_k(HAND_TRUTH, HAND_PRED, 3, relevance_threshold=threshold)


# --------------------------------------------------------------------------------------------
# Properties against a plain reference implementation
# --------------------------------------------------------------------------------------------


def reference(truth: pd.DataFrame, pred: pd.DataFrame, k: int) -> dict[str, dict[str, float]]:
    """Per-user metrics, one user at a time, straight from the textbook definitions."""
    out: dict[str, dict[str, float]] = {name: {} for name in RANKING_FNS}
    labels = {(u, i): lab for u, i, lab in truth.itertuples(index=False, name=None)}
    for user in sorted({u for (u, _), lab in labels.items() if lab >= 1}):
        rel = {i: lab for (u, i), lab in labels.items() if u == user and lab >= 1}
        rows = [(i, s) for u, i, s in pred.itertuples(index=False, name=None) if u == user]
        ranking = [i for i, _ in sorted(rows, key=lambda r: (-r[1], r[0]))]
        hits = [r for r, i in enumerate(ranking[:k], start=1) if i in rel]
        out["recall"][user] = len(hits) / len(rel)
        out["precision"][user] = len(hits) / k
        out["hit_rate"][user] = float(bool(hits))
        out["map"][user] = sum(n / r for n, r in enumerate(hits, start=1)) / min(k, len(rel))
        first = next((r for r, i in enumerate(ranking, start=1) if i in rel), None)
        out["mrr"][user] = 0.0 if first is None else 1 / first
        dcg = sum((2 ** rel[ranking[r - 1]] - 1) / math.log2(r + 1) for r in hits)
        ideal = sorted((2**lab - 1 for lab in rel.values()), reverse=True)[:k]
        out["ndcg"][user] = dcg / sum(g / math.log2(r + 1) for r, g in enumerate(ideal, start=1))
    return out


USERS = ["u0", "u1", "u2", "u3"]
ITEMS = ["m0", "m1", "m2", "m3", "m4", "m5"]


@st.composite
def cases(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    pairs = [(u, i) for u in USERS for i in ITEMS]
    labelled = draw(st.lists(st.sampled_from(pairs), unique=True, min_size=1, max_size=14))
    labels = draw(st.lists(st.sampled_from([0, 1, 2, 3]), min_size=len(labelled),
                           max_size=len(labelled)))  # fmt: skip
    scored = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=24))
    # Few distinct scores, so ties are common.
    scores = draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, -1.0]), min_size=len(scored),
                           max_size=len(scored)))  # fmt: skip
    truth = truth_frame([(u, i, lab) for (u, i), lab in zip(labelled, labels, strict=True)])
    pred = pred_frame([(u, i, s) for (u, i), s in zip(scored, scores, strict=True)])
    return truth, pred, draw(st.integers(1, 8))


def names_for(k: int) -> list[str]:
    return [name if name == "mrr" else f"{name}@{k}" for name in RANKING_FNS]


@settings(max_examples=40, deadline=None)
@given(cases())
def test_matches_reference_and_stays_in_unit_interval(
    case: tuple[pd.DataFrame, pd.DataFrame, int],
) -> None:
    truth, pred, k = case
    expected = reference(truth, pred, k)
    table = M.per_user_metrics(truth, pred, names_for(k))
    means = M.compute_metrics(truth, pred, names_for(k))
    for name, column in zip(RANKING_FNS, table.columns, strict=True):
        got = table[column].to_dict()
        assert got == pytest.approx(expected[name]), name
        assert all(0.0 <= v <= 1.0 for v in got.values()), name
        if got:
            assert means[column] == pytest.approx(table[column].mean())
        else:
            assert math.isnan(means[column])


@settings(max_examples=40, deadline=None)
@given(cases(), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(case: tuple[pd.DataFrame, pd.DataFrame, int], rnd: Any) -> None:
    truth, pred, k = case
    seed = rnd.randint(0, 2**31)
    shuffled_truth = truth.sample(frac=1, random_state=seed)
    shuffled_pred = pred.sample(frac=1, random_state=seed + 1)
    pd.testing.assert_frame_equal(
        M.per_user_metrics(truth, pred, names_for(k)),
        M.per_user_metrics(shuffled_truth, shuffled_pred, names_for(k)),
    )
    pd.testing.assert_frame_equal(M.top_k(pred, k), M.top_k(shuffled_pred, k))
    gini, shuffled_gini = M.exposure_gini(pred, k), M.exposure_gini(shuffled_pred, k)
    assert gini == shuffled_gini or (math.isnan(gini) and math.isnan(shuffled_gini))


@settings(max_examples=40, deadline=None)
@given(cases())
def test_ideal_ordering_scores_one(case: tuple[pd.DataFrame, pd.DataFrame, int]) -> None:
    truth, _, k = case
    # Score every labelled pair by its own label (ties among equal labels cannot change DCG).
    pred = truth.rename(columns={"label": "score"})
    values = M.ndcg_at_k_per_user(truth, pred, k)
    assert (values == 1.0).all()
    assert (M.map_at_k_per_user(truth, pred, k) == 1.0).all()
    assert (M.mrr_per_user(truth, pred) == 1.0).all()


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 20), min_size=1, max_size=30))
def test_gini_in_unit_interval_and_zero_iff_equal(counts: list[int]) -> None:
    # Build predictions in which item j is in exactly counts[j] users' top 1.
    rows = [(f"u{j}_{c}", f"m{j:02d}", 1.0) for j, n in enumerate(counts) for c in range(n)]
    catalog = [f"m{j:02d}" for j in range(len(counts))]
    gini = M.exposure_gini(pred_frame(rows), 1, catalog)
    if sum(counts) == 0:
        assert math.isnan(gini)
        return
    n = len(counts)
    assert 0.0 <= gini <= (n - 1) / n + 1e-12
    assert (gini == pytest.approx(0.0, abs=1e-12)) == (len(set(counts)) == 1)
    # Mean absolute difference form of the same coefficient.
    x = np.array(counts, dtype=float)
    mad = np.abs(x[:, None] - x[None, :]).sum() / (2 * n * n * x.mean())
    assert gini == pytest.approx(mad)


def test_ndcg_agrees_with_sklearn() -> None:
    # sklearn's ndcg_score uses linear gains over every scored item; passing 2**label - 1 as its
    # relevance and scoring every labelled item with distinct scores makes the definitions equal.
    rng = np.random.default_rng(7)
    n_users, n_items, k = 30, 25, 10
    labels = rng.integers(0, 4, size=(n_users, n_items))
    labels[:, 0] = np.maximum(labels[:, 0], 1)  # every user has a relevant item
    scores = rng.random((n_users, n_items))
    users = np.repeat([f"u{u:02d}" for u in range(n_users)], n_items)
    items = np.tile([f"m{i:02d}" for i in range(n_items)], n_users)
    truth = pd.DataFrame({"mentee_id": users, "mentor_id": items, "label": labels.ravel()})
    pred = pd.DataFrame({"mentee_id": users, "mentor_id": items, "score": scores.ravel()})
    expected = ndcg_score(2.0**labels - 1, scores, k=k)
    assert M.ndcg_at_k(truth, pred, k) == pytest.approx(expected)
    per_user = M.ndcg_at_k_per_user(truth, pred, k).to_numpy()
    for u in range(n_users):
        assert per_user[u] == pytest.approx(ndcg_score([2.0 ** labels[u] - 1], [scores[u]], k=k))
