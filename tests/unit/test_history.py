"""Point-in-time history: only pairings before t count, with the outcome known at t."""

from __future__ import annotations

import numpy as np
import pandas as pd

from recommender.data.labels import LabelPolicy
from recommender.features.history import HistoryIndex, to_seconds

from factory import T0, build


def _index(pairings: list[dict]) -> HistoryIndex:
    prog = build(
        [{"mentor_id": "m1"}, {"mentor_id": "m2"}],
        [{"mentee_id": f"e{i}"} for i in range(5)],
        pairings,
    )
    return HistoryIndex(prog.pairings, LabelPolicy())


def _stats(index: HistoryIndex, mentor: str, when: pd.Timestamp) -> dict[str, float]:
    row = index.stats(np.array([mentor], dtype=object), to_seconds(pd.Series([when])))
    return {str(k): float(v) for k, v in row.iloc[0].items()}


def test_outcome_is_provisional_until_the_pairing_ends() -> None:
    index = _index(
        [
            {
                "mentor_id": "m1",
                "mentee_id": "e1",
                "created_at": T0,
                "status": "completed",
                "rating": 5,
                "ended_at": T0 + pd.Timedelta(days=90),
            },
        ]
    )
    before = _stats(index, "m1", T0)
    assert before["count"] == 0  # a pairing is not history at its own creation time
    during = _stats(index, "m1", T0 + pd.Timedelta(days=10))
    assert during == {
        "count": 1,
        "labelled": 1,
        "label_sum": 1.0,
        "success": 1,
        "rating_sum": 0.0,
        "rating_n": 0,
        "load": 1,
    }
    after = _stats(index, "m1", T0 + pd.Timedelta(days=91))
    assert after["label_sum"] == 3.0  # completed with rating >= 4
    assert after["rating_n"] == 1
    assert after["rating_sum"] == 5.0
    assert after["load"] == 0


def test_ended_early_turns_a_provisional_success_into_a_failure() -> None:
    index = _index(
        [
            {
                "mentor_id": "m1",
                "mentee_id": "e1",
                "created_at": T0,
                "status": "ended_early",
                "ended_at": T0 + pd.Timedelta(days=20),
            },
        ]
    )
    assert _stats(index, "m1", T0 + pd.Timedelta(days=5))["success"] == 1
    assert _stats(index, "m1", T0 + pd.Timedelta(days=21))["success"] == 0


def test_declined_is_known_at_once_and_never_loads() -> None:
    index = _index(
        [
            {"mentor_id": "m1", "mentee_id": "e1", "created_at": T0, "status": "declined"},
        ]
    )
    s = _stats(index, "m1", T0 + pd.Timedelta(days=1))
    assert s["labelled"] == 1
    assert s["success"] == 0
    assert s["load"] == 0


def test_mentors_are_independent_and_unknown_mentors_have_empty_history() -> None:
    index = _index(
        [
            {"mentor_id": "m1", "mentee_id": "e1", "created_at": T0, "status": "active"},
            {"mentor_id": "m2", "mentee_id": "e2", "created_at": T0, "status": "active"},
            {"mentor_id": "m2", "mentee_id": "e3", "created_at": T0, "status": "active"},
        ]
    )
    later = T0 + pd.Timedelta(days=1)
    assert _stats(index, "m1", later)["load"] == 1
    assert _stats(index, "m2", later)["load"] == 2
    assert _stats(index, "nobody", later)["count"] == 0


def test_last_created_and_recent_window() -> None:
    index = _index(
        [
            {"mentor_id": "m1", "mentee_id": "e1", "created_at": T0, "status": "completed"},
            {
                "mentor_id": "m1",
                "mentee_id": "e2",
                "created_at": T0 + pd.Timedelta(days=100),
                "status": "completed",
            },
        ]
    )
    ids = np.array(["m1", "m1", "m2"], dtype=object)
    when = to_seconds(
        pd.Series(
            [T0 + pd.Timedelta(days=50), T0 + pd.Timedelta(days=150), T0 + pd.Timedelta(days=150)]
        )
    )
    last = index.last_created(ids, when)
    assert last[0] == to_seconds(pd.Series([T0]))[0]
    assert last[1] == to_seconds(pd.Series([T0 + pd.Timedelta(days=100)]))[0]
    assert np.isnan(last[2])
    recent = index.created_between(ids, when, 60 * 86400)
    assert recent.tolist() == [1.0, 1.0, 0.0]  # [t-60d, t): day 0 at day 50; day 100 at 150
