"""Programme KPIs, point in time: pure functions of a programme, its feedback scores and the
suggestions log (no HTTP, no HTML; ``recommender report`` and ``GET /v1/programme/kpis`` sit on
top).

Everything is computed **as of** a time ``T``, from what was known then:

- people who joined by ``T`` (people without ``created_at`` always count), pairings created by
  ``T`` and suggestions made by ``T``;
- a pairing's **status at T**: a ``completed`` or ``ended_early`` pairing whose ``ended_at`` is
  after ``T`` was still ``active`` then; a ``declined`` one with a later ``ended_at`` was still
  ``proposed``; other statuses are taken as they are (the contract records no earlier ones);
- a rating or feedback counts from its date: ``ended_at`` for a pairing that has one, else its
  ``last_checkin_at``, else its ``created_at``; a pairing still running at ``T`` whose end came
  later has neither yet.

A **match** is a pairing that was formed (status at ``T`` accepted, active, completed or
ended_early), counted in the month it was created. The **completion rate** is completed /
(completed + ended_early) among pairings finished by ``T``, by the month they ended; the
**early-closure rate** is its complement. **Time to match** is the days from a mentee joining to
their first match. Segments: a pairing belongs to its mentee's **cohort** (the quarter they
joined), **department** and **group**. Mentor **load** is the number of pairings running at ``T``.
A **suggestion** is a (mentee, mentor) pair the service suggested (first time counts); it
**led to a pairing** when that pair has a pairing created from the suggestion's time up to
``suggestion_window_days`` later (and by ``T``).

Bad input has a defined result: missing dates, dates out of order (counted in ``data_notes``),
no pairings, no feedback, no suggestions log; rates and means are ``None`` when nothing
is there to divide.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from recommender.data.contract import Programme
from recommender.kpis._common import (
    FINISHED_STATUSES,
    MATCH_STATUSES,
    NO_VALUE,
)
from recommender.kpis._common import label as _label
from recommender.kpis._common import mean_and_n as _mean
from recommender.kpis._common import num as _num
from recommender.kpis._common import rate as _rate
from recommender.kpis._common import to_utc as _utc
from recommender.kpis.suggestions import suggestion_outcomes

__all__ = [
    "MATCH_STATUSES",
    "NO_VALUE",
    "SEGMENT_DIMENSIONS",
    "KpiSettings",
    "ProgrammeKpis",
    "compute_kpis",
    "gini",
    "status_at",
]

#: Segment dimensions, in report order.
SEGMENT_DIMENSIONS = ("cohort", "department", "group")
#: Upper edges (days) of the time-to-match histogram's bins; the last bin is open.
TIME_TO_MATCH_BINS = (1, 3, 7, 14, 30, 60, 90, 180, 365)


@dataclass(frozen=True)
class KpiSettings:
    """Settings of the KPI definitions."""

    #: A pairing created within this many days after a suggestion is that suggestion's outcome.
    suggestion_window_days: float = 90.0


@dataclass
class ProgrammeKpis:
    """The KPIs of one programme as of one time; :meth:`to_dict` is the JSON form."""

    as_of: datetime
    totals: dict[str, Any]
    status_counts: dict[str, int]
    monthly: list[dict[str, Any]]
    time_to_match: dict[str, Any]
    segments: dict[str, list[dict[str, Any]]]
    mentor_load: dict[str, Any]
    suggestions: dict[str, Any] | None
    sentiment_model: str | None = None
    data_notes: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "settings": self.settings,
            "sentiment_model": self.sentiment_model,
            "totals": self.totals,
            "status_counts": self.status_counts,
            "monthly": self.monthly,
            "time_to_match": self.time_to_match,
            "segments": self.segments,
            "mentor_load": self.mentor_load,
            "suggestions": self.suggestions,
            "data_notes": self.data_notes,
        }


# -- small pure helpers ---------------------------------------------------------------------


def gini(values: Iterable[float]) -> float | None:
    """Gini coefficient of non-negative amounts (0: equal; towards 1: concentrated); None when
    there is nothing to share."""
    x = np.sort(np.asarray(list(values), dtype=np.float64))
    if len(x) == 0 or x.sum() <= 0:
        return None
    n = len(x)
    ranks = np.arange(1, n + 1)
    return _num(float((2.0 * (ranks * x).sum()) / (n * x.sum()) - (n + 1) / n))


def _labels(ts: pd.Series, fmt: str, missing: str | None) -> pd.Series:
    """``ts`` written with ``fmt`` (each distinct value formatted once)."""
    ts = pd.to_datetime(ts, utc=True, errors="coerce")
    known = ts.notna()
    out = pd.Series(missing, index=ts.index, dtype=object)
    if known.any():
        out[known] = ts[known].dt.strftime(fmt).to_numpy()
    return out


def _month(ts: pd.Series) -> pd.Series:
    return _labels(ts, "%Y-%m", None)


def _quarter(ts: pd.Series) -> pd.Series:
    ts = pd.to_datetime(ts, utc=True, errors="coerce")
    year = _labels(ts, "%Y", "unknown")
    quarter = ((ts.dt.month - 1) // 3 + 1).astype("Int64").astype(str)
    return year.where(ts.isna(), year + "-Q" + quarter)


def _months_between(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:])
    y_end, m_end = int(last[:4]), int(last[5:])
    out = []
    while (y, m) <= (y_end, m_end):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _summary(days: pd.Series) -> dict[str, Any]:
    d = days.dropna().to_numpy(dtype=np.float64)
    if len(d) == 0:
        return {"n": 0, "mean": None, "median": None, "p25": None, "p75": None}
    return {
        "n": len(d),
        "mean": _num(d.mean(), 2),
        "median": _num(np.median(d), 2),
        "p25": _num(np.percentile(d, 25), 2),
        "p75": _num(np.percentile(d, 75), 2),
    }


def _as_utc(moment: datetime | pd.Timestamp | str | None) -> pd.Timestamp:
    ts = pd.Timestamp(datetime.now(UTC) if moment is None else moment)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def status_at(pairings: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Each pairing's status as it stood at ``as_of`` (see the module docstring)."""
    status = pairings["status"].astype(object).where(pairings["status"].notna(), "accepted")
    ended = _utc(pairings.get("ended_at"), pairings.index)
    later = ended.notna() & (ended > as_of)
    out = status.copy()
    out[later & status.isin(FINISHED_STATUSES)] = "active"
    out[later & (status == "declined")] = "proposed"
    return out


