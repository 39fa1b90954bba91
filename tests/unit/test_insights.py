"""The service's insights: sentiment model swaps, at-risk lists, cached KPIs and the
suggestions log, on the hand-worked programme."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from test_kpis import hand_programme

from recommender.data.contract import Programme
from recommender.features.embeddings import HashingEncoder
from recommender.feedback import FeedbackSentiment
from recommender.service.insights import ProgrammeInsights, suggestion_records
from recommender.store.db import make_engine, upgrade
from recommender.store.suggestions import SuggestionLog

AS_OF = pd.Timestamp("2024-06-30T23:00:00Z")


@pytest.fixture
def insights(tmp_path: Path) -> Iterator[ProgrammeInsights]:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    out = ProgrammeInsights(engine, log=SuggestionLog(engine))
    yield out
    out.close()
    engine.dispose()


def _indexed(programme: Programme) -> Programme:
    return Programme(
        programme.mentors.set_index("mentor_id", drop=False),
        programme.mentees.set_index("mentee_id", drop=False),
        programme.pairings,
    )


def test_suggestions_are_logged_with_groups_and_counted_in_the_kpis(
    insights: ProgrammeInsights,
) -> None:
    programme = _indexed(hand_programme()[0])
    records = suggestion_records(
        source="recommendation",
        pairs=[("E1", "M1", 1, 0.9), ("E1", "M2", 2, float("nan")), ("E4", "M4", 3, None)],
        mentors=programme.mentors,
        mentees=programme.mentees,
        at=datetime(2024, 1, 11, tzinfo=UTC),
        request_id="req-1",
        model_version="7",
    )
    assert [(r.mentee_group, r.mentor_group, r.score) for r in records] == [
        ("x", "a", 0.9),
        ("x", "b", None),
        (None, "b", None),
    ]
    before = insights.kpis(programme, AS_OF, generation=1)
    assert before["suggestions"]["suggested_pairs"] == 0
    insights.record(records)
    after = insights.kpis(programme, AS_OF, generation=1)  # the log grew: not the cached one
    groups = {r["group"]: r["suggested"] for r in after["suggestions"]["by_mentor_group"]}
    assert groups == {"a": 1, "b": 2}
    assert after["totals"]["matches"] == 4
    assert insights.kpis(programme, AS_OF, generation=1) is after  # cached


def test_at_risk_uses_the_lexicon_until_a_model_is_given(insights: ProgrammeInsights) -> None:
    programme = hand_programme()[0]
    p = programme.pairings.copy()
    p.loc[p["pairing_id"] == "P4", "feedback"] = "Awful, a complete waste of time."
    result = insights.at_risk(p, AS_OF)
    assert result.checkins_recorded
    assert result.sentiment_model.startswith("VADER")
    flagged = dict(zip(result.pairings["pairing_id"], result.pairings["reason_codes"], strict=True))
    # P4: negative feedback; P5: never checked in since March.
    assert flagged == {"P4": ["negative_feedback"], "P5": ["checkins_stopped"]}

    encoder = HashingEncoder(32)
    texts = ["great mentor"] * 30 + ["awful waste"] * 30
    learned = FeedbackSentiment(min_rated=10, min_per_class=5).fit(
        texts, [5.0] * 30 + [1.0] * 30, encoder
    )
    insights.use_model(learned, encoder)
    assert insights.sentiment_model.startswith("learned from 60")
    insights.use_model(learned, None)  # a learned model without its encoder: the lexicon
    assert insights.sentiment_model.startswith("VADER")
