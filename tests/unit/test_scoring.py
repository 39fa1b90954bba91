"""The cold-start rules score: one definition, split into contributions that sum to it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from recommender.features.pairs import FEATURES
from recommender.ranking.explain import family_contributions
from recommender.ranking.scoring import RULE_WEIGHTS, RulesScorer


def _features(seed: int = 3, n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    features = pd.DataFrame(rng.normal(size=(n, len(FEATURES))) * 4, columns=list(FEATURES))
    features.iloc[::7, 3] = np.nan
    features.loc[features.index[::5], "timezone_diff_hours"] = np.nan
    features.loc[features.index[::6], "seniority_gap"] = np.nan
    return features


def test_contributions_sum_to_the_score_and_only_rule_features_contribute() -> None:
    features = _features()
    scorer = RulesScorer()
    parts = scorer.contributions(features)
    assert list(parts.columns) == [*features.columns, "bias"]
    np.testing.assert_allclose(parts.sum(axis=1).to_numpy(), scorer.score(features), atol=1e-12)
    read = set(RULE_WEIGHTS) | {"timezone_diff_hours", "seniority_gap"}
    silent = [c for c in parts.columns if c not in read]
    assert (parts[silent] == 0.0).all().all()
    assert (parts[sorted(read)] != 0.0).any().all()


def test_rules_by_hand() -> None:
    """A hand-worked row: every rule's term, and the families explanations quote."""
    row = dict.fromkeys(FEATURES, np.nan)
    row.update(
        sim_goals_profile=0.6,  # +0.6
        no_shared_language=1.0,  # -1.0
        shared_languages=2.0,  # +0.1
        hist_load_ratio=0.5,  # -0.1
        timezone_diff_hours=8.0,  # -0.03 * (8 - 3) = -0.15
        seniority_gap=-2.0,  # -0.1 * 2 = -0.2
    )
    features = pd.DataFrame([row])
    scorer = RulesScorer()
    np.testing.assert_allclose(scorer.score(features), [0.6 - 1.0 + 0.1 - 0.1 - 0.15 - 0.2])
    families = family_contributions(scorer.contributions(features)).iloc[0]
    np.testing.assert_allclose(families["language"], -0.9)
    np.testing.assert_allclose(families["timezone"], -0.15)
    np.testing.assert_allclose(families["seniority"], -0.2)
    np.testing.assert_allclose(families["availability"], -0.1)


def test_an_older_mentor_or_a_close_time_zone_costs_nothing() -> None:
    row = dict.fromkeys(FEATURES, 0.0)
    row.update(timezone_diff_hours=2.5, seniority_gap=3.0)
    assert RulesScorer().score(pd.DataFrame([row]))[0] == 0.0
