"""Matching plans: a capacity-aware assignment for a cohort, stored until confirmed.

:meth:`Plans.match` runs :func:`recommender.ranking.matching.match_cohort` on the current
snapshot, explains every pair and stores the plan (``store/plans``), so any replica can confirm
it. :meth:`Plans.confirm` writes its pairs as pairings, all or none, after checking that each is
still possible (the mentor still there, available and with a place; the pair not recorded
since).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from recommender.data.contract import TABLES
from recommender.data.frames import coerce_frame
from recommender.data.load import derive_pairing_id
from recommender.ranking.capacity import remaining_at
from recommender.ranking.matching import MatchingResult, MatchingRules, match_cohort
from recommender.service.changes import Changes
from recommender.service.errors import ConflictError, InvalidInputError, NotFoundError
from recommender.service.recommending import explain, shown
from recommender.service.results import (
    MatchedPair,
    MatchingPlan,
    MentorLoad,
    PlanConfirmation,
    UnmatchedMentee,
)
from recommender.service.snapshot import Snapshot
from recommender.service.state import ServingState
from recommender.store.plans import PlanRecord, claim_plan, get_plan, release_plan, save_plan

__all__ = ["Plans"]


class Plans:
    """Makes, reads and confirms matching plans against ``state``."""

    def __init__(self, state: ServingState, changes: Changes) -> None:
        self.state = state
        self.settings = state.settings
        self.changes = changes

    def match(
        self,
        *,
        mentee_ids: list[str],
        mentor_ids: list[str] | None = None,
        exclusions: Iterable[tuple[str, str]] = (),
        exclude_mentor_ids: Iterable[str] = (),
        require_shared_language: bool = True,
        candidates_per_mentee: int | None = None,
        created_by: str | None = None,
    ) -> MatchingPlan:
        """A capacity-aware assignment for a cohort, stored as a pending plan (nothing is
        written to the pairings until :meth:`confirm`)."""
        started = time.perf_counter()
        snap = self.state.snapshot
        self._check_ids(snap, mentee_ids, mentor_ids)
        now = self.state.now()
        rules = MatchingRules(
            mentor_ids=tuple(mentor_ids) if mentor_ids is not None else None,
            exclusions=frozenset(exclusions),
            exclude_mentor_ids=frozenset(exclude_mentor_ids),
            require_shared_language=require_shared_language,
        )
        result = match_cohort(
            snap.scorer,
            snap.featurizer,
            snap.context,
            snap.index,
            mentee_ids,
            rules,
            as_of=now,
            retrieval=snap.retrieval,
            candidates_per_mentee=candidates_per_mentee or self.settings.matching_candidates,
            signals=snap.signals,
        )
        expires = now + pd.Timedelta(seconds=self.settings.matching_plan_ttl_s)
        plan = MatchingPlan(
            plan_id=uuid.uuid4().hex,
            status="pending",
            created_at=now.to_pydatetime(),
            expires_at=expires.to_pydatetime(),
            model=snap.model,
            rules={
                "mentor_ids": mentor_ids,
                "exclusions": [list(e) for e in sorted(rules.exclusions)],
                "exclude_mentor_ids": sorted(rules.exclude_mentor_ids),
                "require_shared_language": require_shared_language,
            },
            pairs=self._pairs(snap, result, now),
            unmatched=[UnmatchedMentee(**u) for u in result.unmatched],
            mentor_load=_mentor_load(result),
            exposure=result.exposure,
            stats={**result.stats, "seconds": round(time.perf_counter() - started, 3)},
        )
        save_plan(
            self.state.engine,
            plan.plan_id,
            plan.to_json(),
            expires_at=plan.expires_at,
            created_by=created_by,
            created_at=plan.created_at,
        )
        return plan

    def _check_ids(
        self, snap: Snapshot, mentee_ids: list[str], mentor_ids: list[str] | None
    ) -> None:
        limit = self.settings.matching_max_mentees
        if len(mentee_ids) > limit:
            raise InvalidInputError(
                f"at most {limit} mentees per matching, got {len(mentee_ids)}",
                field=("mentee_ids",),
            )
        mentees = snap.context.position_map("mentees")
        seen: set[str] = set()
        for i, mentee in enumerate(mentee_ids):
            if mentee in seen:
                raise InvalidInputError(
                    f"mentee {mentee!r} is listed twice", field=("mentee_ids", i)
                )
            seen.add(mentee)
            if mentee not in mentees:
                raise InvalidInputError(
                    f"mentee {mentee!r} is not in the programme", field=("mentee_ids", i)
                )
        mentors = snap.context.position_map("mentors")
        for i, mentor in enumerate(mentor_ids or ()):
            if mentor not in mentors:
                raise InvalidInputError(
                    f"mentor {mentor!r} is not in the programme", field=("mentor_ids", i)
                )

    @staticmethod
    def _pairs(snap: Snapshot, result: MatchingResult, now: pd.Timestamp) -> list[MatchedPair]:
        pairs = result.pairs
        if pairs.empty:
            return []
        explanations = explain(snap, snap.context, pairs, now)
        columns = pairs[["mentee_id", "mentor_id", "score", "choice"]].itertuples(index=False)
        return [
            MatchedPair(
                mentee_id=str(mentee),
                mentor_id=str(mentor),
                score=float(score),
                choice=int(choice),
                reasons=shown(explanation.reasons),
                cautions=shown(explanation.cautions),
            )
            for (mentee, mentor, score, choice), explanation in zip(
                columns, explanations, strict=True
            )
        ]

    def get(self, plan_id: str) -> MatchingPlan:
        """A stored plan, with its status now (pending, confirmed or expired)."""
        record = self._record(plan_id)
        status = "expired" if record.expired(self.state.now().to_pydatetime()) else record.status
        return MatchingPlan.from_json(record.plan, status=status, confirmed_at=record.confirmed_at)

    def _record(self, plan_id: str) -> PlanRecord:
        record = get_plan(self.state.engine, plan_id)
        if record is None:
            raise NotFoundError(f"no matching plan {plan_id!r}")
        return record

    def confirm(
        self, plan_id: str, *, status: str = "proposed", confirmed_by: str | None = None
    ) -> PlanConfirmation:
        """Write a pending plan's pairs to the pairings (all or none), after checking that every
        mentor still has the places the plan uses."""
        record = self._record(plan_id)
        now = self.state.now()
        if record.status != "pending":
            raise ConflictError(f"plan {plan_id} was already confirmed at {record.confirmed_at}")
        if record.expired(now.to_pydatetime()):
            raise ConflictError(
                f"plan {plan_id} expired at {record.expires_at.isoformat()}; run the matching again"
            )
        pairs: list[dict[str, Any]] = record.plan.get("pairs", [])
        engine = self.state.engine
        with self.state.write_lock:
            conflicts = self.conflicts(self.state.snapshot, pairs, now)
            if conflicts:
                raise ConflictError(
                    f"the programme changed since plan {plan_id} was made: {len(conflicts)} of "
                    "its pairs are no longer possible; run the matching again",
                    details={"conflicts": conflicts},
                )
            if not claim_plan(engine, plan_id, confirmed_by):
                raise ConflictError(f"plan {plan_id} is no longer pending")
            frame = coerce_frame(
                TABLES["pairings"],
                [
                    {
                        "pairing_id": derive_pairing_id(p["mentor_id"], p["mentee_id"], now),
                        "mentor_id": p["mentor_id"],
                        "mentee_id": p["mentee_id"],
                        "created_at": now,
                        "status": status,
                    }
                    for p in pairs
                ],
            )
            try:
                self.changes.write("pairings", frame)
            except Exception:
                release_plan(engine, plan_id)
                raise
        return PlanConfirmation(
            plan_id=plan_id,
            status="confirmed",
            confirmed_at=now.to_pydatetime(),
            pairing_ids=[str(p) for p in frame["pairing_id"]],
        )

    @staticmethod
    def conflicts(
        snap: Snapshot, pairs: list[dict[str, Any]], now: pd.Timestamp
    ) -> list[dict[str, str]]:
        """The plan's pairs that are no longer possible, each with the reason."""
        context, index = snap.context, snap.index
        remaining = remaining_at(context, now)
        mentees = context.position_map("mentees")
        available = context.mentors["available"]
        wanted: dict[str, int] = {}
        found = []
        for p in pairs:
            mentor, mentee = p["mentor_id"], p["mentee_id"]
            position = index.position.get(mentor)
            if position is None:
                reason = "the mentor left the programme"
            elif mentee not in mentees:
                reason = "the mentee left the programme"
            elif available.iloc[position] is False:
                reason = "the mentor is no longer available"
            elif any(m == mentor for m, _ in context.previous_pairs(mentee)):
                reason = "the pair has been recorded since"
            else:
                wanted[mentor] = wanted.get(mentor, 0) + 1
                if wanted[mentor] <= remaining[position]:
                    continue
                reason = "the mentor has no place left"
            found.append({"mentee_id": str(mentee), "mentor_id": str(mentor), "reason": reason})
        return found


def _mentor_load(result: MatchingResult) -> list[MentorLoad]:
    return [
        MentorLoad(
            mentor_id=str(r["mentor_id"]),
            group=r["group"] if isinstance(r["group"], str) else None,
            capacity=None if np.isinf(r["capacity"]) else int(r["capacity"]),
            load_before=int(r["load_before"]),
            assigned=int(r["assigned"]),
            load_after=int(r["load_after"]),
        )
        for _, r in result.mentor_load.iterrows()
    ]
