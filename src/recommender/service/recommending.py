"""Recommending and explaining against one snapshot.

A recommendation ranks through :func:`recommender.ranking.recommend.rank_requests`, the path
batch ``recommend`` and the offline evaluation take, with the request's filters as the
candidate mask and the snapshot's cached retrieval signals. Each result is explained from the
scorer's own contributions (:meth:`recommender.ranking.scoring.Scorer.contributions`), so a
reason never disagrees with the rank it explains.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from recommender.data.contract import MENTEES
from recommender.data.frames import coerce_frame
from recommender.features.context import FeatureContext
from recommender.features.history import STATS
from recommender.features.pairs import person_sets
from recommender.ranking.capacity import remaining_at
from recommender.ranking.explain import Explanation, Reason, explain_pair, family_contributions
from recommender.ranking.index import CandidateFilters
from recommender.ranking.recommend import rank_requests
from recommender.service.errors import InvalidInputError, NotFoundError
from recommender.service.results import Recommendation, RecommendedMentor
from recommender.service.snapshot import MENTEE_FIELDS, MENTOR_FIELDS, Snapshot, records
from recommender.service.updates import inline_mentee_context

__all__ = ["COLD_START_NOTE", "explain", "recommend", "shown"]

COLD_START_NOTE = (
    "No trained model is loaded: mentors are ranked by the embedding+rules score (embedding "
    "similarity plus language, time-zone, seniority and load rules)."
)


def shown(reasons: list[Reason]) -> list[Reason]:
    """Reasons as results show them: contributions rounded to 4 decimals."""
    return [replace(r, contribution=round(r.contribution, 4)) for r in reasons]


def recommend(
    snap: Snapshot,
    now: pd.Timestamp,
    *,
    mentee_id: str | None = None,
    profile: dict[str, Any] | None = None,
    k: int = 10,
    filters: CandidateFilters | None = None,
) -> Recommendation:
    """Top-``k`` mentors with reasons for a known mentee or an inline ``profile`` (a mentees
    row without id), as of ``now``. Raises NotFoundError for an unknown mentee."""
    if (mentee_id is None) == (profile is None):
        raise InvalidInputError("give exactly one of mentee_id or profile", field=())
    filters = filters or CandidateFilters()
    if mentee_id is not None:
        context = snap.context
        position = context.position_map("mentees").get(mentee_id)
        if position is None:
            raise NotFoundError(
                f"mentee {mentee_id!r} is not in the programme", field=("mentee_id",)
            )
        query_id = mentee_id
        timezone = float(context.mentee_tz[position])
    else:
        # Named by its content: the same profile gets the same tie-breaks in retrieval
        # (top_k_columns), hence the same answer, on every request.
        content = json.dumps(profile or {}, sort_keys=True, default=str)
        query_id = f"inline-{hashlib.sha256(content.encode('utf-8')).hexdigest()[:32]}"
        row = coerce_frame(MENTEES, [{**(profile or {}), "mentee_id": query_id}])
        context = inline_mentee_context(snap.context, row)
        timezone = float(context.mentee_tz[0])
    mask = snap.index.mask(filters, timezone)
    queries = pd.DataFrame({"mentee_id": pd.Series([query_id], dtype=object), "as_of": now})
    ranked = rank_requests(
        snap.scorer,
        snap.featurizer,
        context,
        queries,
        k,
        snap.retrieval.for_k(k),
        with_features=True,
        candidate_mask=mask,
        signals=snap.signals,
    )
    explanations = explain(snap, context, ranked, now)
    mentor_ids = ranked["mentor_id"].to_numpy(dtype=object)
    people = records(context, "mentors", mentor_ids, ("title", "department"))
    results = [
        RecommendedMentor(
            rank=rank,
            mentor_id=str(mentor_id),
            score=score,
            title=person["title"],
            department=person["department"],
            reasons=shown(explanation.reasons),
            cautions=shown(explanation.cautions),
        )
        for mentor_id, rank, score, person, explanation in zip(
            mentor_ids,
            ranked["rank"].to_numpy().tolist(),
            ranked["score"].to_numpy(dtype=np.float64).tolist(),
            people,
            explanations,
            strict=True,
        )
    ]
    room = remaining_at(snap.context, now) >= 1
    return Recommendation(
        mentee_id=mentee_id,
        as_of=now.to_pydatetime(),
        k=k,
        model=snap.model,
        note=None if snap.ranker is not None else COLD_START_NOTE,
        eligible_mentors=int((mask & room).sum()),
        results=results,
    )


def explain(
    snap: Snapshot, context: FeatureContext, rows: pd.DataFrame, as_of: pd.Timestamp
) -> list[Explanation]:
    """Reasons and cautions for ranked ``rows`` (``mentee_id``, ``mentor_id`` and every
    feature column) from the snapshot's scorer, as of ``as_of``."""
    if rows.empty:
        return []
    names = snap.featurizer.feature_names_
    features = rows[names].reset_index(drop=True)
    families = family_contributions(snap.scorer.contributions(features))
    family_names = list(families.columns)
    family_values = families.to_numpy()
    feature_values = features.to_numpy(dtype=np.float64)
    mentor_ids = rows["mentor_id"].to_numpy(dtype=object)
    secs = int(as_of.timestamp())
    track = context.history.stat_sums(mentor_ids, np.full(len(rows), secs, dtype=np.int64))
    track_rows = [dict(zip(STATS, values, strict=True)) for values in track.tolist()]
    programme = snap.context  # past mentees (an inline context lacks them)
    past_positions = programme.position_map("mentees")
    past_wanted = person_sets(programme, "mentees", "skills_wanted")

    def skills_of(mentee_id: str) -> frozenset[str]:
        position = past_positions.get(mentee_id)
        return past_wanted[position] if position is not None else frozenset()

    mentee_ids = rows["mentee_id"].to_numpy(dtype=object)
    mentee_rows = records(context, "mentees", mentee_ids, MENTEE_FIELDS)
    mentor_rows = records(context, "mentors", mentor_ids, MENTOR_FIELDS)
    out = []
    for i, mentor_id in enumerate(rows["mentor_id"]):
        mentee, mentor = mentee_rows[i], mentor_rows[i]
        wanted_skills: list[str] = mentee["skills_wanted"]
        similar = snap.successes.evidence(mentor_id, wanted_skills, secs, skills_of)
        out.append(
            explain_pair(
                dict(zip(family_names, family_values[i], strict=True)),
                dict(zip(names, feature_values[i], strict=True)),
                mentee,
                mentor,
                track=track_rows[i],
                similar=similar,
            )
        )
    return out
