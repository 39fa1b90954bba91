"""Programme KPIs against a small programme worked by hand, and at their limits."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest

from recommender.kpis import compute_kpis, gini, status_at
from recommender.kpis.charts import bar_chart, line_chart
from recommender.kpis.html import render_report
from recommender.kpis.report import parse_as_of

from factory import build

AS_OF = "2024-06-30T23:59:59Z"


def hand_programme() -> tuple[Any, pd.Series, pd.DataFrame]:
    """The programme, feedback scores and suggestions log worked through in the tests below.

    As of 2024-06-30: M3, E5 and P7 come later and do not count. P5 ended after the date, so
    it was still active and its rating is not known yet; P8 was declined after the date, so it
    was still proposed.
    """
    mentors = [
        {"mentor_id": "M1", "group": "a", "capacity": 2, "created_at": "2024-01-01"},
        {"mentor_id": "M2", "group": "b", "capacity": 1, "created_at": "2024-01-01"},
        {"mentor_id": "M3", "group": "a", "capacity": 1, "created_at": "2024-07-15"},
        {"mentor_id": "M4", "group": "b", "capacity": 1, "available": False},
    ]
    mentees = [
        {"mentee_id": "E1", "department": "Eng", "group": "x", "created_at": "2024-01-10"},
        {"mentee_id": "E2", "department": "Eng", "group": "y", "created_at": "2024-02-05"},
        {"mentee_id": "E3", "department": "Sales", "group": "x", "created_at": "2024-03-20"},
        {"mentee_id": "E4", "created_at": "2024-04-01"},
        {"mentee_id": "E5", "department": "Sales", "group": "y", "created_at": "2024-08-01"},
    ]

    def pairing(pid: str, mentor: str, mentee: str, created: str, status: str, **kw: Any) -> dict:
        return {
            "pairing_id": pid,
            "mentor_id": mentor,
            "mentee_id": mentee,
            "created_at": created,
            "status": status,
            **kw,
        }

    pairings = [
        pairing(
            "P1",
            "M1",
            "E1",
            "2024-01-12",
            "completed",
            ended_at="2024-05-12",
            rating=5,
            feedback="Really helpful, great mentor.",
        ),
        pairing("P2", "M2", "E1", "2024-01-12", "declined"),
        pairing(
            "P3",
            "M2",
            "E2",
            "2024-02-10",
            "ended_early",
            ended_at="2024-03-25",
            rating=1,
            feedback="Disappointing: we rarely met, a waste of time.",
        ),
        pairing(
            "P4",
            "M1",
            "E2",
            "2024-04-01",
            "active",
            last_checkin_at="2024-06-01",
            feedback="Good sessions so far.",
        ),
        pairing(
            "P5",
            "M1",
            "E3",
            "2024-03-22",
            "completed",
            ended_at="2024-07-20",
            rating=4,
            feedback="Excellent.",
        ),
        pairing("P6", "M4", "E3", "2024-03-21", "proposed"),
        pairing("P7", "M1", "E5", "2024-08-02", "active"),
        pairing("P8", "M2", "E4", "2024-06-15", "declined", ended_at="2024-07-05"),
    ]
    programme = build(mentors, mentees, pairings)
    by_id = {"P1": 0.8, "P3": -0.6, "P4": 0.2, "P5": 0.9}
    sentiment = pd.Series(
        [by_id.get(p, np.nan) for p in programme.pairings["pairing_id"]],
        index=programme.pairings.index,
    )

    def s(at: str, mentee: str, mentor: str, rank: int, mg: str, eg: str | None) -> dict:
        return {
            "suggested_at": pd.Timestamp(at, tz="UTC"),
            "source": "recommendation",
            "mentee_id": mentee,
            "mentor_id": mentor,
            "rank": rank,
            "score": 0.5,
            "mentor_group": mg,
            "mentee_group": eg,
        }

    log = pd.DataFrame(
        [
            s("2024-01-11", "E1", "M1", 1, "a", "x"),
            s("2024-01-11", "E1", "M2", 2, "b", "x"),
            s("2024-01-20", "E1", "M1", 1, "a", "x"),  # seen again: one suggestion, 2 views
            s("2024-02-06", "E2", "M2", 1, "b", "y"),
            s("2024-02-06", "E2", "M4", 2, "b", "y"),
            s("2024-06-10", "E4", "M1", 1, "a", None),
            s("2024-07-10", "E4", "M2", 1, "b", None),  # after the date
        ]
    )
    return programme, sentiment, log


@pytest.fixture(scope="module")
def kpis() -> dict[str, Any]:
    programme, sentiment, log = hand_programme()
    return compute_kpis(programme, as_of=AS_OF, sentiment=sentiment, suggestions=log).to_dict()


def test_totals_match_the_hand_worked_programme(kpis: dict[str, Any]) -> None:
    t = kpis["totals"]
    assert (t["mentors"], t["mentees"], t["pairings"]) == (3, 4, 7)
    # Matches: P1, P3, P4, P5. Running at the date: P4, P5 (P5 ended later).
    assert (t["matches"], t["running"], t["proposed"], t["declined"]) == (4, 2, 2, 1)
    assert (t["completed"], t["ended_early"], t["finished"]) == (1, 1, 2)
    assert t["completion_rate"] == 0.5
    assert t["early_closure_rate"] == 0.5
    assert t["decline_rate"] == 0.2  # 1 declined / (1 + 4 matches)
    # Ratings known by then: P1 (5) and P3 (1); P5's came after the date.
    assert (t["mean_rating"], t["n_ratings"]) == (3.0, 2)
    # Sentiment of P1, P3 and P4 (dated by its check-in); P5's is not known yet.
    assert t["n_feedback"] == 3
    assert t["mean_sentiment"] == pytest.approx(0.4 / 3, abs=1e-4)
    # E1, E2, E3 matched; E4 not: 2, 5 and 2 days after joining.
    assert (t["mentees_matched"], t["match_rate"]) == (3, 0.75)
    assert t["days_to_match"] == {"n": 3, "mean": 3.0, "median": 2.0, "p25": 2.0, "p75": 3.5}
    assert kpis["status_counts"] == {
        "proposed": 2,
        "accepted": 0,
        "declined": 1,
        "active": 2,
        "completed": 1,
        "ended_early": 1,
    }


def test_monthly_figures(kpis: dict[str, Any]) -> None:
    months = {r["month"]: r for r in kpis["monthly"]}
    assert list(months) == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"]
    assert [months[m]["proposals"] for m in months] == [2, 1, 2, 1, 0, 1]
    assert [months[m]["matches"] for m in months] == [1, 1, 1, 1, 0, 0]
    assert [months[m]["mentees_joined"] for m in months] == [1, 1, 1, 1, 0, 0]
    # P3 ended early in March, P1 completed in May.
    assert (months["2024-03"]["ended_early"], months["2024-03"]["completion_rate"]) == (1, 0.0)
    assert (months["2024-05"]["completed"], months["2024-05"]["completion_rate"]) == (1, 1.0)
    assert months["2024-04"]["completion_rate"] is None
    assert (months["2024-03"]["mean_rating"], months["2024-05"]["mean_rating"]) == (1.0, 5.0)
    assert months["2024-06"]["mean_sentiment"] == 0.2
    assert months["2024-06"]["n_ratings"] == 0


def test_time_to_match_histogram(kpis: dict[str, Any]) -> None:
    bins = {(b["from_days"], b["to_days"]): b["n"] for b in kpis["time_to_match"]["histogram"]}
    assert bins[(1.0, 3)] == 2
    assert bins[(3.0, 7)] == 1
    assert sum(bins.values()) == 3


def test_segments_by_department_cohort_and_group(kpis: dict[str, Any]) -> None:
    dept = {r["segment"]: r for r in kpis["segments"]["department"]}
    assert list(dept) == ["Eng", "Sales", "(none)"]
    eng = dept["Eng"]
    assert (eng["mentees"], eng["mentees_matched"], eng["pairings"], eng["matches"]) == (2, 2, 4, 3)
    assert (eng["completion_rate"], eng["mean_rating"]) == (0.5, 3.0)
    assert eng["monthly_matches"] == {"2024-01": 1, "2024-02": 1, "2024-04": 1}
    assert (dept["Sales"]["matches"], dept["Sales"]["completion_rate"]) == (1, None)
    assert (dept["(none)"]["match_rate"], dept["(none)"]["proposed"]) == (0.0, 1)
    cohort = {r["segment"]: r for r in kpis["segments"]["cohort"]}
    assert (cohort["2024-Q1"]["mentees"], cohort["2024-Q1"]["mentees_matched"]) == (3, 3)
    assert (cohort["2024-Q2"]["mentees"], cohort["2024-Q2"]["match_rate"]) == (1, 0.0)
    group = {r["segment"]: r for r in kpis["segments"]["group"]}
    assert {g: group[g]["mentees"] for g in group} == {"x": 2, "y": 1, "(none)": 1}
    assert group["x"]["days_to_match"]["median"] == 2.0


def test_mentor_load(kpis: dict[str, Any]) -> None:
    load = kpis["mentor_load"]
    # M1 runs P4 and P5 (full); M2 holds P8 and M4 holds P6 as pending proposals.
    assert (load["mentors"], load["available"], load["capacity"]) == (3, 2, 4)
    assert (load["running_pairings"], load["pending_proposals"], load["free_places"]) == (2, 2, 0)
    assert load["at_or_over_capacity"] == 1
    assert load["histogram"] == [
        {"load": 0, "mentors": 2},
        {"load": 1, "mentors": 0},
        {"load": 2, "mentors": 1},
    ]
    buckets = {u["bucket"]: u["mentors"] for u in load["utilisation"]}
    assert (buckets["idle (0%)"], buckets["full (100%)"]) == (2, 1)
    # Matches per mentor: M1 3, M2 1, M4 0.
    per = load["matches_per_mentor"]
    assert (per["max"], per["median"], per["mentors_never_matched"]) == (3, 1.0, 1)
    assert per["mean"] == pytest.approx(4 / 3, abs=1e-4)
    assert per["gini"] == 0.5


def test_suggestions_by_group_and_how_they_turned_out(kpis: dict[str, Any]) -> None:
    s = kpis["suggestions"]
    assert (s["suggested_pairs"], s["impressions"]) == (5, 6)
    a, b = s["by_mentor_group"]
    # a: E1-M1 (paired as P1, completed, rated 5) and E4-M1 (nothing yet).
    assert (a["group"], a["suggested"], a["impressions"], a["share"]) == ("a", 2, 3, 0.4)
    assert (a["led_to_pairing"], a["completed"], a["completion_rate"], a["mean_rating"]) == (
        1,
        1,
        1.0,
        5.0,
    )
    assert (a["pool_mentors"], a["exposure_ratio"]) == (1, 1.2)
    # b: E1-M2 (P2 declined), E2-M2 (P3 ended early, rated 1), E2-M4 (nothing).
    assert (b["suggested"], b["led_to_pairing"], b["declined"], b["ended_early"]) == (3, 2, 1, 1)
    assert (b["uptake_rate"], b["completion_rate"], b["mean_rating"]) == (0.6667, 0.0, 1.0)
    assert (b["pool_mentors"], b["exposure_ratio"]) == (2, 0.9)
    mentee = {r["group"]: r["led_to_pairing"] for r in s["by_mentee_group"]}
    assert mentee == {"x": 2, "y": 1, "(none)": 0}


def test_json_form_is_plain_json(kpis: dict[str, Any]) -> None:
    assert json.loads(json.dumps(kpis)) == kpis


def test_an_earlier_date_sees_only_what_was_known_then() -> None:
    programme, sentiment, log = hand_programme()
    k = compute_kpis(programme, as_of="2024-03-01", sentiment=sentiment, suggestions=log)
    t = k.totals
    # P1 (completed in May) was still active; P3 (ended early on 25 March) too.
    assert (t["mentees"], t["pairings"], t["running"], t["finished"]) == (2, 3, 2, 0)
    assert t["mean_rating"] is None
    assert t["n_feedback"] == 0
    assert k.suggestions is not None
    assert k.suggestions["suggested_pairs"] == 4


def test_status_at_reconstructs_earlier_statuses() -> None:
    programme, _, _ = hand_programme()
    got = status_at(programme.pairings, pd.Timestamp("2024-05-01", tz="UTC"))
    by_id = dict(zip(programme.pairings["pairing_id"], got, strict=True))
    assert by_id["P1"] == "active"
    assert by_id["P3"] == "ended_early"
    assert by_id["P8"] == "proposed"


def test_no_pairings_no_feedback_and_no_suggestions_give_empty_figures() -> None:
    programme = build([{"mentor_id": "M1"}], [{"mentee_id": "E1", "created_at": "2024-01-01"}], [])
    k = compute_kpis(programme, as_of=AS_OF, suggestions=None)
    t = k.totals
    assert (t["pairings"], t["matches"], t["match_rate"]) == (0, 0, 0.0)
    assert t["completion_rate"] is None
    assert t["mean_rating"] is None
    assert t["mean_sentiment"] is None
    assert t["days_to_match"]["median"] is None
    assert k.suggestions is None
    assert [r["month"] for r in k.monthly] == ["2024-01"]
    html = render_report(k)
    assert "no data" in html
    assert "No suggestions log" in html
    empty_log = pd.DataFrame(columns=["suggested_at", "mentee_id", "mentor_id"])
    k2 = compute_kpis(programme, as_of=AS_OF, suggestions=empty_log)
    assert k2.suggestions is not None
    assert k2.suggestions["suggested_pairs"] == 0


def test_no_people_at_all() -> None:
    k = compute_kpis(build([], [], []), as_of=AS_OF)
    assert k.totals["mentees"] == 0
    assert k.totals["match_rate"] is None
    assert k.monthly == []
    assert k.mentor_load["histogram"] == []
    assert k.mentor_load["mean_load"] is None
    assert "<svg" in render_report(k)


def test_dates_out_of_order_are_counted_not_fatal() -> None:
    programme = build(
        [{"mentor_id": "M1"}],
        [{"mentee_id": "E1", "created_at": "2024-03-01"}],
        [
            # Matched before joining, ended before it started, checked in before it started.
            {
                "mentor_id": "M1",
                "mentee_id": "E1",
                "created_at": "2024-02-01",
                "status": "completed",
                "ended_at": "2024-01-15",
                "rating": 4,
                "last_checkin_at": "2024-01-20",
            },
        ],
    )
    k = compute_kpis(programme, as_of=AS_OF)
    codes = {n["code"]: n["count"] for n in k.data_notes}
    assert codes == {
        "ended_at_before_created_at": 1,
        "last_checkin_at_before_created_at": 1,
        "matched_before_joining": 1,
    }
    assert k.totals["days_to_match"]["n"] == 0
    assert k.totals["mentees_matched"] == 1
    assert k.totals["completed"] == 1
    assert k.totals["mean_rating"] == 4.0


def test_gini_limits() -> None:
    assert gini([]) is None
    assert gini([0, 0]) is None
    assert gini([3, 3, 3]) == 0.0
    assert gini([0, 0, 0, 10]) == 0.75


def test_report_html_is_self_contained_and_escapes_user_text(kpis: dict[str, Any]) -> None:
    programme, sentiment, log = hand_programme()
    programme.mentees.loc[0, "department"] = "<script>alert(1)</script>"
    k = compute_kpis(programme, as_of=AS_OF, sentiment=sentiment, suggestions=log)
    html = render_report(k, source="<b>dir</b>")
    assert html.startswith("<!DOCTYPE html>")
    assert html.count("<svg") >= 9
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;dir&lt;/b&gt;" in html
    # No external assets: no src= at all, and the only URL is the SVG namespace.
    assert " src=" not in html
    assert "<link" not in html
    urls = set(re.findall(r"https?://[^\s\"')]+", html))
    assert urls == {"http://www.w3.org/2000/svg"}
    # Figures from the KPIs appear in the page.
    assert "75.0%" in html
    assert "Matches per month" in html
    assert "exposure ratio" in html


def test_charts_handle_missing_values_and_empty_series() -> None:
    svg = line_chart("t", ["a", "b", "c"], [("s", [1.0, None, 2.0])])
    assert svg.count("<circle") == 2
    assert "<polyline" not in svg
    assert "no data" in bar_chart("t", [], [("s", [])])
    assert "no data" in line_chart("t", ["a"], [("s", [None])])
    assert bar_chart("x<y", ["<a>"], [("s", [1.0])]).count("&lt;a&gt;") >= 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-06-30", "2024-06-30T23:59:59.999999+00:00"),
        ("2024-06-30T12:00:00", "2024-06-30T12:00:00+00:00"),
        ("2024-06-30T12:00:00+02:00", "2024-06-30T10:00:00+00:00"),
    ],
)
def test_as_of_parsing(value: str, expected: str) -> None:
    assert parse_as_of(value).isoformat() == expected


@pytest.mark.parametrize("value", ["30/06/2024", "yesterday", ""])
def test_as_of_rejects_ambiguous_or_unreadable_dates(value: str) -> None:
    with pytest.raises(ValueError, match="as-of"):
        parse_as_of(value)


def test_people_indexed_by_id_give_the_same_figures(kpis: dict[str, Any]) -> None:
    from recommender.data.contract import Programme

    programme, sentiment, log = hand_programme()
    indexed = Programme(
        programme.mentors.set_index("mentor_id", drop=False),
        programme.mentees.set_index("mentee_id", drop=False),
        programme.pairings.set_index("pairing_id", drop=False),
    )
    scores = sentiment.set_axis(programme.pairings["pairing_id"])
    again = compute_kpis(indexed, as_of=AS_OF, sentiment=scores, suggestions=log).to_dict()
    assert again == kpis
