"""The pair featurizer: point in time, missing data, state, one code path."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from recommender.data.contract import Programme
from recommender.features.pairs import FEATURES, FeatureVersionError, PairFeaturizer
from recommender.features.text import covered_skills

from factory import T0, build


def _programme(extra_pairings: list[dict] | None = None) -> Programme:
    mentors = [
        {
            "mentor_id": "m1",
            "profile": "Led data teams, loves SQL",
            "skills": ["SQL", "Python"],
            "languages": ["English", "German"],
            "seniority": 6,
            "capacity": 2,
            "timezone": "Europe/Berlin",
            "department": "data",
            "mentoring_types": ["traditional"],
        },
        {
            "mentor_id": "m2",
            "profile": "",
            "skills": [],
            "languages": ["French"],
            "timezone": "America/New_York",
            "capacity": 1,
        },
    ]
    mentees: list[dict[str, Any]] = [
        {
            "mentee_id": "e1",
            "goals": "get better at SQL and python",
            "skills_wanted": ["sql", "python", "negotiation"],
            "languages": ["English"],
            "seniority": 2,
            "timezone": "Europe/London",
            "department": "data",
            "mentoring_type": "traditional",
        },
        {"mentee_id": "e2", "goals": "learn sql", "skills_wanted": ["sql"]},
        {"mentee_id": "e3", "goals": "python please", "skills_wanted": ["python"]},
    ]
    pairings: list[dict[str, Any]] = [
        {
            "mentor_id": "m1",
            "mentee_id": "e2",
            "created_at": T0,
            "status": "completed",
            "rating": 5,
            "ended_at": T0 + pd.Timedelta(days=30),
        },
        *(extra_pairings or []),
    ]
    return build(mentors, mentees, pairings)


def _features(prog: Programme, encoder, pairs: pd.DataFrame) -> pd.DataFrame:
    fz = PairFeaturizer().fit(prog)
    return fz.transform(pairs, fz.prepare(prog, encoder))


def _pairs(rows: list[tuple[str, str, pd.Timestamp]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["mentee_id", "mentor_id", "as_of"])


def test_features_have_documented_stable_names(encoder) -> None:
    out = _features(_programme(), encoder, _pairs([("e1", "m1", T0 + pd.Timedelta(days=60))]))
    assert list(out.columns) == list(FEATURES)
    assert out.dtypes.unique().tolist() == [np.dtype("float32")]


def test_hand_checked_values(encoder) -> None:
    when = T0 + pd.Timedelta(days=60)
    f = _features(_programme(), encoder, _pairs([("e1", "m1", when), ("e1", "m2", when)]))
    m1, m2 = f.iloc[0], f.iloc[1]
    assert m1["skill_gap_covered"] == 2
    assert m1["skill_gap_coverage"] == pytest.approx(2 / 3)
    assert m1["shared_languages"] == 1
    assert m1["no_shared_language"] == 0
    assert m2["no_shared_language"] == 1
    assert m1["seniority_gap"] == 4
    assert m1["timezone_diff_hours"] == 1  # Berlin vs London in January
    assert m1["same_department"] == 1
    assert np.isnan(m2["same_department"])
    assert m1["mentoring_type_fit"] == 1
    assert m1["hist_pairings"] == 1
    assert m1["hist_ratings"] == 1
    assert m1["hist_load"] == 0
    assert m1["history_skill_coverage"] == pytest.approx(1 / 3)  # e2 wanted sql
    assert m2["hist_pairings"] == 0
    assert np.isnan(m2["sim_goals_history"])
    assert m2["sim_goals_profile"] == 0  # empty profile: no information, not NaN
    assert covered_skills(["sql", "python", "negotiation"], ["SQL", "Python"]) == ["sql", "python"]


def test_structured_fields_compare_normalised_and_unknowns_stay_nan(encoder) -> None:
    prog = build(
        [
            {
                "mentor_id": "a",
                "department": " Data ",
                "location": "Berlin",
                "mentoring_types": ["peer", "reverse"],
                "created_at": T0 - pd.Timedelta(days=10),
                "capacity": 2,
            },
            {"mentor_id": "b", "department": "Sales", "mentoring_types": []},
        ],
        [
            {
                "mentee_id": "x",
                "department": "data",
                "location": "BERLIN ",
                "mentoring_type": "traditional",
            },
            {"mentee_id": "y", "mentoring_type": "reverse"},
        ],
        [],
    )
    f = _features(prog, encoder, _pairs([(e, m, T0) for e in ("x", "y") for m in ("a", "b")]))
    xa, xb, ya, yb = (f.iloc[i] for i in range(4))
    assert xa["same_department"] == 1
    assert xa["same_location"] == 1
    assert xb["same_department"] == 0
    assert np.isnan(xb["same_location"])
    assert np.isnan(ya["same_department"])  # y's department unknown
    assert xa["mentoring_type_fit"] == 0
    assert ya["mentoring_type_fit"] == 1
    assert np.isnan(xb["mentoring_type_fit"])
    assert np.isnan(yb["mentoring_type_fit"])
    assert xa["mentoring_type_wanted"] == 0
    assert ya["mentoring_type_wanted"] == 2
    assert xa["mentor_tenure_days"] == 10
    assert np.isnan(xb["mentor_tenure_days"])
    assert xa["mentor_capacity"] == 2
    assert xa["hist_load_ratio"] == 0


def test_mentoring_types_outside_the_contract_compare_as_given(encoder) -> None:
    # Files and the API refuse such values; frames built in code may hold them.
    prog = build(
        [{"mentor_id": "a", "mentoring_types": ["coaching", "peer"]}],
        [{"mentee_id": "x", "mentoring_type": "coaching"},
         {"mentee_id": "y", "mentoring_type": "Coaching"}],
        [],
    )  # fmt: skip
    f = _features(prog, encoder, _pairs([("x", "a", T0), ("y", "a", T0)]))
    assert f["mentoring_type_fit"].tolist() == [1.0, 0.0]
    assert np.isnan(f["mentoring_type_wanted"]).all()


def test_one_pair_and_a_batch_give_the_same_features(encoder) -> None:
    # Small inputs take the dict lookup, large ones pandas' indexer: the features must agree.
    prog = _programme()
    fz = PairFeaturizer().fit(prog)
    context = fz.prepare(prog, encoder)
    rows = [(e, m, T0 + pd.Timedelta(days=d)) for e in ("e1", "e2", "e3") for m in ("m1", "m2")
            for d in (1, 40)]  # fmt: skip
    batch = _pairs(rows * 400)  # 4,800 rows: past the small-input path
    assert len(batch) > 4096
    each = pd.concat([fz.transform(_pairs([r]), context) for r in rows], ignore_index=True)
    pd.testing.assert_frame_equal(
        fz.transform(batch, context).iloc[: len(rows)].reset_index(drop=True), each
    )


def test_a_later_pairing_does_not_change_an_earlier_pairs_features(encoder) -> None:
    when = T0 + pd.Timedelta(days=60)
    pairs = _pairs([("e1", "m1", when), ("e1", "m2", when)])
    before = _features(_programme(), encoder, pairs)
    later = [
        {
            "mentor_id": "m1",
            "mentee_id": "e3",
            "created_at": when + pd.Timedelta(days=1),
            "status": "completed",
            "rating": 1,
        },
        {"mentor_id": "m2", "mentee_id": "e3", "created_at": when, "status": "active"},
    ]
    prog = _programme(later)
    # Same priors so only the history can differ.
    fz = PairFeaturizer().fit(_programme())
    after = fz.transform(pairs, fz.prepare(prog, encoder))
    pd.testing.assert_frame_equal(before, after)
    # ...while a query after it does see it.
    after_later = fz.transform(
        _pairs([("e1", "m1", when + pd.Timedelta(days=2))]), fz.prepare(prog, encoder)
    )
    assert after_later["hist_pairings"].iloc[0] == 2


def test_programme_without_optional_columns_still_works(encoder) -> None:
    prog = build(
        [{"mentor_id": "m1"}, {"mentor_id": "m2"}],
        [{"mentee_id": "e1"}],
        [{"mentor_id": "m1", "mentee_id": "e1", "created_at": T0}],
    )
    f = _features(prog, encoder, _pairs([("e1", "m2", T0 + pd.Timedelta(days=1))]))
    assert len(f) == 1
    assert np.isnan(f["skill_gap_coverage"].iloc[0])
    assert f["sim_goals_profile"].iloc[0] == 0


def test_mentor_with_empty_profile_is_described_by_history(encoder) -> None:
    prog = build(
        [{"mentor_id": "m1", "profile": ""}],
        [
            {"mentee_id": "e1", "goals": "become a people manager"},
            {"mentee_id": "e2", "goals": "become a people manager soon"},
        ],
        [{"mentor_id": "m1", "mentee_id": "e1", "created_at": T0, "status": "completed"}],
    )
    f = _features(prog, encoder, _pairs([("e2", "m1", T0 + pd.Timedelta(days=1))]))
    assert f["sim_goals_profile"].iloc[0] == 0
    assert f["sim_goals_history"].iloc[0] > 0.5


def test_state_round_trip_and_version_refusal(encoder) -> None:
    prog = _programme()
    fz = PairFeaturizer(prior_strength=3.0).fit(prog)
    again = PairFeaturizer.from_state(fz.get_state())
    pairs = _pairs([("e1", "m1", T0 + pd.Timedelta(days=60))])
    pd.testing.assert_frame_equal(
        fz.transform(pairs, fz.prepare(prog, encoder)),
        again.transform(pairs, again.prepare(prog, encoder)),
    )
    state = fz.get_state()
    state["feature_version"] = "0"
    with pytest.raises(FeatureVersionError, match="feature version"):
        PairFeaturizer.from_state(state)


def test_init_only_assigns_parameters() -> None:
    fz = PairFeaturizer(prior_strength=2.0)
    assert not any(name.endswith("_") for name in vars(fz))


def test_every_feature_is_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "features.md").read_text(encoding="utf-8")
    missing = [name for name in FEATURES if f"`{name}`" not in doc]
    assert not missing, f"docs/features.md lacks {missing}"
