"""Training sets: each request's candidate mentors with labels, and LightGBM's ranking set.

Requests (:mod:`recommender.evaluation.requests`) are shared with evaluation; this module adds
what only training needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recommender.evaluation.requests import Requests
from recommender.features.context import FeatureContext
from recommender.features.pairs import PairFeaturizer
from recommender.ranking.retrieval import RetrievalConfig, eligibility, retrieve

__all__ = ["RankingSet", "attach_labels", "ranking_set", "training_candidates"]


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
