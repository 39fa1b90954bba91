"""The one capacity rule (recommender.ranking.capacity), by hand, and everyone using it."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
import pytest

from recommender.features.embeddings import HashingEncoder
from recommender.features.pairs import PairFeaturizer
from recommender.ranking.capacity import (
    PROPOSAL_HOLD_DAYS,
    held_at,
    remaining_at,
    remaining_places,
    to_millis,
)
from recommender.ranking.index import MentorIndex
from recommender.ranking.matching import MatchingRules, match_cohort
from recommender.ranking.recommend import recommend_batch
from recommender.ranking.retrieval import RetrievalConfig, eligibility
from recommender.ranking.scoring import RulesScorer

from factory import T0, build

DAY = pd.Timedelta(days=1)
MENTORS = [
    {"mentor_id": "busy", "skills": ["sql"], "languages": ["English"], "capacity": 2},
    {"mentor_id": "free", "skills": ["sql"], "languages": ["English"], "capacity": 1},
    {"mentor_id": "open", "skills": ["sql"], "languages": ["English"]},  # the default: 1
    {"mentor_id": "none", "skills": ["sql"], "languages": ["English"], "capacity": 0},
]
MENTEES = [
    {"mentee_id": f"e{i}", "goals": "learn sql", "skills_wanted": ["sql"], "languages": ["English"]}
    for i in range(8)
]


def _pairing(i: int, mentor: str, status: str, created: pd.Timestamp, **extra: object) -> dict:
    return {
        "pairing_id": f"p{i}",
        "mentor_id": mentor,
        "mentee_id": f"e{i}",
        "status": status,
        "created_at": created,
        **extra,
    }


def _context(pairings: list[dict]):
    programme = build(MENTORS, MENTEES, pairings)
    return PairFeaturizer().fit(programme).prepare(programme, HashingEncoder(32))


def _held(context, mentor: str, moment: pd.Timestamp) -> float:
    return float(held_at(context, moment)[context.position_map("mentors")[mentor]])


def test_which_pairings_hold_a_place_and_for_how_long() -> None:
    context = _context(
        [
            _pairing(0, "busy", "active", T0),  # no end: holds from T0 on
            _pairing(1, "busy", "completed", T0, ended_at=T0 + 10 * DAY),  # held while it ran
            _pairing(2, "busy", "completed", T0),  # no end date: never known to run
            _pairing(3, "busy", "declined", T0),  # never
            _pairing(4, "busy", "proposed", T0 + 20 * DAY),  # for PROPOSAL_HOLD_DAYS
            _pairing(5, "busy", "accepted", T0 + 5 * DAY, ended_at=T0 + 6 * DAY),
            _pairing(6, "busy", "ended_early", T0 + 7 * DAY, ended_at=T0 + 7 * DAY),  # ran 0 s
        ]
    )
    assert _held(context, "busy", T0) == 0  # created at T0: not yet held at T0 itself
    assert _held(context, "busy", T0 + pd.Timedelta(milliseconds=1)) == 2
    assert _held(context, "busy", T0 + 5.5 * DAY) == 3
    assert _held(context, "busy", T0 + 6 * DAY) == 3  # ends at 6 days: free just after
    assert _held(context, "busy", T0 + 6 * DAY + pd.Timedelta(milliseconds=1)) == 2
    assert _held(context, "busy", T0 + 15 * DAY) == 1
    assert _held(context, "busy", T0 + 25 * DAY) == 2  # the proposal
    hold_end = T0 + 20 * DAY + PROPOSAL_HOLD_DAYS * DAY
    assert _held(context, "busy", hold_end) == 2
    assert _held(context, "busy", hold_end + pd.Timedelta(milliseconds=1)) == 1
    assert _held(context, "free", T0 + 25 * DAY) == 0
    # Remaining = capacity - held, never below 0; before any pairing everything is free.
    remaining = remaining_at(context, T0 + 25 * DAY)
    position = context.position_map("mentors")
    assert remaining[position["busy"]] == 0
    assert remaining[position["free"]] == 1
    assert remaining[position["none"]] == 0
    assert remaining_at(context, T0 - 365 * DAY)[position["busy"]] == 2


def test_a_pairing_recorded_a_moment_ago_already_holds_its_place() -> None:
    created = T0 + pd.Timedelta(hours=9, milliseconds=300)
    context = _context([_pairing(0, "free", "proposed", created)])
    position = context.position_map("mentors")["free"]
    later = created + pd.Timedelta(milliseconds=200)  # the same second
    assert remaining_places(context, np.array([position]), to_millis(pd.Series([later])))[0] == 0


def test_batch_eligibility_recommendations_and_matching_use_the_rule() -> None:
    now = T0 + 40 * DAY
    context = _context(
        [
            _pairing(0, "busy", "active", T0),
            _pairing(1, "busy", "proposed", now - 2 * DAY),  # open: holds the second place
            _pairing(2, "free", "proposed", now - 90 * DAY),  # lapsed long ago
        ]
    )
    queries = pd.DataFrame({"mentee_id": ["e7"], "as_of": [now]})
    mask = eligibility(context, queries)[0]
    allowed = set(context.mentors.index[mask])
    assert allowed == {"free", "open"}
    assert "busy" in set(context.mentors.index[eligibility(context, queries, False)[0]])
    batch = recommend_batch(
        RulesScorer(), PairFeaturizer().fit(build(MENTORS, MENTEES, [])), context, ["e7"], 4,
        RetrievalConfig(), as_of=now,
    )  # fmt: skip
    assert set(batch["mentor_id"]) == {"free", "open"}
    result = match_cohort(
        RulesScorer(),
        PairFeaturizer().fit(build(MENTORS, MENTEES, [])),
        context,
        MentorIndex.build(context),
        ["e5", "e6", "e7"],
        MatchingRules(),
        as_of=now,
        retrieval=RetrievalConfig(),
        candidates_per_mentee=4,
    )
    assert "busy" not in set(result.pairs["mentor_id"])
    load = result.mentor_load.set_index("mentor_id")
    assert (load["load_after"] <= load["capacity"]).all()
    assert result.stats["matched"] == 2  # one place each at "free" and "open"
    assert result.stats["places_in_pool"] == 2


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_to_millis_in_any_unit(unit: Literal["s", "ms", "us", "ns"]) -> None:
    times = pd.Series(pd.to_datetime(["2024-01-01T00:00:01.250Z"])).astype(
        pd.DatetimeTZDtype(unit=unit, tz="UTC")
    )
    expected = 1704067201000 if unit == "s" else 1704067201250
    assert to_millis(times).tolist() == [expected]
