"""What the service returns: plain frozen dataclasses, the same for the JSON API, the console
and Python callers (``dataclasses.asdict`` gives their JSON-ready shape, datetimes aside).

People and pairings are returned as :data:`Row` dicts keyed by the data contract's columns
(``docs/data-contract.md``): the contract, not a second class per table, defines them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from recommender.ranking.explain import Reason

__all__ = [
    "LastReload",
    "MatchedPair",
    "MatchingPlan",
    "MentorLoad",
    "ModelInfo",
    "ModelSummary",
    "Page",
    "PlanConfirmation",
    "Readiness",
    "Reason",
    "Recommendation",
    "RecommendedMentor",
    "ReloadOutcome",
    "Row",
    "UnmatchedMentee",
]

#: One mentor, mentee or pairing: the data contract's columns and their values.
Row = dict[str, Any]


@dataclass(frozen=True)
class ModelSummary:
    """The scorer being served: a trained model and where it came from, or the rules."""

    scorer: str
    is_model: bool
    source: str
    version: str | None = None
    alias: str | None = None
    run_id: str | None = None
    trained_at: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    embedding_model: str | None = None
    feature_version: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelSummary:
        return cls(**data)


@dataclass(frozen=True)
class LastReload:
    """The latest model load attempt."""

    at: datetime | None = None
    ok: bool | None = None
    error: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ModelInfo(ModelSummary):
    """The served model, when it was loaded, and how the latest load attempt went."""

    loaded_at: datetime | None = None
    last_reload: LastReload = field(default_factory=LastReload)


@dataclass(frozen=True)
class ReloadOutcome:
    """What a reload did: whether a new model now serves, why not, and what serves."""

    reloaded: bool
    error: str | None
    model: ModelSummary


# ------------------------------------------------------------------------ recommendations
@dataclass(frozen=True)
class RecommendedMentor:
    rank: int
    mentor_id: str
    score: float
    title: str | None
    department: str | None
    reasons: list[Reason]
    cautions: list[Reason]


@dataclass(frozen=True)
class Recommendation:
    """The top mentors for one mentee (``mentee_id`` is None for an inline profile)."""

    mentee_id: str | None
    as_of: datetime
    k: int
    model: ModelSummary
    #: Set when no trained model is loaded.
    note: str | None
    #: Mentors that passed the filters and had a place free.
    eligible_mentors: int
    results: list[RecommendedMentor]


# ------------------------------------------------------------------------ matching plans
@dataclass(frozen=True)
class MatchedPair:
    mentee_id: str
    mentor_id: str
    score: float
    #: Rank of this mentor among the mentee's own candidates.
    choice: int
    reasons: list[Reason]
    cautions: list[Reason]


@dataclass(frozen=True)
class UnmatchedMentee:
    mentee_id: str
    #: The first constraint that left no mentor (see ``recommender.ranking.matching.BLOCKERS``).
    constraint: str
    detail: str
    #: Mentors left after each constraint, in the order they are checked.
    mentors_remaining: dict[str, int]


@dataclass(frozen=True)
class MentorLoad:
    mentor_id: str
    group: str | None
    capacity: int | None
    load_before: int
    assigned: int
    load_after: int


@dataclass(frozen=True)
class MatchingPlan:
    """A proposed cohort assignment and its report (stored; written as pairings only when
    confirmed)."""

    plan_id: str
    #: pending, confirmed or expired.
    status: str
    created_at: datetime
    expires_at: datetime
    model: ModelSummary
    rules: dict[str, Any]
    pairs: list[MatchedPair]
    unmatched: list[UnmatchedMentee]
    mentor_load: list[MentorLoad]
    #: Who got the places by audit group: ``mentor_groups`` and ``mentee_groups`` rows.
    exposure: dict[str, list[dict[str, Any]]]
    stats: dict[str, Any]
    confirmed_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """The stored form (JSON types; status and confirmation live beside it)."""
        data = asdict(self)
        for key in ("created_at", "expires_at"):
            data[key] = data[key].isoformat()
        for key in ("status", "confirmed_at"):
            data.pop(key)
        return data

    @classmethod
    def from_json(
        cls, data: dict[str, Any], *, status: str, confirmed_at: datetime | None
    ) -> MatchingPlan:
        """The plan :meth:`to_json` stored, with its current ``status``."""

        def reasons(items: list[dict[str, Any]]) -> list[Reason]:
            return [Reason(**r) for r in items]

        return cls(
            plan_id=data["plan_id"],
            status=status,
            created_at=datetime.fromisoformat(data["created_at"]),
            expires_at=datetime.fromisoformat(data["expires_at"]),
            model=ModelSummary.from_dict(data["model"]),
            rules=data["rules"],
            pairs=[
                MatchedPair(
                    **{**p, "reasons": reasons(p["reasons"]), "cautions": reasons(p["cautions"])}
                )
                for p in data["pairs"]
            ],
            unmatched=[UnmatchedMentee(**u) for u in data["unmatched"]],
            mentor_load=[MentorLoad(**m) for m in data["mentor_load"]],
            exposure=data["exposure"],
            stats=data["stats"],
            confirmed_at=confirmed_at,
        )


@dataclass(frozen=True)
class PlanConfirmation:
    plan_id: str
    status: str
    confirmed_at: datetime
    pairing_ids: list[str]


# ------------------------------------------------------------------------ people, operations
@dataclass(frozen=True)
class Page:
    """A page of mentors or mentees, in import order."""

    total: int
    offset: int
    items: list[Row]


@dataclass(frozen=True)
class Readiness:
    """Whether the service can answer, and the checks behind it."""

    ready: bool
    problems: list[str]
    database: dict[str, Any]
    model: dict[str, Any]
    mentors: int
    mentees: int
    history_stale: bool | None
    sync_error: str | None
