"""Cohort matching: propose a plan, inspect it, confirm it."""

from __future__ import annotations

from functools import partial

import anyio
from fastapi import APIRouter, Path

from recommender.service import results
from serve.deps import AdminKey, MatchingLimiterDep, ServiceDep
from serve.errors import AUTH_ERRORS, CONFLICT, INVALID, NOT_FOUND
from serve.schemas import ConfirmRequest, ConfirmResponse, MatchingPlan, MatchingRequest

router = APIRouter(tags=["matching"])

PlanId = Path(min_length=1, max_length=64, description="The plan's id, from POST /v1/matchings.")


@router.post(
    "/v1/matchings",
    response_model=MatchingPlan,
    status_code=201,
    responses={**AUTH_ERRORS, **INVALID},
)
async def create_matching(
    body: MatchingRequest, service: ServiceDep, limiter: MatchingLimiterDep, key: AdminKey
) -> results.MatchingPlan:
    """Propose a capacity-aware assignment for a cohort; nothing is written until confirmed."""
    work = partial(
        service.match,
        mentee_ids=body.mentee_ids,
        mentor_ids=body.mentor_ids,
        exclusions=[(e.mentee_id, e.mentor_id) for e in body.exclusions],
        exclude_mentor_ids=body.exclude_mentor_ids,
        require_shared_language=body.require_shared_language,
        candidates_per_mentee=body.candidates_per_mentee,
        created_by=key.key_id,
    )
    return await anyio.to_thread.run_sync(work, limiter=limiter)


@router.get(
    "/v1/matchings/{plan_id}", response_model=MatchingPlan, responses={**AUTH_ERRORS, **NOT_FOUND}
)
def get_matching(service: ServiceDep, _: AdminKey, plan_id: str = PlanId) -> results.MatchingPlan:
    """A matching plan and whether it is pending, confirmed or expired."""
    return service.get_plan(plan_id)


@router.post(
    "/v1/matchings/{plan_id}/confirm",
    response_model=ConfirmResponse,
    responses={**AUTH_ERRORS, **NOT_FOUND, **CONFLICT, **INVALID},
)
def confirm_matching(
    service: ServiceDep,
    key: AdminKey,
    body: ConfirmRequest | None = None,
    plan_id: str = PlanId,
) -> results.PlanConfirmation:
    """Record a pending plan's pairs as pairings (all or none)."""
    status = body.status if body is not None else "proposed"
    return service.confirm_plan(plan_id, status=status, confirmed_by=key.key_id)