# -- the computation ------------------------------------------------------------------------


@dataclass
class _Frame:
    """Pairings as of T with everything the figures need, one row per pairing."""

    p: pd.DataFrame
    mentees: pd.DataFrame
    mentors: pd.DataFrame
    months: list[str]


def _prepare(
    programme: Programme, as_of: pd.Timestamp, sentiment: pd.Series | None
) -> tuple[_Frame, list[dict[str, Any]]]:
    notes: list[dict[str, Any]] = []
    # Callers may index people by id (the service does): positions are all that matter here.
    mentees = programme.mentees.reset_index(drop=True)
    mentors = programme.mentors.reset_index(drop=True)
    mentees["joined"] = _utc(mentees.get("created_at"), mentees.index)
    mentors["joined"] = _utc(mentors.get("created_at"), mentors.index)
    mentees = mentees[mentees["joined"].isna() | (mentees["joined"] <= as_of)]
    mentors = mentors[mentors["joined"].isna() | (mentors["joined"] <= as_of)]

    raw = programme.pairings
    if sentiment is not None:
        sentiment = sentiment.reindex(raw.index).set_axis(pd.RangeIndex(len(raw)))
    raw = raw.reset_index(drop=True)
    created_all = _utc(raw.get("created_at"), raw.index)
    undated = int(created_all.isna().sum())
    if undated:
        notes.append(
            {
                "code": "pairing_without_created_at",
                "count": undated,
                "message": "pairings without a valid created_at are left out",
            }
        )
    keep = created_all.notna() & (created_all <= as_of)
    p = raw[keep].copy()
    p["created"] = created_all[keep]
    p["ended"] = _utc(p.get("ended_at"), p.index)
    p["checkin"] = _utc(p.get("last_checkin_at"), p.index)
    p["status_at"] = status_at(p, as_of)
    if sentiment is None:
        p["sentiment"] = np.nan
    else:
        p["sentiment"] = pd.to_numeric(sentiment.reindex(p.index), errors="coerce")
    p["rating"] = (
        pd.to_numeric(p["rating"], errors="coerce")
        if "rating" in p
        else pd.Series(np.nan, index=p.index)
    )

    for column, label in (("ended", "ended_at"), ("checkin", "last_checkin_at")):
        bad = int((p[column].notna() & (p[column] < p["created"])).sum())
        if bad:
            notes.append(
                {
                    "code": f"{label}_before_created_at",
                    "count": bad,
                    "message": f"pairings whose {label} is before their created_at; "
                    f"the {label} is used as given",
                }
            )
    # A rating or feedback is known from its date on (see the module docstring).
    dated = p["ended"].where(p["ended"].notna(), p["checkin"].where(p["checkin"].notna()))
    dated = dated.where(dated.notna(), p["created"])
    known = (dated <= as_of) & ~(p["ended"].notna() & (p["ended"] > as_of))
    p["opinion_month"] = _month(dated)
    p.loc[~known, ["rating", "sentiment"]] = np.nan
    p["month"] = _month(p["created"])
    finished = p["status_at"].isin(FINISHED_STATUSES)
    p["finish_month"] = _month(p["ended"].where(p["ended"].notna(), p["created"]))
    p.loc[~finished, "finish_month"] = None

    by_id = mentees.drop_duplicates("mentee_id").set_index("mentee_id")
    p["cohort"] = p["mentee_id"].map(_quarter(by_id["joined"])).fillna("unknown")
    p["department"] = p["mentee_id"].map(by_id["department"].map(_label)).fillna(NO_VALUE)
    p["group"] = p["mentee_id"].map(by_id["group"].map(_label)).fillna(NO_VALUE)
    mentees["cohort"] = _quarter(mentees["joined"])
    mentees["department"] = mentees["department"].map(_label)
    mentees["group"] = mentees["group"].map(_label)

    stamps = [
        s
        for s in (
            p["month"].dropna().tolist()
            + p["opinion_month"][known].dropna().tolist()
            + p["finish_month"].dropna().tolist()
            + _month(mentees["joined"]).dropna().tolist()
        )
    ]
    months = _months_between(min(stamps), max(stamps)) if stamps else []
    for status in ("proposed", "declined", "completed", "ended_early"):
        p[f"is_{status}"] = p["status_at"] == status
    p["is_match"] = p["status_at"].isin(MATCH_STATUSES)
    p["is_running"] = p["status_at"].isin(("accepted", "active"))
    narrow = [
        "mentee_id", "mentor_id", "created", "status_at", "rating", "sentiment", "month",
        "opinion_month", "finish_month", "cohort", "department", "group", "is_match",
        "is_running", "is_proposed", "is_declined", "is_completed", "is_ended_early",
    ]  # fmt: skip
    people = ["mentee_id", "joined", "cohort", "department", "group"]
    return _Frame(p[narrow], mentees[people], mentors, months), notes


