"""Scorers that turn pair features into a ranking score.

A trained :class:`recommender.models.MentorRanker` scores with LightGBM. Before any model
exists (cold start) :class:`RulesScorer` ranks by an embedding + rules score and says so.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd


class Scorer(Protocol):
    """Anything that scores feature rows (higher is better)."""

    name: str
    is_model: bool

    def score(self, features: pd.DataFrame) -> np.ndarray: ...


#: Hand-set weights of the cold-start score (used only when no trained model exists).
RULE_WEIGHTS: dict[str, float] = {
    "sim_goals_profile": 1.0,
    "sim_wanted_skills": 0.7,
    "sim_goals_history": 0.5,
    "skill_gap_coverage": 0.5,
    "skill_gap_coverage_soft": 0.3,
    "history_skill_coverage": 0.3,
    "shared_languages": 0.05,
    "no_shared_language": -1.0,
    "mentoring_type_fit": 0.1,
    "hist_load_ratio": -0.2,
}


class RulesScorer:
    """Embedding similarity plus a few rules (language, time zone, seniority, load)."""

    name = "embedding+rules"
    is_model = False

    def score(self, features: pd.DataFrame) -> np.ndarray:
        total = np.zeros(len(features))
        for column, weight in RULE_WEIGHTS.items():
            total += weight * np.nan_to_num(features[column].to_numpy(dtype=np.float64))
        tz = np.nan_to_num(features["timezone_diff_hours"].to_numpy(dtype=np.float64))
        total -= 0.03 * np.clip(tz - 3.0, 0.0, None)
        gap = features["seniority_gap"].to_numpy(dtype=np.float64)
        total -= 0.1 * np.nan_to_num(np.clip(-gap, 0.0, None))  # a junior mentor fits less
        return total
