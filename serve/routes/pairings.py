"""Pairings and their outcomes (what the retraining job learns from)."""

from __future__ import annotations

from fastapi import APIRouter, Path

from recommender.service.results import Row
from serve.deps import AdminKey, ServiceDep
from serve.errors import AUTH_ERRORS, CONFLICT, INVALID, NOT_FOUND
from serve.schemas import PairingIn, PairingOut, PairingUpdate

router = APIRouter(tags=["pairings"])

PairingId = Path(min_length=1, max_length=200, description="The pairing's id.")


@router.post(
    "/v1/pairings",
    response_model=PairingOut,
    status_code=201,
    responses={**AUTH_ERRORS, **CONFLICT, **INVALID},
)
def create_pairing(body: PairingIn, service: ServiceDep, _: AdminKey) -> Row:
    """Record that a mentor and a mentee were paired (or proposed)."""
    return service.record_pairing(body.model_dump())


@router.get(
    "/v1/pairings/{pairing_id}", response_model=PairingOut, responses={**AUTH_ERRORS, **NOT_FOUND}
)
def get_pairing(service: ServiceDep, _: AdminKey, pairing_id: str = PairingId) -> Row:
    """One pairing and its outcome so far."""
    return service.get_pairing(pairing_id)


@router.patch(
    "/v1/pairings/{pairing_id}",
    response_model=PairingOut,
    responses={**AUTH_ERRORS, **NOT_FOUND, **INVALID},
)
def update_pairing(
    body: PairingUpdate, service: ServiceDep, _: AdminKey, pairing_id: str = PairingId
) -> Row:
    """Record how a pairing went: status, rating, feedback, end date."""
    return service.update_pairing(pairing_id, body.model_dump(exclude_unset=True))
