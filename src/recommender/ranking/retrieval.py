"""Stage one of ranking: which mentors may be suggested, and the top-N worth re-ranking.

Eligibility (a hard filter): the mentor exists and is available at ``as_of``, has capacity left,
is not the mentee, and was not already paired with them. Retrieval then unions the top lists of
several cheap signals over the eligible pool, so the re-ranker sees candidates that look like a
match for different reasons: embedding similarity of goals and skills to
the mentor's profile and skills, similarity to the mentor's successful past mentees, exact
skill/tag overlap with what the mentor lists or has helped with, and recent activity.

The same signals, each ranking the whole pool on its own, are the offline baselines.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recommender.features.context import FeatureContext
from recommender.features.history import to_seconds
from recommender.features.pairs import person_sets
from recommender.features.text import skill_set
from recommender.ranking.capacity import (
    ever_held,
    mentor_capacity,
    remaining_places,
    to_millis,
)

SIGNALS = ("embedding", "history", "skills", "activity")


@dataclass(frozen=True)
class RetrievalConfig:
    """How many candidates each signal contributes (the union is re-ranked)."""

    n_embedding: int = 100
    n_history: int = 50
    n_skills: int = 50
    n_activity: int = 20
    #: History snapshots are taken at most this often; always at or before each query's as_of.
    snapshot_days: int = 30
    recent_days: int = 180
    chunk: int = 256

    @property
    def n_total(self) -> int:
        return self.n_embedding + self.n_history + self.n_skills + self.n_activity

    def for_k(self, k: int) -> RetrievalConfig:
        """This config, widened so that ``k`` results exist whenever ``k`` mentors are
        eligible: the embedding signal alone must then hand over ``k`` (the other signals'
        lists may overlap it entirely)."""
        return self if self.n_embedding >= k else replace(self, n_embedding=k)


def top_k_columns(scores: np.ndarray, k: int, offsets: np.ndarray | None = None) -> np.ndarray:
    """Column indices of each row's k best finite scores (unordered), -1 padded.

    Ties at the cut go to the columns met first when each row's columns are read from its
    ``offsets`` entry on, wrapping around (default 0): deterministic on every machine
    (``argpartition`` alone picks among ties by the CPU's SIMD code path, so the same data gave
    other candidates, and another model, elsewhere), and, with an offset per mentee, tied
    mentors take turns instead of the first in the table always winning."""
    n_rows, n_cols = scores.shape
    k = min(k, n_cols)
    if k <= 0:
        return np.empty((n_rows, 0), dtype=np.int64)
    values = np.where(np.isnan(scores), -np.inf, scores)
    if k == n_cols:
        columns = np.broadcast_to(np.arange(n_cols, dtype=np.int64), (n_rows, n_cols)).copy()
    else:
        kth = np.partition(values, n_cols - k, axis=1)[:, n_cols - k : n_cols - k + 1]
        above = values > kth
        tied = values == kth
        need = k - above.sum(axis=1, keepdims=True)
        if offsets is None:
            first = np.cumsum(tied, axis=1) <= need
        else:
            start = (np.asarray(offsets, dtype=np.int64) % n_cols)[:, None]
            order = (np.arange(n_cols, dtype=np.int64)[None, :] + start) % n_cols
            rotated = np.cumsum(np.take_along_axis(tied, order, axis=1), axis=1) <= need
            first = np.empty_like(rotated)
            np.put_along_axis(first, order, rotated, axis=1)
        columns = np.nonzero(above | (tied & first))[1].reshape(n_rows, k).astype(np.int64)
    taken = np.take_along_axis(values, columns, axis=1)
    return np.where(np.isfinite(taken), columns, -1)


def tie_offsets(mentee_ids: Iterable[str]) -> np.ndarray:
    """Per-mentee starting columns for :func:`top_k_columns`: a checksum of the id, so a mentee
    gets the same tie-break in batch jobs and the API whatever the order of the tables."""
    return np.array([zlib.crc32(str(m).encode("utf-8")) for m in mentee_ids], dtype=np.int64)


class SignalScorer:
    """Scores every mentor in a context for a batch of mentees on each retrieval signal, as of
    one snapshot time (history strictly before it)."""

    def __init__(self, context: FeatureContext, snapshot_secs: int, recent_days: int = 180):
        self.context = context
        ids = context.mentors.index.to_numpy(dtype=object)
        history = context.history
        self.centroids = history.centroids_at(ids, snapshot_secs)
        norms = np.linalg.norm(self.centroids, axis=1, keepdims=True)
        self.has_centroid = norms[:, 0] > 1e-6
        self.centroids = np.where(norms > 1e-6, self.centroids / np.maximum(norms, 1e-6), 0.0)
        secs = np.full(len(ids), snapshot_secs, dtype=np.int64)
        self.recent = history.created_between(ids, secs, recent_days * 86400)
        stats = history.stats(ids, secs)
        self.successes = stats["success"].to_numpy()
        self.load = stats["load"].to_numpy()
        # Mentor x skill incidence: skills they list plus skills their successful mentees wanted.
        pos = {m: i for i, m in enumerate(ids)}
        pairs = [(pos[m], s) for m, s in history.skills_at(snapshot_secs) if m in pos]
        pairs += [(i, s) for i, row in enumerate(context.mentors["skills"]) for s in skill_set(row)]
        self.vocab = {s: j for j, s in enumerate(sorted({s for _, s in pairs}))}
        rows = np.array([i for i, _ in pairs], dtype=np.int64)
        cols = np.array([self.vocab[s] for _, s in pairs], dtype=np.int64)
        incidence = sp.csr_matrix(
            (np.ones(len(pairs), dtype=np.float32), (rows, cols)),
            shape=(len(ids), max(len(self.vocab), 1)),
        )
        incidence.data[:] = 1.0  # duplicates summed above: presence, not counts
        incidence.sum_duplicates()
        incidence.data[:] = 1.0
        self.incidence = incidence

    def embedding(self, mentee_pos: np.ndarray) -> np.ndarray:
        c = self.context
        return (
            c.mentee_goals[mentee_pos] @ c.mentor_profile.T
            + c.mentee_wanted[mentee_pos] @ c.mentor_skills.T
        )

    def history_similarity(self, mentee_pos: np.ndarray) -> np.ndarray:
        sims = self.context.mentee_goals[mentee_pos] @ self.centroids.T
        return np.where(self.has_centroid[None, :], sims, -np.inf)

    def skill_overlap(self, mentee_pos: np.ndarray) -> np.ndarray:
        wanted = person_sets(self.context, "mentees", "skills_wanted")
        q = np.zeros((len(mentee_pos), self.incidence.shape[1]), dtype=np.float32)
        for i, p in enumerate(mentee_pos):
            for s in wanted[p]:
                j = self.vocab.get(s)
                if j is not None:
                    q[i, j] = 1.0
        # Sparse (mentors x skills) times a dense block: no sparse result to densify.
        return np.asarray((self.incidence @ q.T).T, dtype=np.float64)

    def activity(self, n_rows: int) -> np.ndarray:
        return np.broadcast_to(np.log1p(self.recent), (n_rows, len(self.recent))).copy()

    def popularity(self, n_rows: int) -> np.ndarray:
        return np.broadcast_to(self.successes, (n_rows, len(self.successes))).astype(float)


@dataclass(frozen=True)
class _MentorPool:
    """Per-mentor arrays that eligibility needs, derived once per generation of the mentors."""

    available: np.ndarray  # bool
    joined_secs: np.ndarray | None  # int64 (0 where unknown); None when no date is known
    position: dict[str, int]


def _mentor_pool(context: FeatureContext) -> _MentorPool:
    # Cached on the context: recomputing these per request dominated single-request latency.
    return context.derive("retrieval.pool", ("mentors",), lambda: _build_mentor_pool(context))


def _may_fill(context: FeatureContext) -> np.ndarray:
    """Positions of the mentors whose pairings could ever fill their places: only their
    capacity needs checking (keeps large pools with generous capacities cheap)."""
    return context.derive(
        "retrieval.may_fill",
        ("mentors", "pairings"),
        lambda: np.flatnonzero(ever_held(context) >= mentor_capacity(context)),
    )


def _build_mentor_pool(context: FeatureContext) -> _MentorPool:
    mentors = context.mentors
    joined = mentors["created_at"]
    joined_secs = None
    if joined.notna().any():
        joined_secs = np.where(
            joined.notna(), to_seconds(joined.fillna(pd.Timestamp(0, tz="UTC"))), 0
        )
    return _MentorPool(
        available=mentors["available"].fillna(True).to_numpy(dtype=bool),
        joined_secs=joined_secs,
        position=context.position_map("mentors"),
    )


def eligibility(
    context: FeatureContext, queries: pd.DataFrame, respect_capacity: bool = True
) -> np.ndarray:
    """Boolean (n_queries x n_mentors) mask of mentors that may be suggested to each query's
    mentee at its ``as_of``: available and joined, a place free at exactly that time
    (:mod:`recommender.ranking.capacity`, unless ``respect_capacity`` is false), not the mentee,
    not already paired with them."""
    pool = _mentor_pool(context)
    n_q, n_m = len(queries), len(pool.available)
    mask = np.broadcast_to(pool.available, (n_q, n_m)).copy()
    qsecs = to_seconds(queries["as_of"])
    if pool.joined_secs is not None:
        mask &= pool.joined_secs[None, :] <= qsecs[:, None]
    check = _may_fill(context) if respect_capacity else np.zeros(0, dtype=np.int64)
    if len(check):
        times = np.repeat(to_millis(queries["as_of"]), len(check))
        free = remaining_places(context, np.tile(check, n_q), times)
        mask[:, check] &= free.reshape(n_q, len(check)) >= 1
    pos = pool.position
    for i, mentee in enumerate(queries["mentee_id"]):
        j = pos.get(mentee)
        if j is not None:
            mask[i, j] = False  # never recommend a person to themself
    for i, (mentee, t) in enumerate(zip(queries["mentee_id"], queries["as_of"], strict=True)):
        for mentor, created in context.previous_pairs(mentee):
            j = pos.get(mentor)
            if j is not None and created < t:
                mask[i, j] = False  # already paired before this request
    return mask


def _take_times(times: pd.Series, positions: np.ndarray) -> pd.Series | pd.DatetimeIndex:
    """``times`` at ``positions`` as UTC datetimes (already-UTC columns are taken as they are:
    ``pd.to_datetime`` over an object array cost ~1 ms per API request)."""
    dtype = times.dtype
    if isinstance(dtype, pd.DatetimeTZDtype) and str(dtype.tz) == "UTC":
        return pd.Series(times.array.take(positions))
    return pd.to_datetime(times.to_numpy()[positions], utc=True)


def snapshot_times(as_of: pd.Series, snapshot_days: int) -> np.ndarray:
    """Each query's snapshot: as_of floored to the snapshot grid (never after as_of)."""
    secs = to_seconds(as_of)
    step = max(snapshot_days, 1) * 86400
    return (secs // step) * step if snapshot_days > 0 else secs


#: Supplies the :class:`SignalScorer` of a snapshot: ``signals(context, snapshot_secs)``.
SignalProvider = Callable[[FeatureContext, int], SignalScorer]


def retrieve(
    context: FeatureContext,
    queries: pd.DataFrame,
    config: RetrievalConfig | None = None,
    respect_capacity: bool = True,
    *,
    candidate_mask: np.ndarray | None = None,
    signals: SignalProvider | None = None,
) -> pd.DataFrame:
    """Candidates for each query (columns ``query``, ``mentee_id``, ``mentor_id``, ``as_of``,
    ``retrieval_score``, ``source``), the union of each signal's top list over eligible
    mentors. ``query`` is the row position of the query in ``queries``.

    ``candidate_mask`` (booleans, ``n_queries x n_mentors`` or ``n_mentors`` for every query, in
    the order of ``context.mentors``) restricts the eligible mentors further, e.g. to an API
    request's filters. ``signals`` supplies each snapshot's :class:`SignalScorer` (a service
    keeps them between requests); by default every call builds its own.
    """
    cfg = config or RetrievalConfig()
    queries = queries.reset_index(drop=True)
    mentor_ids = context.mentors.index.to_numpy(dtype=object)
    n_mentors = len(mentor_ids)
    if candidate_mask is not None:
        candidate_mask = np.asarray(candidate_mask, dtype=bool)
        expected = (n_mentors,) if candidate_mask.ndim == 1 else (len(queries), n_mentors)
        if candidate_mask.shape != expected:
            raise ValueError(
                f"candidate_mask has shape {candidate_mask.shape}, expected {expected} "
                "(queries x mentors, or mentors)"
            )
    snaps = snapshot_times(queries["as_of"], cfg.snapshot_days)
    # Per signal list: query rows, mentor positions, embedding scores, the signal's bit.
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray, int]] = []
    for snap in np.unique(snaps):
        if signals is None:
            scorer = SignalScorer(context, int(snap), cfg.recent_days)
        else:
            scorer = signals(context, int(snap))
        batch = np.flatnonzero(snaps == snap)
        for lo in range(0, len(batch), cfg.chunk):
            rows = batch[lo : lo + cfg.chunk]
            q = queries.iloc[rows]
            mpos = context.mentee_positions(q["mentee_id"])
            mask = eligibility(context, q, respect_capacity)
            if candidate_mask is not None:
                mask &= candidate_mask[rows] if candidate_mask.ndim == 2 else candidate_mask
            emb = np.where(mask, scorer.embedding(mpos), -np.inf)
            overlap = scorer.skill_overlap(mpos)
            recent = mask & (scorer.recent > 0)[None, :]
            signal_scores = {
                "embedding": (emb, cfg.n_embedding),
                "history": (
                    np.where(mask, scorer.history_similarity(mpos), -np.inf),
                    cfg.n_history,
                ),
                "skills": (np.where(mask & (overlap > 0), overlap, -np.inf), cfg.n_skills),
                "activity": (
                    np.where(recent, scorer.activity(len(rows)), -np.inf),
                    cfg.n_activity,
                ),
            }
            offsets = tie_offsets(q["mentee_id"])
            # Each signal reads ties from another start, so their tied picks do not coincide.
            lists = {
                name: top_k_columns(values, n, offsets + i * 2_654_435_761)
                for i, (name, (values, n)) in enumerate(signal_scores.items())
            }
            for name, idx in lists.items():
                r, c = np.nonzero(idx >= 0)
                if len(r):
                    cols = idx[r, c]
                    found.append((rows[r], cols, emb[r, cols], 1 << SIGNALS.index(name)))
    if not found:
        return pd.DataFrame(
            {
                "query": pd.Series(dtype=np.int64),
                "mentee_id": pd.Series(dtype=object),
                "mentor_id": pd.Series(dtype=object),
                "as_of": pd.Series(dtype="datetime64[ns, UTC]"),
                "retrieval_score": pd.Series(dtype=np.float64),
                "source": pd.Series(dtype=object),
            }
        )
    # The union per (query, mentor), sorted by both, with a bit per signal that found it. Plain
    # numpy: a pandas groupby here cost more than the rest of a single-request retrieval.
    query_rows = np.concatenate([f[0] for f in found]).astype(np.int64)
    mentor_pos = np.concatenate([f[1] for f in found]).astype(np.int64)
    scores = np.concatenate([f[2] for f in found])
    signal_bits = np.concatenate([np.full(len(f[0]), f[3], dtype=np.int64) for f in found])
    keys, first, inverse = np.unique(
        query_rows * n_mentors + mentor_pos, return_index=True, return_inverse=True
    )
    bits = np.zeros(len(keys), dtype=np.int64)
    np.bitwise_or.at(bits, inverse, signal_bits)
    query = keys // n_mentors
    labels = {
        b: "+".join(n for i, n in enumerate(SIGNALS) if b & (1 << i))
        for b in range(1 << len(SIGNALS))
    }
    return pd.DataFrame(
        {
            "query": query,
            "mentee_id": queries["mentee_id"].to_numpy(dtype=object)[query],
            "mentor_id": mentor_ids[keys % n_mentors],
            "as_of": _take_times(queries["as_of"], query),
            "retrieval_score": scores[first],
            "source": pd.Series([labels[b] for b in bits.tolist()]),
        }
    )
