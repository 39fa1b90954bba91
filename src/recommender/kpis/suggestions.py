"""Suggestion outcomes: how often each group is suggested, and how those suggestions turn out
(see :mod:`recommender.kpis.compute` for the definitions)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from recommender.kpis._common import MATCH_STATUSES, NO_VALUE
from recommender.kpis._common import label as _label
from recommender.kpis._common import mean_and_n as _mean
from recommender.kpis._common import num as _num
from recommender.kpis._common import rate as _rate
from recommender.kpis._common import to_utc as _utc

__all__ = ["suggestion_outcomes"]


def suggestion_outcomes(
    pairings: pd.DataFrame,
    mentors: pd.DataFrame,
    log: pd.DataFrame | None,
    as_of: pd.Timestamp,
    window_days: float,
) -> dict[str, Any] | None:
    """How often each group was suggested by ``as_of`` and how those suggestions turned out.

    ``pairings`` carry ``mentee_id``, ``mentor_id``, ``created`` (UTC), ``status_at`` and
    ``rating`` as of ``as_of``; ``mentors`` the mentors who had joined, with ``group``.
    None when there is no log at all.
    """
    if log is None:
        return None
    log = log.copy()
    log["at"] = _utc(log.get("suggested_at"), log.index)
    log = log[log["at"].notna() & (log["at"] <= as_of)]
    if log.empty:
        return {
            "impressions": 0,
            "suggested_pairs": 0,
            "first_at": None,
            "last_at": None,
            "by_mentor_group": [],
            "by_mentee_group": [],
        }
    log = log.sort_values("at", kind="stable")
    for column in ("mentor_group", "mentee_group"):
        log[column] = (log[column] if column in log else pd.Series(None, index=log.index)).map(
            _label
        )
    impressions = log.groupby(["mentee_id", "mentor_id"]).size().rename("impressions")
    first = log.drop_duplicates(["mentee_id", "mentor_id"], keep="first").set_index(
        ["mentee_id", "mentor_id"]
    )
    first = first.join(impressions)
    window = pd.Timedelta(days=window_days)
    p = pairings
    merged = first.reset_index().merge(
        p[["mentee_id", "mentor_id", "created", "status_at", "rating"]],
        on=["mentee_id", "mentor_id"],
        how="left",
    )
    follows = merged["created"].notna() & (merged["created"] >= merged["at"] - pd.Timedelta(1))
    follows &= merged["created"] <= merged["at"] + window
    merged = merged[follows | merged["created"].isna()]
    merged.loc[~follows.reindex(merged.index, fill_value=False), "status_at"] = None
    # The first pairing after the suggestion is its outcome.
    merged = merged.sort_values(["created"], na_position="last", kind="stable").drop_duplicates(
        ["mentee_id", "mentor_id"], keep="first"
    )
    merged = merged.set_index(["mentee_id", "mentor_id"])
    first["outcome"] = merged["status_at"].reindex(first.index)
    first["outcome_rating"] = merged["rating"].reindex(first.index).where(first["outcome"].notna())

    pool_group = mentors.drop_duplicates("mentor_id")["group"].map(_label)
    pool = pool_group.value_counts()
    n_pool = int(pool.sum())

    def by(column: str, with_pool: bool) -> list[dict[str, Any]]:
        total = len(first)
        rows = []
        groups = sorted(set(first[column]), key=lambda v: (v == NO_VALUE, v))
        for g in groups:
            part = first[first[column] == g]
            out = part["outcome"]
            paired = int(out.notna().sum())
            matched = int(out.isin(MATCH_STATUSES).sum())
            completed = int((out == "completed").sum())
            ended_early = int((out == "ended_early").sum())
            rating, n_ratings = _mean(part["outcome_rating"])
            row: dict[str, Any] = {
                "group": g,
                "suggested": len(part),
                "impressions": int(part["impressions"].sum()),
                "share": _rate(len(part), total),
                "led_to_pairing": paired,
                "uptake_rate": _rate(paired, len(part)),
                "matched": matched,
                "declined": int((out == "declined").sum()),
                "pending": int((out == "proposed").sum()),
                "running": int(out.isin(("accepted", "active")).sum()),
                "completed": completed,
                "ended_early": ended_early,
                "completion_rate": _rate(completed, completed + ended_early),
                "mean_rating": rating,
                "n_ratings": n_ratings,
            }
            if with_pool:
                n = int(pool.get(g, 0))
                row["pool_mentors"] = n
                row["pool_share"] = _rate(n, n_pool)
                row["exposure_ratio"] = (
                    _num((len(part) / total) / (n / n_pool)) if n and total else None
                )
            rows.append(row)
        return rows

    return {
        "impressions": int(first["impressions"].sum()),
        "suggested_pairs": len(first),
        "first_at": log["at"].min().isoformat(),
        "last_at": log["at"].max().isoformat(),
        "window_days": window_days,
        "by_mentor_group": by("mentor_group", True),
        "by_mentee_group": by("mentee_group", False),
    }
