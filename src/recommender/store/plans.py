"""Cohort-matching plans: stored when proposed, written to ``pairings`` only once confirmed.

Plans live in the database (not in one service process), so any replica can confirm a plan
another one computed. A plan is confirmed at most once: :func:`claim_plan` moves it from
``pending`` to ``confirmed`` in one conditional UPDATE, and :func:`release_plan` moves it back
if writing its pairings then fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Table, select, update

from recommender.store.models import MatchingPlan, utcnow

_TABLE: Table = MatchingPlan.__table__  # type: ignore[assignment]

PENDING = "pending"
CONFIRMED = "confirmed"


@dataclass(frozen=True)
class PlanRecord:
    """A stored plan."""

    plan_id: str
    status: str
    created_at: datetime
    expires_at: datetime
    created_by: str | None
    confirmed_at: datetime | None
    confirmed_by: str | None
    plan: dict[str, Any]

    def expired(self, now: datetime | None = None) -> bool:
        return self.status == PENDING and (now or utcnow()) >= self.expires_at


def save_plan(
    engine: Engine,
    plan_id: str,
    plan: dict[str, Any],
    *,
    expires_at: datetime,
    created_by: str | None,
    created_at: datetime | None = None,
) -> None:
    """Store a new pending plan (``plan`` must be JSON-serialisable)."""
    with engine.begin() as connection:
        connection.execute(
            _TABLE.insert().values(
                plan_id=plan_id,
                status=PENDING,
                created_at=created_at or utcnow(),
                expires_at=expires_at,
                created_by=created_by,
                plan=plan,
            )
        )


def get_plan(engine: Engine, plan_id: str) -> PlanRecord | None:
    """The stored plan, or None."""
    with engine.connect() as connection:
        row = connection.execute(select(_TABLE).where(_TABLE.c.plan_id == plan_id)).mappings()
        found = row.first()
    if found is None:
        return None
    return PlanRecord(
        plan_id=found["plan_id"],
        status=found["status"],
        created_at=found["created_at"],
        expires_at=found["expires_at"],
        created_by=found["created_by"],
        confirmed_at=found["confirmed_at"],
        confirmed_by=found["confirmed_by"],
        plan=found["plan"],
    )


def claim_plan(engine: Engine, plan_id: str, confirmed_by: str | None) -> bool:
    """Mark a pending, unexpired plan confirmed; False when it is not (any more) pending."""
    now = utcnow()
    with engine.begin() as connection:
        result = connection.execute(
            update(_TABLE)
            .where(
                _TABLE.c.plan_id == plan_id,
                _TABLE.c.status == PENDING,
                _TABLE.c.expires_at > now,
            )
            .values(status=CONFIRMED, confirmed_at=now, confirmed_by=confirmed_by)
        )
    return bool(result.rowcount)


def release_plan(engine: Engine, plan_id: str) -> None:
    """Undo :func:`claim_plan` (its pairings could not be written)."""
    with engine.begin() as connection:
        connection.execute(
            update(_TABLE)
            .where(_TABLE.c.plan_id == plan_id, _TABLE.c.status == CONFIRMED)
            .values(status=PENDING, confirmed_at=None, confirmed_by=None)
        )
