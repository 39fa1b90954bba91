"""Mentee requests and their graded truth: what training and evaluation both rank for.

A *request* is one mentee asking for a mentor: their pairings that start within
``gap_days`` of the first one. Its ``as_of`` is the first pairing's time, so every feature sees
only what was known when the mentee asked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recommender.data.contract import Programme
from recommender.data.labels import LabelPolicy

__all__ = ["NotEnoughDataError", "Requests", "build_requests", "held_out_requests"]


class NotEnoughDataError(ValueError):
    """The programme is too small or has no outcomes to learn from."""


@dataclass
class Requests:
    """``queries``: one row per request (``query``, ``mentee_id``, ``as_of``), ``query`` being
    the row number; ``truth``: each request's labelled pairings (``query``, ``mentee_id``,
    ``mentor_id``, ``label``), best label per mentor."""

    queries: pd.DataFrame
    truth: pd.DataFrame

    def subset(self, mask: np.ndarray) -> Requests:
        queries = self.queries[mask].reset_index(drop=True)
        renumber = dict(zip(self.queries["query"][mask], range(len(queries)), strict=True))
        truth = self.truth[self.truth["query"].isin(renumber)].copy()
        truth["query"] = truth["query"].map(renumber).astype(np.int64)
        queries["query"] = np.arange(len(queries), dtype=np.int64)
        return Requests(queries, truth.reset_index(drop=True))


def build_requests(pairings: pd.DataFrame, policy: LabelPolicy, gap_days: float = 60) -> Requests:
    """Group pairings into mentee requests and attach graded labels from ``policy``."""
    p = pairings[["mentee_id", "mentor_id", "created_at", "status", "rating"]].copy()
    p["label"] = policy.labels(pairings).to_numpy()
    p = p.sort_values(["mentee_id", "created_at", "mentor_id"], kind="stable")
    gap = pd.Timedelta(days=gap_days)
    starts: list[pd.Timestamp] = []
    current_mentee, start = None, None
    for mentee, created in zip(p["mentee_id"], p["created_at"], strict=True):
        if mentee != current_mentee or start is None or created - start > gap:
            current_mentee, start = mentee, created
        starts.append(start)
    p["as_of"] = pd.to_datetime(pd.Series(starts, index=p.index), utc=True)
    queries = (
        p[["mentee_id", "as_of"]]
        .drop_duplicates()
        .sort_values(["as_of", "mentee_id"])
        .reset_index(drop=True)
    )
    queries["query"] = np.arange(len(queries), dtype=np.int64)
    p = p.merge(queries, on=["mentee_id", "as_of"], how="left")
    truth = (
        p.dropna(subset=["label"])
        .groupby(["query", "mentee_id", "mentor_id"], as_index=False)
        .agg(label=("label", "max"))
    )
    return Requests(queries[["query", "mentee_id", "as_of"]], truth)


def held_out_requests(
    programme: Programme, cutoff: pd.Timestamp, policy: LabelPolicy, gap_days: float = 60
) -> Requests:
    """Requests made at or after the cut-off that have a successful pairing to find."""
    requests = build_requests(programme.pairings, policy, gap_days)
    after = (requests.queries["as_of"] >= cutoff).to_numpy()
    reqs = requests.subset(after)
    has_success = reqs.truth.groupby("query")["label"].max() >= policy.success_threshold
    keep = reqs.queries["query"].isin(has_success[has_success].index).to_numpy()
    return reqs.subset(keep)
