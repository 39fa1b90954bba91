"""Mentors and mentees: create, read, update, delete. Every change is stored in the programme
database (what the retraining job reads) and applied to the serving index at once."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query

from recommender.service.results import Page, Row
from serve.deps import AdminKey, ServiceDep
from serve.errors import AUTH_ERRORS, CONFLICT, INVALID, NOT_FOUND, Responses
from serve.schemas import (
    Deleted,
    MenteeFields,
    MenteeIn,
    MenteeOut,
    MenteePage,
    MenteeUpdate,
    MentorFields,
    MentorIn,
    MentorOut,
    MentorPage,
    MentorUpdate,
)

router = APIRouter(tags=["people"])

MentorId = Path(min_length=1, max_length=200, description="The mentor's id.")
MenteeId = Path(min_length=1, max_length=200, description="The mentee's id.")
Offset = Query(0, ge=0, description="Skip this many people (in import order).")
Limit = Query(50, ge=1, le=500, description="Return at most this many people.")
READ: Responses = {**AUTH_ERRORS, **NOT_FOUND}
WRITE: Responses = {**AUTH_ERRORS, **NOT_FOUND, **INVALID}


# --------------------------------------------------------------------------- mentors


@router.get("/v1/mentors", response_model=MentorPage, responses=AUTH_ERRORS)
async def list_mentors(
    service: ServiceDep, _: AdminKey, offset: int = Offset, limit: int = Limit
) -> Page:
    """Mentors of the programme, a page at a time."""
    return service.list_people("mentors", offset, limit)


@router.post(
    "/v1/mentors",
    response_model=MentorOut,
    status_code=201,
    responses={**AUTH_ERRORS, **CONFLICT, **INVALID},
)
def create_mentor(body: MentorIn, service: ServiceDep, _: AdminKey) -> Row:
    """Add a mentor; they can be recommended from the next request on."""
    return service.create_person("mentors", body.model_dump())


@router.get("/v1/mentors/{mentor_id}", response_model=MentorOut, responses=READ)
async def get_mentor(service: ServiceDep, _: AdminKey, mentor_id: str = MentorId) -> Row:
    """One mentor's profile."""
    return service.get_person("mentors", mentor_id)


@router.put("/v1/mentors/{mentor_id}", response_model=MentorOut, responses=WRITE)
def replace_mentor(
    body: MentorFields, service: ServiceDep, _: AdminKey, mentor_id: str = MentorId
) -> Row:
    """Replace a mentor's profile (re-embedded and re-indexed at once)."""
    return service.replace_person("mentors", mentor_id, body.model_dump())


@router.patch("/v1/mentors/{mentor_id}", response_model=MentorOut, responses=WRITE)
def update_mentor(
    body: MentorUpdate, service: ServiceDep, _: AdminKey, mentor_id: str = MentorId
) -> Row:
    """Change some of a mentor's fields (e.g. capacity or availability)."""
    return service.replace_person(
        "mentors", mentor_id, body.model_dump(exclude_unset=True), merge=True
    )


@router.delete("/v1/mentors/{mentor_id}", response_model=Deleted, responses={**READ, **CONFLICT})
def delete_mentor(service: ServiceDep, _: AdminKey, mentor_id: str = MentorId) -> dict[str, str]:
    """Delete a mentor who has no pairings (otherwise set available to false)."""
    service.delete_person("mentors", mentor_id)
    return {"deleted": mentor_id}


# --------------------------------------------------------------------------- mentees


@router.get("/v1/mentees", response_model=MenteePage, responses=AUTH_ERRORS)
async def list_mentees(
    service: ServiceDep, _: AdminKey, offset: int = Offset, limit: int = Limit
) -> Page:
    """Mentees of the programme, a page at a time."""
    return service.list_people("mentees", offset, limit)


@router.post(
    "/v1/mentees",
    response_model=MenteeOut,
    status_code=201,
    responses={**AUTH_ERRORS, **CONFLICT, **INVALID},
)
def create_mentee(body: MenteeIn, service: ServiceDep, _: AdminKey) -> Row:
    """Add a mentee; recommendations for them work from the next request on."""
    return service.create_person("mentees", body.model_dump())


@router.get("/v1/mentees/{mentee_id}", response_model=MenteeOut, responses=READ)
async def get_mentee(service: ServiceDep, _: AdminKey, mentee_id: str = MenteeId) -> Row:
    """One mentee's profile."""
    return service.get_person("mentees", mentee_id)


@router.put("/v1/mentees/{mentee_id}", response_model=MenteeOut, responses=WRITE)
def replace_mentee(
    body: MenteeFields, service: ServiceDep, _: AdminKey, mentee_id: str = MenteeId
) -> Row:
    """Replace a mentee's profile (re-embedded at once)."""
    return service.replace_person("mentees", mentee_id, body.model_dump())


@router.patch("/v1/mentees/{mentee_id}", response_model=MenteeOut, responses=WRITE)
def update_mentee(
    body: MenteeUpdate, service: ServiceDep, _: AdminKey, mentee_id: str = MenteeId
) -> Row:
    """Change some of a mentee's fields (e.g. goals or target skills)."""
    return service.replace_person(
        "mentees", mentee_id, body.model_dump(exclude_unset=True), merge=True
    )


@router.delete("/v1/mentees/{mentee_id}", response_model=Deleted, responses={**READ, **CONFLICT})
def delete_mentee(service: ServiceDep, _: AdminKey, mentee_id: str = MenteeId) -> dict[str, str]:
    """Delete a mentee who has no pairings."""
    service.delete_person("mentees", mentee_id)
    return {"deleted": mentee_id}
