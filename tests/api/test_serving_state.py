"""The serving state: incremental updates equal a fresh rebuild; external changes are picked up;
explanations and thread settings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from api_support import encoder

from recommender.data.contract import MENTEES, MENTORS
from recommender.data.frames import coerce_frame
from recommender.features.pairs import FEATURES
from recommender.ranking.explain import (
    FAMILIES,
    MENTEE_ONLY,
    explain_pair,
    unexplained_features,
)
from recommender.ranking.recommend import rank_requests
from recommender.ranking.retrieval import SignalScorer, snapshot_times
from recommender.ranking.scoring import RulesScorer
from recommender.service import RecommenderService
from recommender.store.io import read_programme_from_db, upsert_table


def _fresh(service: RecommenderService, db_url: str):
    """The context a restart would build from the database."""
    snap = service.snapshot
    return snap.featurizer.prepare(read_programme_from_db(db_url), encoder())


def _pairs(context, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "mentee_id": rng.choice(context.mentees.index.to_numpy(dtype=object), n),
            "mentor_id": rng.choice(context.mentors.index.to_numpy(dtype=object), n),
            "as_of": pd.Timestamp.now(tz="UTC"),
        }
    )


def test_incremental_updates_equal_a_fresh_rebuild(
    service: RecommenderService, db_url: str
) -> None:
    context = service.snapshot.context
    mentor_id, mentee_id = context.mentors.index[5], context.mentees.index[7]
    # Fill the per-context caches first (person columns, positions, records), so that stale
    # entries would show below.
    service.recommend(mentee_id=mentee_id, k=3)
    service.snapshot.featurizer.transform(_pairs(context), context)
    service.replace_person(
        "mentors",
        mentor_id,
        {"skills": ["negotiation", "SQL"], "profile": "Deals.", "department": "Deal desk"},
        merge=True,
    )
    service.create_person("mentors", {"mentor_id": "fresh-mentor", "skills": ["SQL"]})
    service.record_pairing(
        {
            "mentor_id": "fresh-mentor",
            "mentee_id": mentee_id,
            "created_at": "2026-01-01T00:00:00Z",
            "status": "completed",
            "ended_at": "2026-02-01T00:00:00Z",
            "rating": 5,
        }
    )
    service.delete_person(
        "mentees", service.create_person("mentees", {"mentee_id": "gone"})["mentee_id"]
    )
    service.recommend(profile={"skills_wanted": ["SQL"], "languages": ["English"]}, k=3)
    # Same number of mentees, new target skills: cached per-person sets must follow.
    service.replace_person(
        "mentees",
        mentee_id,
        {"goals": "negotiate better", "skills_wanted": ["negotiation"], "department": "deal DESK"},
        merge=True,
    )
    service.flush()
    live = service.snapshot.context
    fresh = _fresh(service, db_url)
    assert list(live.mentors.index) == list(fresh.mentors.index)
    assert list(live.mentees.index) == list(fresh.mentees.index)
    np.testing.assert_allclose(live.mentor_profile, fresh.mentor_profile)
    np.testing.assert_allclose(live.mentor_skills, fresh.mentor_skills)
    np.testing.assert_allclose(live.mentee_goals, fresh.mentee_goals)
    np.testing.assert_array_equal(np.isnan(live.mentor_tz), np.isnan(fresh.mentor_tz))
    pairs = _pairs(live)
    pairs.loc[0, ["mentee_id", "mentor_id"]] = [mentee_id, "fresh-mentor"]
    pairs.loc[1, ["mentee_id", "mentor_id"]] = [mentee_id, mentor_id]  # covers "negotiation"
    featurizer = service.snapshot.featurizer
    live_features = featurizer.transform(pairs, live)
    pd.testing.assert_frame_equal(live_features, featurizer.transform(pairs, fresh))
    assert live_features.loc[1, "skill_gap_covered"] == 1
    assert live_features.loc[1, "same_department"] == 1  # both edited: the caches followed
    # And the same rankings through the shared path.
    queries = pd.DataFrame(
        {"mentee_id": live.mentees.index[-20:], "as_of": pd.Timestamp.now(tz="UTC")}
    )
    snap = service.snapshot
    a = rank_requests(
        snap.scorer, featurizer, live, queries, 10, snap.retrieval, signals=snap.signals
    )
    b = rank_requests(snap.scorer, featurizer, fresh, queries, 10, snap.retrieval)
    pd.testing.assert_frame_equal(
        a[["mentee_id", "mentor_id", "rank"]], b[["mentee_id", "mentor_id", "rank"]]
    )


def test_patched_signals_equal_fresh_ones(service: RecommenderService) -> None:
    """Retrieval signals patched after mentor changes equal signals built from scratch."""
    snap0 = service.snapshot
    now = pd.Timestamp.now(tz="UTC")
    secs = int(snapshot_times(pd.Series([now]), snap0.retrieval.snapshot_days)[0])
    snap0.signals(snap0.context, secs)  # cached before the changes
    busy = snap0.context.pairings["mentor_id"].value_counts().index[0]
    service.replace_person("mentors", busy, {"skills": ["brand new skill"]}, merge=True)
    service.create_person("mentors", {"mentor_id": "patched", "skills": ["SQL", "Go"]})
    lonely = next(
        m for m in snap0.context.mentors.index if m not in set(snap0.context.pairings["mentor_id"])
    )
    service.delete_person("mentors", lonely)
    snap = service.snapshot
    assert not snap.history_stale  # mentor edits do not touch the history
    patched = snap.signals(snap.context, secs)
    fresh = SignalScorer(snap.context, secs, snap.retrieval.recent_days)
    positions = np.arange(len(snap.context.mentees))
    for name in ("embedding", "history_similarity", "skill_overlap"):
        np.testing.assert_allclose(
            getattr(patched, name)(positions), getattr(fresh, name)(positions), err_msg=name
        )
    for name in ("recent", "successes", "load", "has_centroid"):
        np.testing.assert_array_equal(getattr(patched, name), getattr(fresh, name), err_msg=name)


def test_changes_made_elsewhere_are_picked_up(service: RecommenderService, db_url: str) -> None:
    mentors = service.snapshot.context.mentors
    changed = mentors.iloc[[3]].reset_index(drop=True).copy()
    changed.at[0, "capacity"] = 9
    added = coerce_frame(MENTORS, [{"mentor_id": "imported", "skills": ["Go"]}])
    upsert_table(db_url, "mentors", pd.concat([changed, added], ignore_index=True))
    upsert_table(db_url, "mentees", coerce_frame(MENTEES, [{"mentee_id": "imported-mentee"}]))
    counts = service.sync_data()
    assert counts == {"mentors": 2, "mentees": 1}
    live = service.snapshot.context
    assert live.mentors.at[changed.at[0, "mentor_id"], "capacity"] == 9
    assert "imported" in live.mentors.index
    assert "imported-mentee" in live.mentees.index
    assert service.sync_data() == {}  # nothing new the second time
    # A row deleted in the database leaves the index too.
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM mentors WHERE mentor_id = 'imported'"))
    engine.dispose()
    assert service.sync_data() == {"mentors": 1}
    assert "imported" not in service.snapshot.context.mentors.index


def test_every_feature_is_explained_or_mentee_only() -> None:
    assert unexplained_features() == []
    named = [f for names in FAMILIES.values() for f in names] + list(MENTEE_ONLY)
    assert sorted(named) == sorted(FEATURES)  # each feature in exactly one place


def test_rules_contributions_sum_to_the_rules_score() -> None:
    rng = np.random.default_rng(3)
    features = pd.DataFrame(rng.normal(size=(50, len(FEATURES))) * 4, columns=list(FEATURES))
    features.iloc[::7, 3] = np.nan
    total = RulesScorer().contributions(features).sum(axis=1).to_numpy()
    np.testing.assert_allclose(total, RulesScorer().score(features))


def test_explanations_state_real_evidence() -> None:
    mentee = {
        "skills_wanted": ["SQL", "Python", "negotiation"],
        "languages": ["English", "Hindi"],
        "interests": ["chess"],
        "department": "Data",
        "mentoring_type": "peer",
    }
    mentor = {
        "skills": ["sql", "Go"],
        "languages": ["english"],
        "interests": ["Chess", "golf"],
        "department": "data",
    }
    features = {
        "timezone_diff_hours": 2.5,
        "sim_goals_profile": 0.4,
        "hist_load": 1,
        "mentor_capacity": 3,
        "seniority_gap": 2,
        "mentor_years_experience": 11.0,
    }
    contributions = {
        "skills": 0.5,
        "language": 0.2,
        "interests": 0.05,
        "department": 0.01,
        "timezone": -0.3,
        "track_record": -0.1,
        "availability": 0.0005,
    }
    track = {"labelled": 4, "success": 1, "rating_sum": 7.0, "rating_n": 2}
    explanation = explain_pair(contributions, features, mentee, mentor, track=track)
    texts = {r.code: r.text for r in explanation.reasons}
    assert texts["skills"] == "covers 1 of 3 target skills: SQL"
    assert texts["language"] == "speaks english with the mentee"
    assert texts["interests"] == "shares interests: Chess"
    assert texts["department"] == "same department: data"
    assert [r.code for r in explanation.reasons] == [
        "skills",
        "language",
        "interests",
        "department",
    ]
    cautions = {r.code: r.text for r in explanation.cautions}
    assert cautions["timezone"] == "2.5 h time-zone difference"
    assert cautions["track_record"] == (
        "weak track record: 1 of 4 past pairings successful, mean rating 3.5/5"
    )
    assert "availability" not in texts  # below the noise floor


@pytest.mark.parametrize("limit", [1, 2])
def test_explanations_respect_limits(limit: int) -> None:
    contributions = {name: 0.1 * (i + 1) for i, name in enumerate(FAMILIES)}
    explanation = explain_pair(contributions, {}, {}, {}, max_reasons=limit)
    assert len(explanation.reasons) == limit
    assert explanation.reasons[0].contribution == max(contributions.values())


def test_serving_threads_are_pinned(service: RecommenderService) -> None:
    from threadpoolctl import threadpool_info

    # BLAS pools are process-wide (OpenMP's count is per calling thread; LightGBM gets
    # num_threads=1 on every call instead).
    blas = [p for p in threadpool_info() if p["user_api"] == "blas"]
    assert blas
    assert all(p["num_threads"] == 1 for p in blas)
