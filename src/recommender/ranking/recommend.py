"""Two-stage ranking for a batch of mentee requests: retrieve, featurise, score, top-k.

Batch ``recommend``, the offline evaluation and the API all call :func:`rank_requests`, so they
rank through the same code.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from recommender.features.context import FeatureContext
from recommender.features.pairs import PairFeaturizer
from recommender.progress import track
from recommender.ranking.retrieval import RetrievalConfig, SignalProvider, retrieve
from recommender.ranking.scoring import Scorer


def rank_requests(
    scorer: Scorer,
    featurizer: PairFeaturizer,
    context: FeatureContext,
    queries: pd.DataFrame,
    k: int,
    retrieval: RetrievalConfig | None = None,
    *,
    respect_capacity: bool = True,
    batch_size: int = 256,
    with_features: bool = False,
    candidate_mask: np.ndarray | None = None,
    signals: SignalProvider | None = None,
    progress: str | None = None,
) -> pd.DataFrame:
    """Top-``k`` mentors per query (``query``, ``mentee_id``, ``as_of``): columns ``query``,
    ``mentee_id``, ``mentor_id``, ``score``, ``rank`` (1 best) and ``source`` (which retrieval
    signals found the mentor); with ``with_features`` also every feature column.

    ``candidate_mask`` and ``signals`` are passed to :func:`~recommender.ranking.retrieval.
    retrieve` (a 2-D mask has one row per query, in the order of ``queries``). With
    ``progress`` (a description), batch jobs show a progress bar over the queries."""
    queries = queries.reset_index(drop=True)
    if "query" not in queries:
        queries = queries.assign(query=np.arange(len(queries), dtype=np.int64))
    parts = []
    batches = range(0, len(queries), batch_size)
    starts: Iterable[int] = batches
    if progress is not None:
        starts = track(batches, progress, total=len(batches))
    for lo in starts:
        q = queries.iloc[lo : lo + batch_size].reset_index(drop=True)
        mask = candidate_mask
        if mask is not None and mask.ndim == 2:
            mask = mask[lo : lo + batch_size]
        cand = retrieve(
            context,
            q,
            retrieval,
            respect_capacity=respect_capacity,
            candidate_mask=mask,
            signals=signals,
        )
        if cand.empty:
            continue
        cand["query"] = q["query"].to_numpy()[cand["query"].to_numpy()]
        features = featurizer.transform(cand, context)
        score = np.asarray(scorer.score(features), dtype=np.float64)
        query = cand["query"].to_numpy()
        # Best first within each query; ties broken by mentor id so rankings are reproducible.
        order = np.lexsort((cand["mentor_id"].to_numpy(dtype=object), -score, query))
        sorted_query = query[order]
        first = np.flatnonzero(np.r_[True, sorted_query[1:] != sorted_query[:-1]])
        rank = np.arange(len(order)) - np.repeat(first, np.diff(np.r_[first, len(order)])) + 1
        keep = rank <= k
        top = cand.iloc[order[keep]].reset_index(drop=True)
        top["score"] = score[order[keep]]
        top["rank"] = rank[keep]
        if with_features:
            top = pd.concat([top, features.iloc[order[keep]].reset_index(drop=True)], axis=1)
        parts.append(top)
    columns = ["query", "mentee_id", "mentor_id", "as_of", "score", "rank", "source"]
    if not parts:
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts, ignore_index=True)
    return out if with_features else out[columns]


class UnknownMenteesError(ValueError):
    """Some requested mentee ids are not in the programme."""

    def __init__(self, unknown: list[str], source: str) -> None:
        self.unknown = unknown
        shown = ", ".join(unknown[:10]) + (" ..." if len(unknown) > 10 else "")
        super().__init__(
            f"{len(unknown)} mentee id(s) in {source} are not in the programme's mentees: {shown}"
        )


def read_id_file(path: Path) -> list[str]:
    """Ids from a text file, one per line; blank lines and surrounding spaces ignored,
    duplicates kept once (first occurrence order)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    seen: dict[str, None] = {}
    for line in text.splitlines():
        value = line.strip()
        if value:
            seen.setdefault(value, None)
    return list(seen)


def recommend_batch(
    scorer: Scorer,
    featurizer: PairFeaturizer,
    context: FeatureContext,
    mentee_ids: list[str],
    k: int,
    retrieval: RetrievalConfig | None = None,
    *,
    as_of: pd.Timestamp | None = None,
    skip_unknown: bool = False,
    source: str = "the request",
    respect_capacity: bool = True,
) -> pd.DataFrame:
    """Top-``k`` mentors (``mentee_id, mentor_id, rank, score``) for each listed mentee, as of
    ``as_of`` (default: now), using all of the programme's pairings as history."""
    known = context.mentees.index
    unknown = [m for m in mentee_ids if m not in known]
    if unknown and not skip_unknown:
        raise UnknownMenteesError(unknown, source)
    ids = [m for m in mentee_ids if m in known]
    when = as_of if as_of is not None else pd.Timestamp.now(tz="UTC")
    cfg = (retrieval or RetrievalConfig()).for_k(k)
    queries = pd.DataFrame({"mentee_id": pd.Series(ids, dtype=object), "as_of": when})
    ranked = rank_requests(
        scorer,
        featurizer,
        context,
        queries,
        k,
        cfg,
        respect_capacity=respect_capacity,
        progress="ranking mentors for the listed mentees",
    )
    return ranked[["mentee_id", "mentor_id", "rank", "score"]].reset_index(drop=True)
