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

    def labels(self, pairings: pd.DataFrame) -> pd.Series:
        """Graded label per pairing (float; NaN where the outcome is unknown)."""
        status = pairings["status"].astype(object)
        out = status.map(lambda s: self.status_labels.get(s)).astype("float64")
        if "rating" in pairings:
            rating = pd.to_numeric(pairings["rating"], errors="coerce").astype("float64")
            high = (status == self.high_rating_status).to_numpy() & (
                rating.to_numpy(na_value=np.nan) >= self.high_rating
            )
            out[high] = self.high_rating_label
        return out

    def is_success(self, pairings: pd.DataFrame) -> pd.Series:
        """True where the pairing counts as successful."""
        return self.labels(pairings).fillna(-1.0) >= self.success_threshold


DEFAULT_LABEL_POLICY = LabelPolicy()
