"""Request and response bodies of the HTTP API (the OpenAPI schema is generated from these).

Request models forbid unknown fields, so a misspelt filter is a 422 naming it rather than a
silently ignored option. Text fields have size limits; lists have length limits.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from recommender.data.timezones import parse_timezone

MAX_TEXT = 10_000
MAX_ITEMS = 100


def _timezone(value: str) -> str:
    try:
        return parse_timezone(value)
    except ValueError as exc:
        raise ValueError(
            f"not a time zone: {value!r}; expected an IANA name such as Europe/Berlin or a UTC "
            "offset such as +02:00"
        ) from exc


def _text(value: str) -> str:
    # NUL cannot be stored in PostgreSQL text; nothing legitimate contains it.
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    return value


def _datetime(value: datetime) -> datetime:
    # Naive values are UTC (the data contract); the range is what the store can represent.
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not EARLIEST <= aware <= LATEST:
        raise ValueError(f"must be between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}")
    return aware


EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

Id = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_text),
]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(_text)
]
LongText = Annotated[str, StringConstraints(max_length=MAX_TEXT), AfterValidator(_text)]
Item = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_text),
]
Timestamp = Annotated[datetime, AfterValidator(_datetime)]
Items = Annotated[list[Item], Field(max_length=MAX_ITEMS)]
Timezone = Annotated[str, StringConstraints(max_length=64), AfterValidator(_timezone)]
MentoringType = Literal["traditional", "peer", "reverse"]
PairingStatus = Literal["proposed", "accepted", "declined", "active", "completed", "ended_early"]
Seniority = Annotated[int, Field(ge=0, le=100)]


class Strict(BaseModel):
    """Request bodies: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- errors


class ErrorItem(BaseModel):
    loc: list[str | int] = Field(description="Where the problem is, e.g. [body, filters, k].")
    path: str = Field(description="The same location as a JSON path, e.g. $.filters.k.")
    msg: str
    type: str


class ErrorResponse(BaseModel):
    detail: str | list[ErrorItem]
    request_id: str | None = None
    conflicts: list[dict[str, str]] | None = None


# --------------------------------------------------------------------------- people


class MenteeProfile(Strict):
    """A mentee described inline (not stored): what a recommendation needs to know."""

    profile: LongText = Field("", description="Background and current role.")
    goals: LongText = Field("", description="What they want from mentoring.")
    skills_wanted: Items = Field(default_factory=list, description="Skill gaps to close.")
    skills: Items = Field(default_factory=list)
    interests: Items = Field(default_factory=list)
    title: ShortText | None = None
    department: ShortText | None = None
    location: ShortText | None = None
    timezone: Timezone | None = Field(None, description="IANA name or UTC offset.")
    languages: Items = Field(default_factory=list)
    seniority: Seniority | None = None
    mentoring_type: MentoringType | None = None


class MenteeFields(MenteeProfile):
    group: ShortText | None = Field(None, description="Audit attribute; never a model feature.")
    created_at: Timestamp | None = Field(None, description="When the mentee asked for a mentor.")


class MenteeIn(MenteeFields):
    mentee_id: Id


class MenteeUpdate(Strict):
    """Fields to change (those left out keep their values)."""

    profile: LongText | None = None
    goals: LongText | None = None
    skills_wanted: Items | None = None
    skills: Items | None = None
    interests: Items | None = None
    title: ShortText | None = None
    department: ShortText | None = None
    location: ShortText | None = None
    timezone: Timezone | None = None
    languages: Items | None = None
    seniority: Seniority | None = None
    mentoring_type: MentoringType | None = None
    group: ShortText | None = None
    created_at: Timestamp | None = None


class MenteeOut(BaseModel):
    mentee_id: str
    profile: str
    goals: str
    skills_wanted: list[str]
    skills: list[str]
    interests: list[str]
    title: str | None
    department: str | None
    location: str | None
    timezone: str | None
    languages: list[str]
    seniority: int | None
    mentoring_type: str | None
    group: str | None
    created_at: datetime | None


class MentorFields(Strict):
    profile: LongText = Field("", description="Background and expertise.")
    skills: Items = Field(default_factory=list)
    interests: Items = Field(default_factory=list)
    title: ShortText | None = None
    department: ShortText | None = None
    location: ShortText | None = None
    timezone: Timezone | None = Field(None, description="IANA name or UTC offset.")
    languages: Items = Field(default_factory=list)
    seniority: Seniority | None = None
    years_experience: float | None = Field(None, ge=0, le=80)
    capacity: int = Field(1, ge=0, le=1000, description="Maximum concurrent mentees.")
    available: bool = Field(True, description="Open to new mentees.")
    mentoring_types: Annotated[list[MentoringType], Field(max_length=3)] = Field(
        default_factory=list
    )
    group: ShortText | None = Field(None, description="Audit attribute; never a model feature.")
    created_at: Timestamp | None = Field(None, description="When the mentor joined.")


