"""SQLAlchemy models of the programme database: the contract's three tables plus quarantine, and
the HTTP service's API keys, matching plans and suggestions log.

Every contract column (see :mod:`recommender.data.contract`) has a column of the same name. List
columns are JSON arrays; datetimes are stored in UTC (microsecond precision, the limit of both
SQLite and PostgreSQL). Each contract table also has:

- ``id``: a surrogate key; it also records the order rows were first imported in, so an export
  writes rows back in the order they arrived;
- ``content_hash``: a hash of the row's contract values (:func:`recommender.store.io.row_hash`),
  so an import finds unchanged rows without comparing every column;
- ``updated_at``: when the row was last inserted or changed by an import.

Mentor and mentee ids share one namespace: a person may have a row in both tables.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Deterministic constraint names, so migrations can refer to (and later alter) them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    SQLite has no time-zone support, so values are stored there as naive UTC; naive values coming
    in are taken as UTC (as the data contract says) and values read back are always aware UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):  # pragma: no cover - every supported driver parses
            value = datetime.fromisoformat(str(value))
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of the programme schema."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class _Tracked:
    """Bookkeeping columns shared by the three contract tables."""

    # sort_order: the key first, the bookkeeping after the contract columns.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True, sort_order=-1)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False, sort_order=1)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, sort_order=1
    )


class Mentor(_Tracked, Base):
    """A person offering mentoring (contract table ``mentors``)."""

    __tablename__ = "mentors"

    mentor_id: Mapped[str] = mapped_column(String, nullable=False, unique=True)
    profile: Mapped[str] = mapped_column(Text, nullable=False, default="")
    skills: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    interests: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    title: Mapped[str | None] = mapped_column(String)
    department: Mapped[str | None] = mapped_column(String)
    location: Mapped[str | None] = mapped_column(String)
    timezone: Mapped[str | None] = mapped_column(String)
    languages: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    seniority: Mapped[int | None] = mapped_column(BigInteger)
    years_experience: Mapped[float | None] = mapped_column(Double)
    capacity: Mapped[int] = mapped_column(BigInteger, nullable=False, default=1)
    available: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    mentoring_types: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    group: Mapped[str | None] = mapped_column(String)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Mentee(_Tracked, Base):
    """A person looking for a mentor (contract table ``mentees``)."""

    __tablename__ = "mentees"

    mentee_id: Mapped[str] = mapped_column(String, nullable=False, unique=True)
    profile: Mapped[str] = mapped_column(Text, nullable=False, default="")
    goals: Mapped[str] = mapped_column(Text, nullable=False, default="")
    skills_wanted: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    skills: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    interests: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    title: Mapped[str | None] = mapped_column(String)
    department: Mapped[str | None] = mapped_column(String)
    location: Mapped[str | None] = mapped_column(String)
    timezone: Mapped[str | None] = mapped_column(String)
    languages: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    seniority: Mapped[int | None] = mapped_column(BigInteger)
    mentoring_type: Mapped[str | None] = mapped_column(String)
    group: Mapped[str | None] = mapped_column(String)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Pairing(_Tracked, Base):
    """A proposed or formed mentor-mentee pair and its outcome (contract table ``pairings``)."""

    __tablename__ = "pairings"
    __table_args__ = (Index("ix_pairings_mentee_id_created_at", "mentee_id", "created_at"),)

    pairing_id: Mapped[str] = mapped_column(String, nullable=False, unique=True)
    mentor_id: Mapped[str] = mapped_column(
        String, ForeignKey("mentors.mentor_id"), nullable=False, index=True
    )
    mentee_id: Mapped[str] = mapped_column(String, ForeignKey("mentees.mentee_id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    status: Mapped[str] = mapped_column(String, nullable=False, default="accepted")
    rating: Mapped[float | None] = mapped_column(Double)
    feedback: Mapped[str] = mapped_column(Text, nullable=False, default="")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_checkin_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QuarantinedRow(Base):
    """A row an import rejected, kept with its original values and the reasons."""

    __tablename__ = "quarantine"
    # The same bad row imported again is not stored twice.
    __table_args__ = (
        UniqueConstraint(
            "table_name",
            "source_file",
            "source_row",
            "raw_hash",
            name="uq_quarantine_source",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    table_name: Mapped[str] = mapped_column(String, nullable=False)
    source_file: Mapped[str] = mapped_column(String, nullable=False)
    source_row: Mapped[int | None] = mapped_column(BigInteger)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    raw_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    reasons: Mapped[str] = mapped_column(Text, nullable=False)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ApiKey(Base):
    """An API key of the HTTP service: only its SHA-256 is stored (see
    :mod:`recommender.store.keys`)."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: The public part of the key (``mr_<key_id>_<secret>``), for listing and revoking.
    key_id: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MatchingPlan(Base):
    """A proposed cohort matching, kept until an admin confirms it (then its pairs are written
    to ``pairings``) or it expires (see :mod:`recommender.store.plans`)."""

    __tablename__ = "matching_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(32))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by: Mapped[str | None] = mapped_column(String(32))
    #: The plan as the API returned it (pairs, unmatched, loads, exposure).
    plan: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)


class Suggestion(Base):
    """One mentor the service suggested to one mentee: a ranked recommendation it served, or a
    pair in a cohort-matching plan it proposed (see :mod:`recommender.store.suggestions`).

    Append-only and point in time: the groups are copied as they were when the suggestion was
    made, and nothing refers to the people's rows, so the log outlives edits and deletions.
    """

    __tablename__ = "suggestions"
    __table_args__ = (Index("ix_suggestions_mentee_id_mentor_id", "mentee_id", "mentor_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    suggested_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    mentee_id: Mapped[str] = mapped_column(String, nullable=False)
    mentor_id: Mapped[str] = mapped_column(String, nullable=False)
    rank: Mapped[int] = mapped_column(Integer, nullable=False)
    score: Mapped[float | None] = mapped_column(Double)
    mentee_group: Mapped[str | None] = mapped_column(String)
    mentor_group: Mapped[str | None] = mapped_column(String)
    #: The request id of a recommendation, or the plan id of a matching.
    request_id: Mapped[str | None] = mapped_column(String(64))
    model_version: Mapped[str | None] = mapped_column(String(200))


#: Contract table name -> model.
MODELS: dict[str, type[Mentor] | type[Mentee] | type[Pairing]] = {
    "mentors": Mentor,
    "mentees": Mentee,
    "pairings": Pairing,
}
