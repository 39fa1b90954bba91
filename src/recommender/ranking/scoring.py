"""Scorers that turn pair features into a ranking score, and split it into contributions.

A trained :class:`recommender.models.MentorRanker` scores with LightGBM. Before any model
exists (cold start) :class:`RulesScorer` ranks by an embedding + rules score and says so.
Every scorer also splits its score into one contribution per feature plus a ``bias`` column
(:meth:`Scorer.contributions`); the row sums are the scores, and explanations are built from
them, so a reason never disagrees with the ranking it explains.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd

__all__ = [
    "RULE_WEIGHTS",
    "SENIORITY_PENALTY",
    "TIMEZONE_FREE_HOURS",
    "TIMEZONE_PENALTY",
    "RulesScorer",
    "Scorer",
]


class Scorer(Protocol):
    """Anything that scores feature rows (higher is better) and can say how."""

    name: str
    is_model: bool

    def score(self, features: pd.DataFrame) -> np.ndarray: ...

    def contributions(self, features: pd.DataFrame) -> pd.DataFrame:
        """One column per feature plus ``bias``; each row sums to its score."""
        ...


#: Hand-set weights of the cold-start score's linear terms (used only when no trained model
#: exists).
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
#: Score lost per hour of time-zone difference beyond :data:`TIMEZONE_FREE_HOURS`.
TIMEZONE_PENALTY = 0.03
TIMEZONE_FREE_HOURS = 3.0
#: Score lost per seniority level the mentor is below the mentee (a junior mentor fits less).
SENIORITY_PENALTY = 0.1


def _column(features: pd.DataFrame, name: str) -> np.ndarray:
    return features[name].to_numpy(dtype=np.float64)


class RulesScorer:
    """Embedding similarity plus a few rules (language, time zone, seniority, load).

    Each rule is a term of one feature; :meth:`contributions` lists the terms and
    :meth:`score` is their sum (missing feature values count as 0).
    """

    name = "embedding+rules"
    is_model = False

    def _terms(self, features: pd.DataFrame) -> dict[str, np.ndarray]:
        """Feature -> its term of the score, in the order they are added up."""
        terms = {
            column: weight * np.nan_to_num(_column(features, column))
            for column, weight in RULE_WEIGHTS.items()
        }
        tz = np.nan_to_num(_column(features, "timezone_diff_hours"))
        terms["timezone_diff_hours"] = -TIMEZONE_PENALTY * np.clip(
            tz - TIMEZONE_FREE_HOURS, 0.0, None
        )
        gap = _column(features, "seniority_gap")
        terms["seniority_gap"] = -SENIORITY_PENALTY * np.nan_to_num(np.clip(-gap, 0.0, None))
        return terms

    def score(self, features: pd.DataFrame) -> np.ndarray:
        total = np.zeros(len(features))
        for term in self._terms(features).values():
            total += term
        return total

    def contributions(self, features: pd.DataFrame) -> pd.DataFrame:
        """Per-feature terms of :meth:`score` (0 for features no rule reads) and a zero
        ``bias``; each row sums to the score."""
        out = pd.DataFrame(0.0, index=features.index, columns=[*features.columns, "bias"])
        for column, term in self._terms(features).items():
            out[column] = term
        return out