class MentorIn(MentorFields):
    mentor_id: Id


class MentorUpdate(Strict):
    """Fields to change (those left out keep their values)."""

    profile: LongText | None = None
    skills: Items | None = None
    interests: Items | None = None
    title: ShortText | None = None
    department: ShortText | None = None
    location: ShortText | None = None
    timezone: Timezone | None = None
    languages: Items | None = None
    seniority: Seniority | None = None
    years_experience: float | None = Field(None, ge=0, le=80)
    capacity: int | None = Field(None, ge=0, le=1000)
    available: bool | None = None
    mentoring_types: Annotated[list[MentoringType], Field(max_length=3)] | None = None
    group: ShortText | None = None
    created_at: Timestamp | None = None


class MentorOut(BaseModel):
    mentor_id: str
    profile: str
    skills: list[str]
    interests: list[str]
    title: str | None
    department: str | None
    location: str | None
    timezone: str | None
    languages: list[str]
    seniority: int | None
    years_experience: float | None
    capacity: int
    available: bool
    mentoring_types: list[str]
    group: str | None
    created_at: datetime | None


class MentorPage(BaseModel):
    total: int
    offset: int
    items: list[MentorOut]


class MenteePage(BaseModel):
    total: int
    offset: int
    items: list[MenteeOut]


class Deleted(BaseModel):
    deleted: str


# --------------------------------------------------------------------------- pairings


class PairingIn(Strict):
    """A pairing to record. ``pairing_id`` is derived from mentor, mentee and ``created_at``
    when left out; ``created_at`` defaults to now."""

    pairing_id: Id | None = None
    mentor_id: Id
    mentee_id: Id
    created_at: Timestamp | None = None
    status: PairingStatus = "accepted"
    rating: float | None = Field(None, ge=0, le=5)
    feedback: LongText = ""
    ended_at: Timestamp | None = None

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.created_at and self.ended_at and self.ended_at < self.created_at:
            raise ValueError("ended_at is before created_at")
        return self


class PairingUpdate(Strict):
    """The outcome so far: fields left out keep their values."""

    status: PairingStatus | None = None
    rating: float | None = Field(None, ge=0, le=5)
    feedback: LongText | None = None
    ended_at: Timestamp | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("give at least one of status, rating, feedback, ended_at")
        return self


class PairingOut(BaseModel):
    pairing_id: str
    mentor_id: str
    mentee_id: str
    created_at: datetime
    status: str
    rating: float | None
    feedback: str
    ended_at: datetime | None


# --------------------------------------------------------------------------- recommendations


class Filters(Strict):
    """Restrict the mentors a recommendation may show. A mentor whose value is unknown does not
    pass a filter that asks about it."""

    departments: Annotated[list[Item], Field(max_length=50)] = Field(
        default_factory=list, description="Only mentors in one of these departments."
    )
    languages: Annotated[list[Item], Field(max_length=50)] = Field(
        default_factory=list, description="Only mentors who speak at least one of these."
    )
    mentoring_type: MentoringType | None = Field(
        None, description="Only mentors who offer this kind of mentoring."
    )
    max_timezone_diff_hours: float | None = Field(
        None, ge=0, le=12, description="Only mentors at most this many hours from the mentee."
    )
    exclude_mentor_ids: Annotated[list[Id], Field(max_length=1000)] = Field(
        default_factory=list, description="Never show these mentors."
    )


class RecommendationRequest(Strict):
    """Recommend mentors for a known mentee (``mentee_id``) or an inline ``profile``."""

    mentee_id: Id | None = Field(None, description="A mentee of the programme.")
    profile: MenteeProfile | None = Field(None, description="A mentee not (yet) stored.")
    k: int = Field(10, ge=1, le=100, description="How many mentors to return.")
    filters: Filters = Field(default_factory=Filters)

    @model_validator(mode="after")
    def _one_mentee(self) -> Self:
        if (self.mentee_id is None) == (self.profile is None):
            raise ValueError("give exactly one of mentee_id or profile")
        return self


class ReasonOut(BaseModel):
    code: str = Field(description="Evidence family: skills, goals, track_record, timezone, ...")
    text: str
    contribution: float = Field(description="Share of the score (model score units).")
    evidence: dict[str, Any]


class LastReload(BaseModel):
    at: datetime | None
    ok: bool | None
    error: str | None
    reason: str | None


