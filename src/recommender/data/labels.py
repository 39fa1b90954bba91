"""The label policy: how a pairing's status and rating become a graded relevance label."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field


class LabelPolicy(BaseModel):
    """Maps a pairing outcome to a graded relevance label (higher is better).

    Defaults: declined / ended_early -> 0, accepted / active -> 1, completed -> 2, completed with
    rating >= ``high_rating`` -> 3. ``proposed`` pairings have no outcome yet: they get no label
    (NaN) and are left out of training targets, but still count as existing pairs and load.
    With ``use_feedback_sentiment``, a finished pairing without a rating is graded by the
    rating its feedback's sentiment implies.
    """

    status_labels: dict[str, float | None] = Field(
        default_factory=lambda: {
            "proposed": None,
            "declined": 0.0,
            "ended_early": 0.0,
            "accepted": 1.0,
            "active": 1.0,
            "completed": 2.0,
        }
    )
    high_rating: float = 4.0
    high_rating_status: str = "completed"
    high_rating_label: float = 3.0
    #: A pairing with label >= this counts as a success (recall, MRR, MAP, history features).
    success_threshold: float = 1.0
    #: Where a finished pairing has no rating, read one from its feedback's sentiment:
    #: ``3 + 2 * sentiment`` (so sentiment >= 0.5 counts as a rating of 4). Needs a
    #: ``sentiment`` column (training adds it; see docs/feedback.md); without one, or with
    #: this off, labels are as before.
    use_feedback_sentiment: bool = False
    #: Statuses that count as finished for ``use_feedback_sentiment``.
    finished_statuses: tuple[str, ...] = ("completed", "ended_early")

    def ratings(self, pairings: pd.DataFrame) -> pd.Series:
        """The rating each label uses: the given one, else (with ``use_feedback_sentiment``, for
        finished pairings) the one read from the ``sentiment`` column; NaN when neither."""
        if "rating" in pairings:
            rating = pd.to_numeric(pairings["rating"], errors="coerce").astype("float64")
        else:
            rating = pd.Series(np.nan, index=pairings.index, dtype="float64")
        if self.use_feedback_sentiment and "sentiment" in pairings:
            sentiment = pd.to_numeric(pairings["sentiment"], errors="coerce").astype("float64")
            fill = (
                rating.isna()
                & sentiment.notna()
                & pairings["status"].astype(object).isin(self.finished_statuses)
            )
            rating = rating.where(~fill, 3.0 + 2.0 * sentiment.clip(-1.0, 1.0))
        return rating

    def labels(self, pairings: pd.DataFrame) -> pd.Series:
        """Graded label per pairing (float; NaN where the outcome is unknown)."""
        status = pairings["status"].astype(object)
        out = status.map(lambda s: self.status_labels.get(s)).astype("float64")
        rating = self.ratings(pairings)
        high = (status == self.high_rating_status).to_numpy() & (
            rating.to_numpy(na_value=np.nan) >= self.high_rating
        )
        out[high] = self.high_rating_label
        return out

    def is_success(self, pairings: pd.DataFrame) -> pd.Series:
        """True where the pairing counts as successful."""
        return self.labels(pairings).fillna(-1.0) >= self.success_threshold


DEFAULT_LABEL_POLICY = LabelPolicy()
