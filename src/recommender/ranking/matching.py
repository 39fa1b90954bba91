"""Cohort matching: assign mentors to many mentees at once, maximising total predicted success
under each mentor's free places and hard rules, and say why anyone was left unmatched.

1. Candidates: every mentee's top mentors come from the same two-stage ranking as a single
   recommendation (:func:`~recommender.ranking.recommend.rank_requests`), restricted by the hard
   rules (a shared language when both list languages, exclusions, an optional mentor subset,
   a free place) through retrieval's ``candidate_mask``.
2. Assignment: each mentor with ``c`` free places becomes ``c`` slots; a minimum-cost bipartite
   matching between mentees and slots (SciPy's sparse Jonker-Volgenant solver,
   :func:`scipy.sparse.csgraph.min_weight_full_bipartite_matching`, the sparse form of
   :func:`scipy.optimize.linear_sum_assignment`) maximises first the number of mentees matched,
   then the sum of their scores. Every mentee also gets a private "unmatched" slot whose cost
   exceeds any real assignment, so a full matching always exists.
3. Report: each unmatched mentee with the first constraint that left them no mentor
   (:data:`BLOCKERS`), each mentor's load, and exposure by ``group`` (mentors and mentees).

Scores are the ranker's scores: comparable across mentees only as far as the ranker's are, which
is what "total predicted success" can mean without a calibrated probability.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from recommender.features.context import FeatureContext
from recommender.features.pairs import PairFeaturizer
from recommender.features.text import skill_set
from recommender.ranking.capacity import held_at, remaining_at
from recommender.ranking.index import MentorIndex
from recommender.ranking.recommend import rank_requests
from recommender.ranking.retrieval import RetrievalConfig, SignalProvider, eligibility
from recommender.ranking.scoring import Scorer

#: Why a mentee can end up unmatched, in the order the constraints are checked.
BLOCKERS: dict[str, str] = {
    "no_mentors": "none of the requested mentors is in the programme",
    "availability": "no mentor in the pool is available",
    "capacity": "every available mentor is at capacity",
    "already_paired": "the mentee was already paired with every available mentor who has room",
    "language": "no available mentor with room shares a language with the mentee",
    "exclusions": "every remaining mentor is excluded for this mentee",
    "competition": "compatible mentors exist, but their places went to other mentees of the "
    "cohort (the assignment with the most matches and the highest total score)",
}


@dataclass(frozen=True)
class MatchingRules:
    """Hard rules of one matching run."""

    mentor_ids: tuple[str, ...] | None = None  # the pool; None: every mentor
    exclusions: frozenset[tuple[str, str]] = frozenset()  # (mentee_id, mentor_id)
    exclude_mentor_ids: frozenset[str] = frozenset()
    require_shared_language: bool = True


@dataclass
class MatchingResult:
    """An assignment and its report (nothing is written anywhere)."""

    #: mentee_id, mentor_id, score, choice (rank among the mentee's options), then every feature
    pairs: pd.DataFrame
    unmatched: list[dict[str, Any]]
    mentor_load: pd.DataFrame  # mentor_id, group, capacity, load_before, assigned, load_after
    exposure: dict[str, list[dict[str, Any]]]
    stats: dict[str, Any] = field(default_factory=dict)


def solve_assignment(
    candidates: pd.DataFrame, slots: Mapping[str, int], mentee_ids: Sequence[str]
) -> pd.DataFrame:
    """The best assignment of ``candidates`` (``mentee_id``, ``mentor_id``, ``score``; one row
    per allowed pair): each mentee at most one mentor, each mentor at most ``slots[mentor]``
    mentees; as many mentees matched as possible, then the highest total score. Returns the
    chosen rows."""
    if candidates.empty:
        return candidates.iloc[0:0]
    cand = candidates.drop_duplicates(["mentee_id", "mentor_id"]).reset_index(drop=True)
    free = cand["mentor_id"].map(lambda m: int(slots.get(m, 0))).to_numpy()
    cand = cand[free > 0].reset_index(drop=True)
    if cand.empty:
        return cand
    mentee_codes = {m: i for i, m in enumerate(mentee_ids)}
    rows = cand["mentee_id"].map(mentee_codes).to_numpy()
    if np.isnan(rows.astype(float)).any():
        raise ValueError("candidates name mentees that are not in mentee_ids")
    mentors, mentor_codes = np.unique(cand["mentor_id"].to_numpy(dtype=object), return_inverse=True)
    # A mentor needs no more slots than the mentees who could take them.
    wanted = np.bincount(mentor_codes, minlength=len(mentors))
    capacity = np.array([int(slots[m]) for m in mentors])
    n_slots = np.minimum(capacity, wanted)
    first_slot = np.concatenate([[0], np.cumsum(n_slots)[:-1]])
    total_slots = int(n_slots.sum())

    score = cand["score"].to_numpy(dtype=np.float64)
    spread = float(score.max() - score.min()) if len(score) else 0.0
    # Costs in [1, spread + 1]; the unmatched slot costs more than any set of real assignments
    # could save, so the solver first maximises how many mentees are matched.
    cost = (score.max() - score) + 1.0
    n = len(mentee_ids)
    unmatched_cost = (n + 1) * (spread + 1.0) + 1.0

    repeat = n_slots[mentor_codes]
    edge_rows = np.repeat(rows.astype(np.int64), repeat)
    edge_cost = np.repeat(cost, repeat)
    offsets = np.concatenate([np.arange(k) for k in repeat]) if len(repeat) else np.zeros(0)
    edge_cols = np.repeat(first_slot[mentor_codes], repeat) + offsets.astype(np.int64)
    graph = sp.csr_matrix(
        (
            np.concatenate([edge_cost, np.full(n, unmatched_cost)]),
            (
                np.concatenate([edge_rows, np.arange(n)]),
                np.concatenate([edge_cols, total_slots + np.arange(n)]),
            ),
        ),
        shape=(n, total_slots + n),
    )
    _, chosen_col = min_weight_full_bipartite_matching(graph)
    slot_mentor = np.repeat(np.arange(len(mentors)), n_slots)
    matched = chosen_col < total_slots
    pick = pd.DataFrame(
        {
            "mentee_id": np.asarray(mentee_ids, dtype=object)[matched],
            "mentor_id": mentors[slot_mentor[chosen_col[matched]]],
        }
    )
    return pick.merge(cand, on=["mentee_id", "mentor_id"], how="left")


def _language_ok(index: MentorIndex, mentee_languages: Sequence[Any]) -> np.ndarray:
    """(mentees x mentors) where a shared language is not required to be missing: both list
    languages and share one, or either lists none."""
    unknown = np.ones(len(index), dtype=bool)  # mentors who list no language
    for speakers in index.languages.values():
        unknown &= ~speakers
    out = np.ones((len(mentee_languages), len(index)), dtype=bool)
    for i, spoken in enumerate(mentee_languages):
        if skill_set(spoken):
            out[i] = unknown | index.speaks_any(spoken)
    return out


def match_cohort(
    scorer: Scorer,
    featurizer: PairFeaturizer,
    context: FeatureContext,
    index: MentorIndex,
    mentee_ids: Sequence[str],
    rules: MatchingRules,
    *,
    as_of: pd.Timestamp,
    retrieval: RetrievalConfig,
    candidates_per_mentee: int,
    signals: SignalProvider | None = None,
) -> MatchingResult:
    """Match ``mentee_ids`` (known mentees, no duplicates) to mentors under ``rules`` as of
    ``as_of``, scoring through the shared ranking path (see the module docstring)."""
    n_q, n_m = len(mentee_ids), len(index)
    ids = index.ids.to_numpy(dtype=object)
    queries = pd.DataFrame({"mentee_id": pd.Series(list(mentee_ids), dtype=object), "as_of": as_of})

    pool = np.ones(n_m, dtype=bool)
    if rules.mentor_ids is not None:
        pool = np.zeros(n_m, dtype=bool)
        pool[index.positions(rules.mentor_ids)] = True
    mentors = context.mentors
    available = mentors["available"].fillna(True).to_numpy(dtype=bool)
    joined = mentors["created_at"]
    available &= (joined.isna() | (joined <= as_of)).to_numpy(dtype=bool)
    held = held_at(context, as_of)
    remaining = remaining_at(context, as_of)
    room = remaining >= 1
    base = eligibility(context, queries, respect_capacity=False)  # self, past pairs, availability
    language = (
        _language_ok(index, list(context.mentees.loc[list(mentee_ids), "languages"]))
        if rules.require_shared_language
        else np.ones((n_q, n_m), dtype=bool)
    )
    excluded = np.zeros((n_q, n_m), dtype=bool)
    if rules.exclude_mentor_ids:
        excluded[:, index.positions(rules.exclude_mentor_ids)] = True
    row_of = {m: i for i, m in enumerate(mentee_ids)}
    for mentee, mentor in rules.exclusions:
        i, j = row_of.get(mentee), index.position.get(mentor)
        if i is not None and j is not None:
            excluded[i, j] = True
    allowed = pool & available & room
    allowed = base & allowed[None, :] & language & ~excluded

    cfg = scaled_retrieval(retrieval, candidates_per_mentee)
    ranked = rank_requests(
        scorer,
        featurizer,
        context,
        queries,
        candidates_per_mentee,
        cfg,
        candidate_mask=allowed,
        signals=signals,
        with_features=True,
    )
    candidates = pd.DataFrame(
        {
            "mentee_id": ranked["mentee_id"].astype(object),
            "mentor_id": ranked["mentor_id"].astype(object),
            "score": ranked["score"].astype(np.float64),
            "choice": ranked["rank"].astype(np.int64),
        }
    )
    # The pairs keep their features: explanations need them, and computing them again would
    # cost as much as scoring every candidate did.
    candidates = pd.concat(
        # reindex: with no candidate at all, rank_requests returns no feature columns
        [candidates, ranked.reindex(columns=featurizer.feature_names_).reset_index(drop=True)],
        axis=1,
    )
    # An unknown capacity is unlimited: no mentor needs more slots than there are mentees.
    slots = {
        m: int(min(remaining[index.position[m]], n_q)) for m in candidates["mentor_id"].unique()
    }
    pairs = solve_assignment(candidates, slots, list(mentee_ids))
    pairs = pairs.sort_values(["score", "mentee_id"], ascending=[False, True]).reset_index(
        drop=True
    )

    matched = set(pairs["mentee_id"])
    unmatched = []
    stages = [
        ("no_mentors", np.broadcast_to(pool, (n_q, n_m))),
        ("availability", np.broadcast_to(pool & available, (n_q, n_m))),
        ("capacity", np.broadcast_to(pool & available & room, (n_q, n_m))),
    ]
    stages.append(("already_paired", stages[-1][1] & base))
    stages.append(("language", stages[-1][1] & language))
    stages.append(("exclusions", stages[-1][1] & ~excluded))
    counts = {name: mask.sum(axis=1) for name, mask in stages}
    mentee_languages = context.mentees["languages"]
    for i, mentee in enumerate(mentee_ids):
        if mentee in matched:
            continue
        blocker = next((name for name, _ in stages if counts[name][i] == 0), "competition")
        detail = BLOCKERS[blocker]
        if blocker == "language":
            spoken_list: list[str] = mentee_languages.at[mentee]  # type: ignore[assignment]
            spoken = ", ".join(spoken_list)
            detail += f" (the mentee speaks {spoken})"
        unmatched.append(
            {
                "mentee_id": mentee,
                "constraint": blocker,
                "detail": detail,
                "mentors_remaining": {name: int(counts[name][i]) for name, _ in stages},
            }
        )

    assigned = pairs["mentor_id"].value_counts()
    shown = set(assigned.index)
    if rules.mentor_ids is not None:
        shown |= set(ids[pool])
    positions = np.array(sorted(index.position[m] for m in shown), dtype=np.int64)
    load = pd.DataFrame(
        {
            "mentor_id": ids[positions],
            "group": index.groups[positions],
            "capacity": index.capacity[positions],
            "load_before": held[positions],
        }
    )
    load["assigned"] = load["mentor_id"].map(assigned).fillna(0).astype(int)
    load["load_after"] = load["load_before"] + load["assigned"]

    exposure = _exposure(index, pool & available & room, remaining, pairs, context, mentee_ids)
    stats = {
        "mentees": n_q,
        "matched": len(pairs),
        "unmatched": len(unmatched),
        "total_score": float(pairs["score"].sum()) if len(pairs) else 0.0,
        "candidates": len(candidates),
        "mentors_in_pool": int((pool & available & room).sum()),
        "places_in_pool": int(remaining[pool & available & room].sum()),
    }
    return MatchingResult(pairs, unmatched, load, exposure, stats)


def _group_name(value: Any) -> str:
    return str(value) if isinstance(value, str) and value else "unknown"


def _exposure(
    index: MentorIndex,
    pool: np.ndarray,
    remaining: np.ndarray,
    pairs: pd.DataFrame,
    context: FeatureContext,
    mentee_ids: Sequence[str],
) -> dict[str, list[dict[str, Any]]]:
    """Who got the places, by the audit ``group`` of mentors and of mentees."""
    groups = np.array([_group_name(g) for g in index.groups], dtype=object)
    places = pd.Series(remaining[pool], index=groups[pool]).groupby(level=0).sum()
    mentors_in_pool = pd.Series(1, index=groups[pool]).groupby(level=0).sum()
    pair_groups = pd.Series(
        [groups[index.position[m]] for m in pairs["mentor_id"]], dtype=object
    ).value_counts()
    total_places = float(places.sum()) or 1.0
    total_pairs = float(len(pairs)) or 1.0
    mentor_rows = []
    for group in sorted(set(places.index) | set(pair_groups.index)):
        share_pairs = float(pair_groups.get(group, 0)) / total_pairs
        share_places = float(places.get(group, 0)) / total_places
        mentor_rows.append(
            {
                "group": group,
                "mentors_in_pool": int(mentors_in_pool.get(group, 0)),
                "places": int(places.get(group, 0)),
                "pairs": int(pair_groups.get(group, 0)),
                "share_of_pairs": round(share_pairs, 4),
                "share_of_places": round(share_places, 4),
                "exposure_ratio": round(share_pairs / share_places, 4) if share_places else None,
            }
        )
    mentee_group = context.mentees["group"]
    score_of = dict(zip(pairs["mentee_id"], pairs["score"], strict=True))
    by_group: dict[str, list[str]] = {}
    for mentee in mentee_ids:
        by_group.setdefault(_group_name(mentee_group.at[mentee]), []).append(mentee)
    mentee_rows = []
    for group in sorted(by_group):
        members = by_group[group]
        scores = [score_of[m] for m in members if m in score_of]
        mentee_rows.append(
            {
                "group": group,
                "mentees": len(members),
                "matched": len(scores),
                "match_rate": round(len(scores) / len(members), 4),
                "mean_score": round(float(np.mean(scores)), 4) if scores else None,
            }
        )
    return {"mentor_groups": mentor_rows, "mentee_groups": mentee_rows}


def scaled_retrieval(config: RetrievalConfig, n: int) -> RetrievalConfig:
    """``config`` with each signal's list scaled so they add up to about ``n`` candidates."""
    total = config.n_total
    if total <= 0 or n == total:
        return config
    factor = n / total

    def scale(value: int) -> int:
        return max(1, round(value * factor)) if value > 0 else 0

    return replace(
        config,
        n_embedding=scale(config.n_embedding),
        n_history=scale(config.n_history),
        n_skills=scale(config.n_skills),
        n_activity=scale(config.n_activity),
    )