class ModelSummary(BaseModel):
    scorer: str = Field(description="lightgbm-lambdarank, or embedding+rules without a model.")
    is_model: bool
    source: str
    version: str | None
    alias: str | None
    run_id: str | None
    trained_at: str | None
    metrics: dict[str, float]
    embedding_model: str | None
    feature_version: str | None


class RecommendedMentor(BaseModel):
    rank: int
    mentor_id: str
    score: float
    title: str | None
    department: str | None
    reasons: list[ReasonOut]
    cautions: list[ReasonOut]


class RecommendationResponse(BaseModel):
    mentee_id: str | None
    as_of: datetime
    k: int
    model: ModelSummary
    note: str | None = Field(description="Set when no trained model is loaded.")
    eligible_mentors: int = Field(description="Mentors that passed the filters and had room.")
    results: list[RecommendedMentor]


# --------------------------------------------------------------------------- matching


class Exclusion(Strict):
    mentee_id: Id
    mentor_id: Id


class MatchingRequest(Strict):
    """A cohort to match. Nothing is written until the plan is confirmed."""

    mentee_ids: Annotated[list[Id], Field(min_length=1, max_length=10_000)]
    mentor_ids: Annotated[list[Id], Field(max_length=100_000)] | None = Field(
        None, description="Match only with these mentors (default: every mentor)."
    )
    exclusions: Annotated[list[Exclusion], Field(max_length=100_000)] = Field(
        default_factory=list, description="Pairs that must not be formed."
    )
    exclude_mentor_ids: Annotated[list[Id], Field(max_length=100_000)] = Field(default_factory=list)
    require_shared_language: bool = Field(
        True, description="Pair only people who share a language when both list languages."
    )
    candidates_per_mentee: int | None = Field(None, ge=5, le=500)


class MatchedPair(BaseModel):
    mentee_id: str
    mentor_id: str
    score: float
    choice: int = Field(description="Rank of this mentor among the mentee's own candidates.")
    reasons: list[ReasonOut]
    cautions: list[ReasonOut]


class UnmatchedMentee(BaseModel):
    mentee_id: str
    constraint: Literal[
        "no_mentors",
        "availability",
        "capacity",
        "already_paired",
        "language",
        "exclusions",
        "competition",
    ]
    detail: str
    mentors_remaining: dict[str, int] = Field(
        description="Mentors left after each constraint, in the order they are checked."
    )


class MentorLoad(BaseModel):
    mentor_id: str
    group: str | None
    capacity: int | None
    load_before: int
    assigned: int
    load_after: int


class MentorGroupExposure(BaseModel):
    group: str
    mentors_in_pool: int
    places: int
    pairs: int
    share_of_pairs: float
    share_of_places: float
    exposure_ratio: float | None


class MenteeGroupOutcome(BaseModel):
    group: str
    mentees: int
    matched: int
    match_rate: float
    mean_score: float | None


class Exposure(BaseModel):
    mentor_groups: list[MentorGroupExposure]
    mentee_groups: list[MenteeGroupOutcome]


class MatchingStats(BaseModel):
    mentees: int
    matched: int
    unmatched: int
    total_score: float
    candidates: int
    mentors_in_pool: int
    places_in_pool: int
    seconds: float


class MatchingPlan(BaseModel):
    plan_id: str
    status: Literal["pending", "confirmed", "expired"]
    created_at: datetime
    expires_at: datetime
    confirmed_at: datetime | None = None
    model: ModelSummary
    rules: dict[str, Any]
    pairs: list[MatchedPair]
    unmatched: list[UnmatchedMentee]
    mentor_load: list[MentorLoad]
    exposure: Exposure
    stats: MatchingStats


class ConfirmRequest(Strict):
    status: Literal["proposed", "accepted", "active"] = Field(
        "proposed", description="Status the new pairings are recorded with."
    )


class ConfirmResponse(BaseModel):
    plan_id: str
    status: Literal["confirmed"]
    confirmed_at: datetime
    pairing_ids: list[str]


# --------------------------------------------------------------------------- operations


class Health(BaseModel):
    status: Literal["ok"]


class DatabaseCheck(BaseModel):
    ok: bool
    error: str | None


class ModelCheck(BaseModel):
    loaded: bool
    scorer: str | None
    version: str | None
    source: str
    last_reload: LastReload


class Readiness(BaseModel):
    ready: bool
    problems: list[str]
    database: DatabaseCheck
    model: ModelCheck
    mentors: int
    mentees: int
    history_stale: bool | None
    sync_error: str | None


class ModelInfo(ModelSummary):
    loaded_at: datetime
    last_reload: LastReload


class ReloadResponse(BaseModel):
    reloaded: bool
    error: str | None
    model: ModelSummary