def _outcomes(p: pd.DataFrame) -> dict[str, Any]:
    """Counts, rates and means of a set of pairings (as of T)."""
    matches = int(p["is_match"].sum())
    declined = int(p["is_declined"].sum())
    completed = int(p["is_completed"].sum())
    ended_early = int(p["is_ended_early"].sum())
    finished = completed + ended_early
    mean_rating, n_ratings = _mean(p["rating"])
    mean_sentiment, n_feedback = _mean(p["sentiment"])
    return {
        "pairings": len(p),
        "matches": matches,
        "running": int(p["is_running"].sum()),
        "proposed": int(p["is_proposed"].sum()),
        "declined": declined,
        "completed": completed,
        "ended_early": ended_early,
        "finished": finished,
        "completion_rate": _rate(completed, finished),
        "early_closure_rate": _rate(ended_early, finished),
        "decline_rate": _rate(declined, declined + matches),
        "mean_rating": mean_rating,
        "n_ratings": n_ratings,
        "mean_sentiment": mean_sentiment,
        "n_feedback": n_feedback,
    }


def _time_to_match(p: pd.DataFrame, mentees: pd.DataFrame) -> tuple[pd.Series, int]:
    """Days from joining to the first match per matched mentee (index: mentee_id; NaN when the
    mentee's join date is unknown or after the match), and how many were out of order."""
    matched = p[p["status_at"].isin(MATCH_STATUSES)]
    first = matched.groupby("mentee_id")["created"].min()
    joined = mentees.drop_duplicates("mentee_id").set_index("mentee_id")["joined"]
    days = (first - joined.reindex(first.index)).dt.total_seconds() / 86400.0
    out_of_order = int((days < 0).sum())
    return days.where(days >= 0), out_of_order


