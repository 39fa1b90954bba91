"""The suggestions log: which mentors the service suggested to which mentees, and when.

The service appends a row for every mentor in a recommendation it serves and every pair in a
matching plan it proposes (``source`` is ``recommendation`` or ``plan``). The programme KPIs
(:mod:`recommender.kpis`) read it point in time to say how often each group is suggested and how
those suggestions turn out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, Table, select

from recommender.store.models import Suggestion

__all__ = [
    "SOURCES",
    "SUGGESTION_COLUMNS",
    "SuggestionRecord",
    "read_suggestions",
    "record_suggestions",
]

_TABLE: Table = Suggestion.__table__  # type: ignore[assignment]

#: Where a suggestion came from.
SOURCES = ("recommendation", "plan")

SUGGESTION_COLUMNS = (
    "suggested_at",
    "source",
    "mentee_id",
    "mentor_id",
    "rank",
    "score",
    "mentee_group",
    "mentor_group",
    "request_id",
    "model_version",
)


@dataclass(frozen=True)
class SuggestionRecord:
    """One suggested (mentee, mentor) pair."""

    suggested_at: datetime
    source: str
    mentee_id: str
    mentor_id: str
    rank: int
    score: float | None = None
    mentee_group: str | None = None
    mentor_group: str | None = None
    request_id: str | None = None
    model_version: str | None = None

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {', '.join(SOURCES)}, got {self.source!r}")


def record_suggestions(engine: Engine, records: Sequence[SuggestionRecord]) -> int:
    """Append ``records`` in one transaction; returns how many were written."""
    if not records:
        return 0
    with engine.begin() as connection:
        connection.execute(_TABLE.insert(), [asdict(r) for r in records])
    return len(records)


def read_suggestions(engine: Engine, as_of: datetime | None = None) -> pd.DataFrame:
    """The log up to ``as_of`` (inclusive; all of it when None), oldest first, with
    :data:`SUGGESTION_COLUMNS` (``suggested_at`` as UTC timestamps)."""
    query = select(*(_TABLE.c[name] for name in SUGGESTION_COLUMNS)).order_by(
        _TABLE.c.suggested_at, _TABLE.c.id
    )
    if as_of is not None:
        query = query.where(_TABLE.c.suggested_at <= as_of)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=list(SUGGESTION_COLUMNS))
    frame["suggested_at"] = pd.to_datetime(frame["suggested_at"], utc=True)
    frame["rank"] = frame["rank"].astype("int64")
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce").astype("float64")
    return frame
