"""Ranked mentors with reasons for one mentee."""

from __future__ import annotations

from functools import partial

import anyio
from fastapi import APIRouter

from recommender.ranking.index import CandidateFilters
from recommender.service.results import Recommendation
from serve.deps import LimiterDep, ServiceDep, ViewerKey
from serve.errors import AUTH_ERRORS, INVALID, NOT_FOUND
from serve.schemas import RecommendationRequest, RecommendationResponse

router = APIRouter(tags=["recommendations"])


@router.post(
    "/v1/recommendations",
    response_model=RecommendationResponse,
    responses={**AUTH_ERRORS, **NOT_FOUND, **INVALID},
)
async def recommend(
    body: RecommendationRequest, service: ServiceDep, limiter: LimiterDep, _: ViewerKey
) -> Recommendation:
    """Top-k available mentors for a mentee, each with the evidence behind its rank."""
    f = body.filters
    filters = CandidateFilters(
        departments=tuple(f.departments),
        languages=tuple(f.languages),
        mentoring_type=f.mentoring_type,
        max_timezone_diff_hours=f.max_timezone_diff_hours,
        exclude_mentor_ids=tuple(f.exclude_mentor_ids),
    )
    profile = body.profile.model_dump() if body.profile is not None else None
    work = partial(
        service.recommend, mentee_id=body.mentee_id, profile=profile, k=body.k, filters=filters
    )
    # CPU-bound: off the event loop, `compute_concurrency` at once (docs/api.md, threads).
    return await anyio.to_thread.run_sync(work, limiter=limiter)