def _histogram(days: pd.Series) -> list[dict[str, Any]]:
    d = days.dropna().to_numpy(dtype=np.float64)
    out = []
    lower = 0.0
    for upper in (*TIME_TO_MATCH_BINS, math.inf):
        n = int(((d >= lower) & (d < upper)).sum())
        out.append({"from_days": lower, "to_days": None if upper == math.inf else upper, "n": n})
        lower = float(upper)
    return out


def _monthly(frame: _Frame) -> list[dict[str, Any]]:
    p, months = frame.p, frame.months
    created = p.groupby("month")
    proposals = created.size()
    matches = p[p["status_at"].isin(MATCH_STATUSES)].groupby("month").size()
    fin = p[p["finish_month"].notna()]
    completed = fin[fin["status_at"] == "completed"].groupby("finish_month").size()
    ended_early = fin[fin["status_at"] == "ended_early"].groupby("finish_month").size()
    rating = p.dropna(subset=["rating"]).groupby("opinion_month")["rating"]
    sentiment = p.dropna(subset=["sentiment"]).groupby("opinion_month")["sentiment"]
    rating_mean, rating_n = rating.mean(), rating.size()
    sent_mean, sent_n = sentiment.mean(), sentiment.size()
    joined = _month(frame.mentees["joined"]).value_counts()
    rows = []
    for m in months:
        c, e = int(completed.get(m, 0)), int(ended_early.get(m, 0))
        rows.append(
            {
                "month": m,
                "mentees_joined": int(joined.get(m, 0)),
                "proposals": int(proposals.get(m, 0)),
                "matches": int(matches.get(m, 0)),
                "completed": c,
                "ended_early": e,
                "completion_rate": _rate(c, c + e),
                "early_closure_rate": _rate(e, c + e),
                "mean_rating": _num(rating_mean.get(m)),
                "n_ratings": int(rating_n.get(m, 0)),
                "mean_sentiment": _num(sent_mean.get(m)),
                "n_feedback": int(sent_n.get(m, 0)),
            }
        )
    return rows


def _segments(frame: _Frame, days: pd.Series) -> dict[str, list[dict[str, Any]]]:
    p, mentees = frame.p, frame.mentees
    out: dict[str, list[dict[str, Any]]] = {}
    mentees = mentees.assign(matched=mentees["mentee_id"].isin(set(days.index)))
    for dim in SEGMENT_DIMENSIONS:
        rows = []
        people_by = dict(tuple(mentees.groupby(dim, sort=False)))
        pairings_by = dict(tuple(p.groupby(dim, sort=False)))
        empty_people, empty_pairings = mentees.iloc[:0], p.iloc[:0]
        values = sorted(set(people_by) | set(pairings_by), key=lambda v: (v == NO_VALUE, v))
        for value in values:
            people = people_by.get(value, empty_people)
            part = pairings_by.get(value, empty_pairings)
            ids = people.loc[people["matched"], "mentee_id"]
            n_matched = len(ids)
            match_months = part[part["is_match"]].groupby("month").size()
            rows.append(
                {
                    "segment": value,
                    "mentees": len(people),
                    "mentees_matched": n_matched,
                    "match_rate": _rate(n_matched, len(people)),
                    "days_to_match": _summary(days.reindex(ids)),
                    **_outcomes(part),
                    "monthly_matches": {m: int(n) for m, n in match_months.items()},
                }
            )
        out[dim] = rows
    return out


