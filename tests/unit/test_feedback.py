"""Feedback text cleaning, the sentiment models and the at-risk rule."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from recommender.features.embeddings import HashingEncoder, TextEncoder
from recommender.feedback import (
    CHECKINS_STOPPED,
    NEGATIVE_FEEDBACK,
    FeedbackSentiment,
    RiskRule,
    SentimentModelError,
    clean_feedback,
    fit_on_pairings,
    has_content,
    pairings_at_risk,
)

from factory import build

GOOD = [
    "Really helpful, practical advice every session.",
    "Great listener and a wonderful mentor.",
    "Helped me far more than I expected, highly recommended.",
    "Excellent sessions, clear and honest feedback.",
]
BAD = [
    "Sessions were cancelled again and again, a waste of time.",
    "We never clicked; useless and frustrating.",
    "Terrible fit, the mentor was rude and never prepared.",
    "Disappointing, nothing applied to my role.",
]
#: The inputs every layer must survive: empty, blank, markup only, very long, HTML, other
#: languages, emoji, mixed language.
AWKWARD = [
    "",
    "   \n\t ",
    "<p></p>",
    "!!! ...",
    "great " * 20_000,
    "<div><b>Great</b> mentor &amp; <script>alert('x')</script>friend</div>",
    "Sehr hilfreich, vielen Dank für die Zeit!",
    "非常有帮助的导师",
    "👍👍🎉",
    "Muy útil, great sessions 😊 mais trop courtes",
    None,
    float("nan"),
]


def training_set(n: int = 80, seed: int = 0) -> tuple[list[str], list[float]]:
    rng = np.random.default_rng(seed)
    texts, ratings = [], []
    for i in range(n):
        good = i % 2 == 0
        pool = GOOD if good else BAD
        texts.append(f"{pool[rng.integers(len(pool))]} Session {i}.")
        ratings.append(float(rng.choice([4, 5])) if good else float(rng.choice([1, 2])))
    return texts, ratings


# -- text ----------------------------------------------------------------------------------


def test_clean_feedback_removes_markup_and_noise() -> None:
    assert clean_feedback(None) == ""
    assert clean_feedback(float("nan")) == ""
    assert clean_feedback(pd.NA) == ""
    assert clean_feedback("<p>Great&nbsp;<b>mentor</b></p><!-- x -->") == "Great mentor"
    assert clean_feedback("<script>evil()</script>ok<style>p{}</style>") == "ok"
    assert clean_feedback("a\u200bb\x00c \u00a0 d") == "abc d"
    assert clean_feedback("I scored 3 < 4 & 5 > 2") == "I scored 3 < 4 & 5 > 2"
    assert clean_feedback(42) == "42"


def test_clean_feedback_bounds_length_keeping_both_ends() -> None:
    text = "start " + "middle " * 10_000 + "end"
    cleaned = clean_feedback(text, max_chars=100)
    assert len(cleaned) <= 103
    assert cleaned.startswith("start")
    assert cleaned.endswith("end")
    assert clean_feedback(text, max_chars=0).endswith("end")  # 0: no bound


def test_has_content() -> None:
    assert not has_content("")
    assert not has_content("  ... !!! ")
    assert has_content("ok")
    assert has_content("3")
    assert has_content("👍")
    assert has_content("非常好")


# -- sentiment -----------------------------------------------------------------------------


def test_too_few_rated_feedbacks_use_the_lexicon() -> None:
    texts, ratings = training_set(30)
    model = FeedbackSentiment(min_rated=50).fit(texts, ratings, HashingEncoder())
    assert model.kind_ == "lexicon"
    assert model.n_rated_ == 30
    # Enough in all, but too few low ratings.
    lopsided = FeedbackSentiment(min_rated=10, min_per_class=20).fit(
        texts, [5.0] * 25 + [1.0] * 5, HashingEncoder()
    )
    assert lopsided.kind_ == "lexicon"
    assert lopsided.n_low_ == 5
    # No encoder: the lexicon, however much is rated.
    assert FeedbackSentiment(min_rated=10).fit(texts, ratings).kind_ == "lexicon"
    scores = model.transform(["Great, really helpful!", "Awful and useless.", ""])
    assert scores[0] > 0.3
    assert scores[1] < -0.3
    assert np.isnan(scores[2])


def test_middle_ratings_missing_ratings_and_empty_texts_are_not_learned_from() -> None:
    texts, rated = training_set(40)
    texts += ["Fine I guess."] * 10 + ["Great!"] * 5 + [""] * 5
    ratings: list[float | None] = [*rated, *[3.0] * 10, *[None] * 5, *[5.0] * 5]
    model = FeedbackSentiment(min_rated=10, min_per_class=5).fit(texts, ratings, HashingEncoder())
    assert (model.n_rated_, model.n_low_, model.n_high_) == (40, 20, 20)


def test_learned_model_separates_held_out_feedback() -> None:
    encoder = HashingEncoder(256)
    texts, ratings = training_set(120, seed=1)
    model = FeedbackSentiment(min_rated=50, min_per_class=10).fit(texts, ratings, encoder)
    assert model.kind_ == "learned"
    assert model.encoder_id_ == encoder.model_id
    held_texts, held_ratings = training_set(60, seed=2)
    scores = model.transform(held_texts, encoder)
    assert ((scores >= -1) & (scores <= 1)).all()
    assert roc_auc_score(np.array(held_ratings) >= 4, scores) > 0.9


def test_learned_scores_equal_scikit_learns_calibrated_probabilities() -> None:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    encoder = HashingEncoder(128)
    texts, ratings = training_set(100, seed=3)
    model = FeedbackSentiment(min_rated=10, min_per_class=5, folds=4, seed=9).fit(
        texts, ratings, encoder
    )
    x = encoder.encode_documents([clean_feedback(t) for t in texts]).astype(np.float64)
    y = (np.array(ratings) >= 4).astype(int)
    reference = CalibratedClassifierCV(
        LogisticRegression(C=1.0, max_iter=2000),
        method="sigmoid",
        cv=StratifiedKFold(n_splits=4, shuffle=True, random_state=9),
    ).fit(x, y)
    expected = 2.0 * reference.predict_proba(x)[:, 1] - 1.0
    np.testing.assert_allclose(model.transform(texts, encoder), expected, atol=1e-9)


def test_state_round_trips_through_json() -> None:
    encoder = HashingEncoder(64)
    texts, ratings = training_set(60)
    for model in (
        FeedbackSentiment(min_rated=10, min_per_class=5).fit(texts, ratings, encoder),
        FeedbackSentiment.lexicon(),
    ):
        again = FeedbackSentiment.from_state(json.loads(model.to_json()))
        assert again.get_state() == model.get_state()
        np.testing.assert_array_equal(
            again.transform(texts[:10], encoder), model.transform(texts[:10], encoder)
        )


def test_learned_model_refuses_another_encoder_or_none() -> None:
    texts, ratings = training_set(60)
    model = FeedbackSentiment(min_rated=10, min_per_class=5).fit(texts, ratings, HashingEncoder(64))
    with pytest.raises(SentimentModelError, match="hashing-ngram12-d64"):
        model.transform(["ok"], HashingEncoder(32))
    with pytest.raises(SentimentModelError, match="pass the encoder"):
        model.transform(["ok"])


@pytest.mark.parametrize(
    "state",
    [
        None,
        {"format": "something-else"},
        {"format": "feedback-sentiment/1"},
        {"format": "feedback-sentiment/1", "params": {}, "learned": {"kind": "magic"}},
    ],
)
def test_corrupt_states_are_refused_with_a_reason(state: object) -> None:
    with pytest.raises(SentimentModelError):
        FeedbackSentiment.from_state(state)  # type: ignore[arg-type]


def test_learned_state_with_non_finite_weights_is_refused() -> None:
    texts, ratings = training_set(60)
    state = (
        FeedbackSentiment(min_rated=10, min_per_class=5)
        .fit(texts, ratings, HashingEncoder(64))
        .get_state()
    )
    state["learned"]["folds"][0]["coef"][0] = float("nan")
    with pytest.raises(SentimentModelError, match="finite"):
        FeedbackSentiment.from_state(state)


@pytest.mark.parametrize("kind", ["learned", "lexicon"])
def test_awkward_feedback_gets_a_defined_score(kind: str) -> None:
    encoder = HashingEncoder(64)
    texts, ratings = training_set(60)
    model = (
        FeedbackSentiment(min_rated=10, min_per_class=5).fit(texts, ratings, encoder)
        if kind == "learned"
        else FeedbackSentiment.lexicon()
    )
    scores = model.transform(AWKWARD, encoder)
    assert scores.shape == (len(AWKWARD),)
    no_content = [0, 1, 2, 3, 10, 11]
    assert np.isnan(scores[no_content]).all()
    rest = np.delete(scores, no_content)
    assert np.isfinite(rest).all()
    assert (np.abs(rest) <= 1).all()


def test_invalid_settings_and_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="below"):
        FeedbackSentiment(low_rating=4, high_rating=4).fit([], [])
    with pytest.raises(ValueError, match="2 texts but 1 ratings"):
        FeedbackSentiment().fit(["a", "b"], [1])


def test_fit_on_pairings_is_point_in_time() -> None:
    texts, ratings = training_set(40)
    pairings = pd.DataFrame(
        {
            "feedback": texts,
            "rating": ratings,
            "created_at": pd.Timestamp("2024-01-01", tz="UTC"),
            "ended_at": [pd.Timestamp("2024-03-01", tz="UTC")] * 20
            + [pd.Timestamp("2024-09-01", tz="UTC")] * 20,
        }
    )
    params = FeedbackSentiment(min_rated=5, min_per_class=2)
    model = fit_on_pairings(
        pairings, HashingEncoder(), as_of=pd.Timestamp("2024-06-01", tz="UTC"), model=params
    )
    assert model.n_rated_ == 20
    assert fit_on_pairings(pairings.iloc[:0], HashingEncoder()).kind_ == "lexicon"
    assert fit_on_pairings(pairings[["created_at"]], None).kind_ == "lexicon"


# -- at risk -------------------------------------------------------------------------------

NOW = pd.Timestamp("2024-06-30", tz="UTC")


def risk_programme() -> pd.DataFrame:
    def p(pid: str, status: str, created: str, **kw: object) -> dict[str, object]:
        return {
            "pairing_id": pid,
            "mentor_id": "M",
            "mentee_id": pid.replace("P", "E"),
            "status": status,
            "created_at": created,
            **kw,
        }

    rows = [
        p("P1", "active", "2024-05-01", last_checkin_at="2024-06-20", feedback="Great!"),
        p("P2", "active", "2024-05-01", last_checkin_at="2024-06-20", feedback="Awful."),
        p("P3", "active", "2024-03-01", last_checkin_at="2024-04-01"),
        p("P4", "accepted", "2024-03-01"),  # never checked in, four months ago
        p("P5", "active", "2024-03-01", last_checkin_at="2024-04-01", feedback="Awful."),
        p("P6", "completed", "2024-01-01", ended_at="2024-05-01", feedback="Awful."),
        p("P7", "completed", "2024-01-01", ended_at="2024-08-01", last_checkin_at="2024-03-01"),
        p("P8", "active", "2024-06-10"),  # new: too early to miss a check-in
        p("P9", "declined", "2024-01-01", feedback="Awful."),
        p("P10", "active", "2024-01-01", last_checkin_at="2024-07-15"),  # later check-in
    ]
    mentors = [{"mentor_id": "M"}]
    mentees = [{"mentee_id": r["mentee_id"]} for r in rows]
    return build(mentors, mentees, rows).pairings


def _scores(pairings: pd.DataFrame) -> pd.Series:
    return pd.Series(
        [-0.8 if f == "Awful." else (0.7 if f else np.nan) for f in pairings["feedback"]],
        index=pairings.index,
    )


def test_at_risk_rule_flags_negative_feedback_and_silence_with_reasons() -> None:
    pairings = risk_programme()
    risky = pairings_at_risk(pairings, _scores(pairings), NOW)
    got = dict(zip(risky["pairing_id"], risky["reason_codes"], strict=True))
    assert got == {
        "P5": [NEGATIVE_FEEDBACK, CHECKINS_STOPPED],  # both: listed first
        "P2": [NEGATIVE_FEEDBACK],
        "P4": [CHECKINS_STOPPED],
        "P3": [CHECKINS_STOPPED],
        "P7": [CHECKINS_STOPPED],  # completed later: still running at the date
    }
    assert list(risky["pairing_id"])[:2] == ["P5", "P2"]
    reasons = dict(zip(risky["pairing_id"], risky["reasons"], strict=True))
    assert reasons["P2"] == ['latest feedback is negative (sentiment -0.80): "Awful."']
    assert reasons["P4"] == ["no check-in in the 121 days since it started"]
    assert reasons["P3"] == ["no check-in for 90 days (last on 2024-04-01)"]


def test_at_risk_settings_change_the_verdict() -> None:
    pairings = risk_programme()
    strict = pairings_at_risk(
        pairings, _scores(pairings), NOW, RiskRule(negative_at=-0.9, checkin_gap_days=200)
    )
    assert strict.empty
    with pytest.raises(ValueError, match="negative_at"):
        RiskRule(negative_at=-2)
    with pytest.raises(ValueError, match="checkin_gap_days"):
        RiskRule(checkin_gap_days=0)


def test_programmes_without_checkins_are_judged_on_feedback_only() -> None:
    pairings = risk_programme()
    pairings["last_checkin_at"] = pd.Series(
        pd.NaT, index=pairings.index, dtype="datetime64[ns, UTC]"
    )
    risky = pairings_at_risk(pairings, _scores(pairings), NOW)
    assert set(risky["pairing_id"]) == {"P2", "P5"}
    assert pairings_at_risk(pairings, None, NOW).empty


def test_at_risk_as_of_an_earlier_date_and_on_empty_input() -> None:
    pairings = risk_programme()
    early = pairings_at_risk(pairings, None, pd.Timestamp("2024-04-15"))
    # P1, P2 and P8 did not exist yet; P6 ran until May with no check-in since January.
    assert set(early["pairing_id"]) == {"P4", "P6", "P7"}
    empty = pairings_at_risk(pairings.iloc[:0], None, NOW)
    assert empty.empty
    assert {"reasons", "reason_codes"} <= set(empty.columns)


def test_long_feedback_is_quoted_briefly() -> None:
    pairings = risk_programme()
    pairings.loc[pairings["pairing_id"] == "P2", "feedback"] = "<p>Awful</p> " + "x" * 500
    scores = pd.Series(-0.9, index=pairings.index)
    risky = pairings_at_risk(pairings, scores, NOW)
    reason = risky.loc[risky["pairing_id"] == "P2", "reasons"].iloc[0][0]
    assert "<p>" not in reason
    assert len(reason) < 200
    assert reason.endswith('…"')


# -- the label option ----------------------------------------------------------------------


def label_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "status": [
                "completed",
                "completed",
                "completed",
                "completed",
                "active",
                "ended_early",
                "declined",
                "proposed",
            ],
            "rating": [np.nan, np.nan, 2.0, np.nan, np.nan, np.nan, np.nan, np.nan],
            "sentiment": [0.6, 0.3, 0.9, np.nan, 0.9, 0.9, 0.9, 0.9],
        }
    )


def test_label_option_grades_unrated_finished_pairings_by_sentiment() -> None:
    from recommender.data.labels import LabelPolicy

    frame = label_frame()
    off = LabelPolicy().labels(frame)
    on = LabelPolicy(use_feedback_sentiment=True).labels(frame)
    np.testing.assert_array_equal(off.to_numpy(), [2, 2, 2, 2, 1, 0, 0, np.nan])
    # 0.6 reads as a rating of 4.2 (top grade), 0.3 as 3.6; a given rating wins; an unfinished
    # or unscored pairing keeps its status label.
    np.testing.assert_array_equal(on.to_numpy(), [3, 2, 2, 2, 1, 0, 0, np.nan])
    ratings = LabelPolicy(use_feedback_sentiment=True).ratings(frame)
    np.testing.assert_allclose(ratings.to_numpy()[:3], [4.2, 3.6, 2.0])
    assert np.isnan(ratings.iloc[4])  # active: not finished
    # Without a sentiment column the option changes nothing.
    np.testing.assert_array_equal(
        LabelPolicy(use_feedback_sentiment=True).labels(frame.drop(columns="sentiment")), off
    )
    policy = LabelPolicy(use_feedback_sentiment=True)
    assert LabelPolicy.model_validate_json(policy.model_dump_json()) == policy


def test_training_uses_sentiment_targets_only_when_the_option_is_on(
    synthetic_programme: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from recommender.data.contract import Programme
    from recommender.data.labels import LabelPolicy
    from recommender.train import ranker as ranker_module
    from recommender.train.ranker import RankerConfig, train_ranker

    assert isinstance(synthetic_programme, Programme)
    p = synthetic_programme.pairings.copy()
    done = p["status"] == "completed"
    p.loc[done, "rating"] = np.nan
    p.loc[done, "feedback"] = "Really helpful and great advice, thank you!"
    programme = Programme(synthetic_programme.mentors, synthetic_programme.mentees, p)
    seen: list[pd.Series] = []
    real = ranker_module.build_requests

    def spy(pairings: pd.DataFrame, policy: LabelPolicy, gap: float = 60) -> object:
        seen.append(policy.labels(pairings)[pairings["status"] == "completed"])
        return real(pairings, policy, gap)

    monkeypatch.setattr(ranker_module, "build_requests", spy)
    for on in (False, True):
        cfg = RankerConfig(
            n_estimators=5,
            n_hard_negatives=5,
            n_random_negatives=2,
            label_policy=LabelPolicy(use_feedback_sentiment=on),
        )
        ranker, _ = train_ranker(programme, HashingEncoder(), cfg)
        assert ranker.metadata["params"]["label_policy.use_feedback_sentiment"] is on
    assert set(seen[0]) == {2.0}
    assert set(seen[1]) == {3.0}


def test_sentiment_cache_scores_each_text_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from recommender.feedback import SentimentCache

    calls: list[int] = []
    model = FeedbackSentiment.lexicon()
    real = model.transform

    def counting(texts: list[str], encoder: TextEncoder | None = None) -> np.ndarray:
        calls.append(len(texts))
        return real(texts, encoder)

    monkeypatch.setattr(model, "transform", counting)
    cache = SentimentCache(model, max_texts=3)
    frame = pd.DataFrame({"feedback": ["Great!", "Awful.", "Great!", None, ""]})
    first = cache.score_pairings(frame)
    again = cache.score_pairings(frame)
    pd.testing.assert_series_equal(first, again)
    assert calls == [3]  # "Great!", "Awful." and "" once each; None reads as ""
    assert first.iloc[0] > 0 > first.iloc[1]
    assert np.isnan(first.iloc[3:]).all()
    cache.score_pairings(pd.DataFrame({"feedback": ["New one."]}))  # over the bound: starts over
    assert calls == [3, 1]
    assert cache.score_pairings(pd.DataFrame({"x": [1]})).isna().all()
