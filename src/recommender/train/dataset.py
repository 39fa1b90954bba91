"""Training and evaluation sets: mentee requests, their graded truth, and candidate lists.

A *request* is one mentee asking for a mentor: their pairings that start within
``gap_days`` of the first one. Its ``as_of`` is the first pairing's time, so every feature sees
only what was known when the mentee asked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recommender.data.labels import LabelPolicy
from recommender.features.pairs import FeatureContext, PairFeaturizer
from recommender.ranking.retrieval import RetrievalConfig, eligibility, retrieve


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


def attach_labels(candidates: pd.DataFrame, truth: pd.DataFrame) -> pd.Series:
    """Each candidate's label from the truth (0 for mentors the mentee was not paired with)."""
    merged = candidates[["query", "mentor_id"]].merge(
        truth[["query", "mentor_id", "label"]], on=["query", "mentor_id"], how="left"
    )
    return merged["label"].fillna(0.0).set_axis(candidates.index)


def training_candidates(
    context: FeatureContext,
    requests: Requests,
    retrieval: RetrievalConfig,
    n_hard_negatives: int,
    n_random_negatives: int,
    seed: int,
) -> pd.DataFrame:
    """What the re-ranker is trained on: for each request, the retrieved candidates (all the
    labelled ones it finds plus ``n_hard_negatives`` sampled from the rest) and
    ``n_random_negatives`` eligible mentors drawn from the whole pool. Positives that retrieval
    misses are *not* forced in: the re-ranker must learn to rank what retrieval hands it."""
    rng = np.random.default_rng(seed)
    queries = requests.queries
    cand = retrieve(context, queries, retrieval)
    cand["label"] = attach_labels(cand, requests.truth)
    cand["random"] = False
    keep = cand["label"] > 0
    noise = rng.random(len(cand))
    cand["_order"] = noise
    negatives = cand[~keep].sort_values(["query", "_order"])
    negatives = negatives.groupby("query", sort=False).head(n_hard_negatives)
    parts = [cand[keep], negatives]
    if n_random_negatives > 0 and len(queries):
        mentor_ids = context.mentors.index.to_numpy(dtype=object)
        for lo in range(0, len(queries), 512):
            q = queries.iloc[lo : lo + 512]
            mask = eligibility(context, q, respect_capacity=False)
            rows = []
            for i in range(len(q)):
                pool = np.flatnonzero(mask[i])
                if len(pool) == 0:
                    continue
                picks = rng.choice(pool, size=min(n_random_negatives, len(pool)), replace=False)
                rows.append(
                    pd.DataFrame(
                        {
                            "query": q["query"].iloc[i],
                            "mentee_id": q["mentee_id"].iloc[i],
                            "mentor_id": mentor_ids[picks],
                            "as_of": q["as_of"].iloc[i],
                        }
                    )
                )
            if rows:
                rand = pd.concat(rows, ignore_index=True)
                rand["retrieval_score"] = np.nan
                rand["source"] = "random"
                rand["label"] = attach_labels(rand, requests.truth)
                rand["random"] = True
                parts.append(rand)
    out = pd.concat(parts, ignore_index=True).drop(columns=["_order"], errors="ignore")
    out = out.drop_duplicates(["query", "mentor_id"], keep="first")
    # Requests without a positive among their candidates give LambdaRank nothing to learn.
    has_pos = out.groupby("query")["label"].transform("max") > 0
    out = out[has_pos].sort_values(["query", "mentor_id"], kind="stable").reset_index(drop=True)
    return out


@dataclass
class RankingSet:
    """Features, labels and group sizes ready for LightGBM (rows grouped by query)."""

    candidates: pd.DataFrame
    features: pd.DataFrame
    labels: np.ndarray
    groups: np.ndarray


def ranking_set(
    featurizer: PairFeaturizer, context: FeatureContext, candidates: pd.DataFrame
) -> RankingSet:
    """Compute features for candidates sorted by query (the one feature code path)."""
    candidates = candidates.sort_values(["query", "mentor_id"], kind="stable").reset_index(
        drop=True
    )
    features = featurizer.transform(candidates, context)
    labels = candidates["label"].to_numpy(dtype=np.float64).round().astype(np.int32)
    groups = candidates.groupby("query", sort=True).size().to_numpy()
    return RankingSet(candidates, features, labels, groups)
