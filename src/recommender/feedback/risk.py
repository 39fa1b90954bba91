"""Pairings at risk: running pairings whose latest feedback is negative or whose check-ins
stopped.

The rule (:class:`RiskRule`; settings ``RECOMMENDER_AT_RISK_*``), as of a time ``T``:

- a pairing is **running** at ``T`` when it was created by ``T`` and is ``accepted`` or
  ``active``, or it ended after ``T`` (a ``completed`` or ``ended_early`` pairing was still
  running before its ``ended_at``);
- **negative feedback**: its feedback's sentiment is at or below ``negative_at``
  (:mod:`recommender.feedback.sentiment`; no feedback, no flag);
- **check-ins stopped**: its latest check-in (``last_checkin_at``, or ``created_at`` when it
  never checked in) is more than ``checkin_gap_days`` before ``T``. Only applied when the
  programme records check-ins at all (some pairing has a ``last_checkin_at``): a programme that
  does not track them would otherwise flag every pairing older than the gap. A check-in later
  than ``T`` hides any earlier one, so such a pairing is not judged on silence.

Each pairing at risk carries every reason that applies, as a code and a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recommender.feedback.text import clean_feedback

__all__ = [
    "CHECKINS_STOPPED",
    "NEGATIVE_FEEDBACK",
    "RUNNING_STATUSES",
    "RiskRule",
    "pairings_at_risk",
    "running_at",
]

NEGATIVE_FEEDBACK = "negative_feedback"
CHECKINS_STOPPED = "checkins_stopped"
RUNNING_STATUSES = ("accepted", "active")
_QUOTE_CHARS = 120


@dataclass(frozen=True)
class RiskRule:
    """Settings of the at-risk rule (see the module docstring)."""

    #: Feedback with sentiment at or below this is negative.
    negative_at: float = -0.25
    #: Days without a check-in after which a running pairing is at risk.
    checkin_gap_days: float = 42.0

    def __post_init__(self) -> None:
        if not -1.0 <= self.negative_at <= 1.0:
            raise ValueError(f"negative_at must lie in [-1, 1], got {self.negative_at}")
        if not self.checkin_gap_days > 0:
            raise ValueError(f"checkin_gap_days must be positive, got {self.checkin_gap_days}")


def _utc(column: pd.Series | None, index: pd.Index) -> pd.Series:
    if column is None:
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns, UTC]")
    return pd.to_datetime(column, utc=True, errors="coerce")


def running_at(pairings: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Whether each pairing was running (agreed, not yet over) at ``as_of``."""
    created = _utc(pairings.get("created_at"), pairings.index)
    ended = _utc(pairings.get("ended_at"), pairings.index)
    status = pairings["status"].astype(object)
    started = created.notna() & (created <= as_of)
    open_now = status.isin(RUNNING_STATUSES) & (ended.isna() | (ended > as_of))
    over_later = status.isin(("completed", "ended_early")) & ended.notna() & (ended > as_of)
    return pd.Series(started & (open_now | over_later), index=pairings.index)


def _quote(text: object) -> str:
    cleaned = clean_feedback(text, max_chars=0)
    if len(cleaned) > _QUOTE_CHARS:
        cleaned = cleaned[: _QUOTE_CHARS - 1].rstrip() + "…"
    return cleaned


def pairings_at_risk(
    pairings: pd.DataFrame,
    sentiment: pd.Series | None,
    as_of: pd.Timestamp,
    rule: RiskRule | None = None,
) -> pd.DataFrame:
    """The running pairings at risk at ``as_of``, most urgent first.

    ``sentiment`` is each pairing's feedback score, indexed like ``pairings`` (None: feedback is
    not judged). Returns the pairings' rows (same index) plus ``sentiment``,
    ``days_since_checkin``, ``reason_codes`` (list) and ``reasons`` (list of sentences).
    """
    rule = rule or RiskRule()
    as_of = pd.Timestamp(as_of)
    as_of = as_of.tz_localize("UTC") if as_of.tzinfo is None else as_of.tz_convert("UTC")
    index = pairings.index
    running = running_at(pairings, as_of) if len(pairings) else pd.Series(False, index=index)
    score = (
        pd.Series(np.nan, index=index, dtype="float64")
        if sentiment is None
        else pd.to_numeric(sentiment.reindex(index), errors="coerce").astype("float64")
    )
    negative = running & score.notna() & (score <= rule.negative_at)

    created = _utc(pairings.get("created_at"), index)
    checkin = _utc(pairings.get("last_checkin_at"), index)
    recorded = bool(checkin.notna().any())
    last = checkin.where(checkin.notna(), created)
    days = (as_of - last).dt.total_seconds() / 86400.0
    silent = running & recorded & (checkin.isna() | (checkin <= as_of))
    silent &= days > rule.checkin_gap_days

    flagged = negative | silent
    out = pairings[flagged].copy()
    out["sentiment"] = score[flagged]
    out["days_since_checkin"] = days[flagged].where(silent[flagged] | recorded)
    codes: list[list[str]] = []
    reasons: list[list[str]] = []
    for i in out.index:
        c: list[str] = []
        r: list[str] = []
        if negative[i]:
            c.append(NEGATIVE_FEEDBACK)
            r.append(
                f"latest feedback is negative (sentiment {score[i]:+.2f}): "
                f'"{_quote(pairings.at[i, "feedback"])}"'
            )
        if silent[i]:
            c.append(CHECKINS_STOPPED)
            if pd.isna(checkin[i]):
                r.append(f"no check-in in the {days[i]:.0f} days since it started")
            else:
                r.append(
                    f"no check-in for {days[i]:.0f} days (last on {checkin[i].date().isoformat()})"
                )
        codes.append(c)
        reasons.append(r)
    out["reason_codes"] = pd.Series(codes, index=out.index, dtype=object)
    out["reasons"] = pd.Series(reasons, index=out.index, dtype=object)
    if len(out):
        # Both reasons first, then the most negative feedback, then the longest silence.
        order = pd.DataFrame(
            {
                "n": -out["reason_codes"].map(len),
                "s": out["sentiment"].fillna(1.0),
                "d": -out["days_since_checkin"].fillna(0.0),
                "id": out.get("pairing_id", pd.Series(out.index, index=out.index)).astype(str),
            },
            index=out.index,
        ).sort_values(["n", "s", "d", "id"], kind="stable")
        out = out.loc[order.index]
    return out
