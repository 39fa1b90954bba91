"""The data contract (v1): the columns of a programme's three tables, their kinds and defaults.

This module is the single source of truth for column names, kinds, defaults and allowed values.
Validation, loading, storage, export, the generator and the docs all read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pandas as pd

CONTRACT_VERSION = "1"

#: Separator of list values inside one CSV cell ("SQL;Python;stakeholder management").
LIST_SEPARATOR = ";"

PAIRING_STATUSES: tuple[str, ...] = (
    "proposed",
    "accepted",
    "declined",
    "active",
    "completed",
    "ended_early",
)
MENTORING_TYPES: tuple[str, ...] = ("traditional", "peer", "reverse")


class Kind(StrEnum):
    """How a column is parsed and stored."""

    ID = "id"  # non-empty string, unique within its table
    REF = "ref"  # string naming an id of another table
    TEXT = "text"  # free text; missing -> ""
    STR = "str"  # short string; missing -> None
    LIST = "list"  # list of strings (";"-separated in CSV); missing -> []
    ENUM_LIST = "enum_list"  # list of strings from `choices`
    ENUM = "enum"  # one string from `choices`
    INT = "int"  # integer (pandas Int64, nullable)
    FLOAT = "float"  # number (pandas Float64, nullable)
    BOOL = "bool"  # true/false, yes/no, 1/0 (pandas boolean)
    DATETIME = "datetime"  # ISO-8601 date or datetime; naive values are UTC
    TIMEZONE = "timezone"  # IANA name ("Europe/Berlin") or UTC offset ("+02:00", "UTC-5")


@dataclass(frozen=True)
class Column:
    """One column of the contract."""

    name: str
    kind: Kind
    description: str
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    #: Audit-only attribute: never used as a model feature.
    audit_only: bool = False

    @property
    def expected(self) -> str:
        """Human description of what a valid value looks like (used in error messages)."""
        base = {
            Kind.ID: "a non-empty identifier",
            Kind.REF: "a non-empty identifier",
            Kind.TEXT: "text",
            Kind.STR: "text",
            Kind.LIST: f"a '{LIST_SEPARATOR}'-separated list",
            Kind.ENUM_LIST: f"a '{LIST_SEPARATOR}'-separated list of {', '.join(self.choices)}",
            Kind.ENUM: f"one of {', '.join(self.choices)}",
            Kind.INT: "a whole number",
            Kind.FLOAT: "a number",
            Kind.BOOL: "true/false (also yes/no, 1/0)",
            Kind.DATETIME: "an ISO-8601 date or datetime such as 2024-03-01 or "
            "2024-03-01T09:30:00Z",
            Kind.TIMEZONE: "an IANA time-zone name such as Europe/Berlin or a UTC offset such as "
            "+02:00",
        }[self.kind]
        bounds = []
        if self.minimum is not None:
            bounds.append(f">= {self.minimum:g}")
        if self.maximum is not None:
            bounds.append(f"<= {self.maximum:g}")
        return base + (f" {' and '.join(bounds)}" if bounds else "")


@dataclass(frozen=True)
class TableSpec:
    """One table of the contract: its file stem, id column and columns in canonical order."""

    name: str
    id_column: str
    columns: tuple[Column, ...]
    references: dict[str, str] = field(default_factory=dict)  # column -> referenced table

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


_COMMON_PERSON = (
    Column("profile", Kind.TEXT, "Free text: background, expertise, what they are like."),
    Column("skills", Kind.LIST, "Skills the person has."),
    Column("interests", Kind.LIST, "Professional or personal interests."),
    Column("title", Kind.STR, "Job title."),
    Column("department", Kind.STR, "Department or function."),
    Column("location", Kind.STR, "Office or city."),
    Column("timezone", Kind.TIMEZONE, "IANA time-zone name or UTC offset."),
    Column("languages", Kind.LIST, "Languages the person can mentor/be mentored in."),
    Column("seniority", Kind.INT, "Seniority level (integer; higher is more senior).", minimum=0),
)

MENTORS = TableSpec(
    name="mentors",
    id_column="mentor_id",
    columns=(
        Column(
            "mentor_id", Kind.ID, "Unique person id (shared namespace with mentees).", required=True
        ),
        *_COMMON_PERSON,
        Column("years_experience", Kind.FLOAT, "Years of professional experience.", minimum=0),
        Column("capacity", Kind.INT, "Maximum concurrent mentees.", default=1, minimum=0),
        Column("available", Kind.BOOL, "Open to new mentees.", default=True),
        Column(
            "mentoring_types",
            Kind.ENUM_LIST,
            "Kinds of mentoring offered.",
            choices=MENTORING_TYPES,
        ),
        Column(
            "group",
            Kind.STR,
            "Audit attribute for fairness reports; never a model feature.",
            audit_only=True,
        ),
        Column("created_at", Kind.DATETIME, "When the person joined the programme."),
    ),
)

MENTEES = TableSpec(
    name="mentees",
    id_column="mentee_id",
    columns=(
        Column(
            "mentee_id", Kind.ID, "Unique person id (shared namespace with mentors).", required=True
        ),
        Column("profile", Kind.TEXT, "Free text: background and current role."),
        Column("goals", Kind.TEXT, "Free text: what they want from mentoring."),
        Column("skills_wanted", Kind.LIST, "Skill gaps they want to close."),
        *_COMMON_PERSON[1:],
        Column("mentoring_type", Kind.ENUM, "Kind of mentoring wanted.", choices=MENTORING_TYPES),
        Column(
            "group",
            Kind.STR,
            "Audit attribute for fairness reports; never a model feature.",
            audit_only=True,
        ),
        Column("created_at", Kind.DATETIME, "When the mentee asked for a mentor."),
    ),
)

PAIRINGS = TableSpec(
    name="pairings",
    id_column="pairing_id",
    columns=(
        Column(
            "pairing_id",
            Kind.ID,
            "Unique pairing id; when empty a stable id is derived from mentor, mentee and "
            "created_at.",
        ),
        Column("mentor_id", Kind.REF, "The mentor (must exist in mentors).", required=True),
        Column("mentee_id", Kind.REF, "The mentee (must exist in mentees).", required=True),
        Column("created_at", Kind.DATETIME, "When the pair was proposed or formed.", required=True),
        Column(
            "status", Kind.ENUM, "Outcome so far.", default="accepted", choices=PAIRING_STATUSES
        ),
        Column("rating", Kind.FLOAT, "Mentee's rating of the pairing.", minimum=0, maximum=5),
        Column("feedback", Kind.TEXT, "Free-text feedback."),
        Column("ended_at", Kind.DATETIME, "When the pairing ended."),
        Column(
            "last_checkin_at",
            Kind.DATETIME,
            "When the pair last checked in: a meeting logged, a survey answered, or a status, "
            "rating or feedback update.",
        ),
    ),
    references={"mentor_id": "mentors", "mentee_id": "mentees"},
)

TABLES: dict[str, TableSpec] = {t.name: t for t in (MENTORS, MENTEES, PAIRINGS)}


@dataclass
class Programme:
    """A programme's three typed tables.

    Column dtypes after loading: ID/REF/STR/ENUM/TIMEZONE -> object (str or None), TEXT -> object
    (str, "" when missing), LIST/ENUM_LIST -> object (list[str], [] when missing), INT -> Int64,
    FLOAT -> Float64, BOOL -> boolean, DATETIME -> datetime64[ns, UTC].
    Every contract column is present (filled with its default) whatever the source had.
    """

    mentors: pd.DataFrame
    mentees: pd.DataFrame
    pairings: pd.DataFrame

    def table(self, name: str) -> pd.DataFrame:
        frame: pd.DataFrame = getattr(self, name)
        return frame