def _mentor_load(frame: _Frame) -> dict[str, Any]:
    p, mentors = frame.p, frame.mentors
    ids = mentors["mentor_id"]
    running = p[p["status_at"].isin(("accepted", "active"))].groupby("mentor_id").size()
    pending = p[p["status_at"] == "proposed"].groupby("mentor_id").size()
    matches = p[p["status_at"].isin(MATCH_STATUSES)].groupby("mentor_id").size()
    load = running.reindex(ids, fill_value=0).to_numpy(dtype=np.int64)
    held = load + pending.reindex(ids, fill_value=0).to_numpy(dtype=np.int64)
    capacity = pd.to_numeric(mentors["capacity"], errors="coerce").fillna(1).to_numpy(dtype=float)
    available = (
        mentors["available"].fillna(True).astype(bool).to_numpy()
        if "available" in mentors
        else np.ones(len(mentors), dtype=bool)
    )
    free = np.where(available, np.maximum(capacity - held, 0), 0)
    histogram = [
        {"load": int(v), "mentors": int((load == v).sum())}
        for v in range(int(load.max()) + 1 if len(load) else 0)
    ]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(capacity > 0, load / np.where(capacity > 0, capacity, 1), np.nan)
    buckets = [
        ("no capacity", capacity <= 0),
        ("idle (0%)", (capacity > 0) & (load == 0)),
        ("under half", (capacity > 0) & (load > 0) & (share < 0.5)),
        ("half or more", (capacity > 0) & (share >= 0.5) & (share < 1.0)),
        ("full (100%)", (capacity > 0) & (share == 1.0)),
        ("over capacity", (capacity > 0) & (share > 1.0)),
    ]
    per_mentor = matches.reindex(ids, fill_value=0).to_numpy(dtype=np.float64)
    return {
        "mentors": len(mentors),
        "available": int(available.sum()),
        "capacity": int(capacity.sum()),
        "running_pairings": int(load.sum()),
        "pending_proposals": int((held - load).sum()),
        "free_places": int(free.sum()),
        "at_or_over_capacity": int(((capacity > 0) & (load >= capacity)).sum()),
        "mean_load": _num(load.mean()) if len(load) else None,
        "histogram": histogram,
        "utilisation": [{"bucket": name, "mentors": int(mask.sum())} for name, mask in buckets],
        "matches_per_mentor": {
            "mean": _num(per_mentor.mean()) if len(per_mentor) else None,
            "median": _num(np.median(per_mentor)) if len(per_mentor) else None,
            "max": int(per_mentor.max()) if len(per_mentor) else None,
            "mentors_never_matched": int((per_mentor == 0).sum()),
            "gini": gini(per_mentor),
        },
    }


def compute_kpis(
    programme: Programme,
    *,
    as_of: datetime | pd.Timestamp | str | None = None,
    sentiment: pd.Series | None = None,
    suggestions: pd.DataFrame | None = None,
    settings: KpiSettings | None = None,
    sentiment_model: str | None = None,
) -> ProgrammeKpis:
    """The programme's KPIs as of ``as_of`` (default: now).

    ``sentiment``: each pairing's feedback score in [-1, 1], indexed like
    ``programme.pairings`` (None: sentiment figures are empty). ``suggestions``: the suggestions
    log (:func:`recommender.store.suggestions.read_suggestions`; None: the programme has none,
    and ``suggestions`` is None). ``sentiment_model`` describes the scorer, for the reader.
    """
    settings = settings or KpiSettings()
    t = _as_utc(as_of)
    frame, notes = _prepare(programme, t, sentiment)
    days, out_of_order = _time_to_match(frame.p, frame.mentees)
    if out_of_order:
        notes.append(
            {
                "code": "matched_before_joining",
                "count": out_of_order,
                "message": "mentees whose first match is dated before they joined; left out of "
                "the time to match",
            }
        )
    n_mentees = len(frame.mentees)
    matched = int(frame.mentees["mentee_id"].isin(set(days.index)).sum())
    totals = {
        "mentors": len(frame.mentors),
        "mentees": n_mentees,
        "mentees_matched": matched,
        "match_rate": _rate(matched, n_mentees),
        **_outcomes(frame.p),
        "days_to_match": _summary(days),
    }
    counts = frame.p["status_at"].value_counts()
    status_counts = {
        s: int(counts.get(s, 0))
        for s in ("proposed", "accepted", "declined", "active", "completed", "ended_early")
    }
    return ProgrammeKpis(
        as_of=t.to_pydatetime(),
        totals=totals,
        status_counts=status_counts,
        monthly=_monthly(frame),
        time_to_match={**_summary(days), "histogram": _histogram(days)},
        segments=_segments(frame, days),
        mentor_load=_mentor_load(frame),
        suggestions=suggestion_outcomes(
            frame.p, frame.mentors, suggestions, t, settings.suggestion_window_days
        ),
        sentiment_model=sentiment_model,
        data_notes=notes,
        settings={"suggestion_window_days": settings.suggestion_window_days},
    )
