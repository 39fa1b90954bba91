"""What the service reads from outcomes: feedback sentiment, pairings at risk, the programme's
KPIs, and the suggestions log it writes.

One :class:`ProgrammeInsights` lives beside the serving snapshot. It scores feedback with the
serving model's sentiment model (VADER when the model has none, or before any model is
trained), memoised per text; computes the at-risk list and the KPIs from the snapshot's tables
(the KPIs cached per snapshot generation, date and suggestions written); and queues every
suggestion it is told about for the background writer of the suggestions log.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from recommender.data.contract import Programme
from recommender.features.embeddings import TextEncoder
from recommender.feedback import FeedbackSentiment, RiskRule, SentimentCache, pairings_at_risk
from recommender.kpis import KpiSettings, compute_kpis
from recommender.store.suggestions import SuggestionLog, SuggestionRecord, read_suggestions

__all__ = ["AtRisk", "ProgrammeInsights", "suggestion_records"]


@dataclass(frozen=True)
class AtRisk:
    """The pairings at risk as of ``as_of`` and the rule that flagged them."""

    as_of: datetime
    rule: RiskRule
    checkins_recorded: bool
    pairings: pd.DataFrame
    sentiment_model: str


def _group(frame: pd.DataFrame, person_id: str) -> str | None:
    if "group" not in frame or person_id not in frame.index:
        return None
    value = frame.at[person_id, "group"]
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def suggestion_records(
    *,
    source: str,
    pairs: list[tuple[str, str, int, float | None]],
    mentors: pd.DataFrame,
    mentees: pd.DataFrame,
    at: datetime,
    request_id: str | None,
    model_version: str | None,
) -> list[SuggestionRecord]:
    """Log rows for ``(mentee_id, mentor_id, rank, score)`` pairs, with both people's groups as
    they are now (``mentors``/``mentees`` indexed by id)."""
    return [
        SuggestionRecord(
            suggested_at=at,
            source=source,
            mentee_id=mentee_id,
            mentor_id=mentor_id,
            rank=rank,
            score=None if score is None or not np.isfinite(score) else float(score),
            mentee_group=_group(mentees, mentee_id),
            mentor_group=_group(mentors, mentor_id),
            request_id=request_id,
            model_version=model_version,
        )
        for mentee_id, mentor_id, rank, score in pairs
    ]


class ProgrammeInsights:
    """Sentiment, at-risk pairings, KPIs and the suggestions log of one serving process."""

    def __init__(
        self,
        engine: Engine,
        *,
        rule: RiskRule | None = None,
        kpi_settings: KpiSettings | None = None,
        log: SuggestionLog | None = None,
    ) -> None:
        self.engine = engine
        self.rule = rule or RiskRule()
        self.kpi_settings = kpi_settings or KpiSettings()
        self.log = log
        self._scores = SentimentCache(FeedbackSentiment.lexicon())
        self._kpis: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._lock = threading.Lock()

    # -- the sentiment model ----------------------------------------------------------------
    def use_model(self, sentiment: FeedbackSentiment | None, encoder: TextEncoder | None) -> None:
        """Score with the serving model's sentiment model (the lexicon when None, or when it
        needs an encoder and none is given)."""
        if sentiment is None or (sentiment.kind_ == "learned" and encoder is None):
            sentiment = FeedbackSentiment.lexicon()
        with self._lock:
            self._scores = SentimentCache(sentiment, encoder)
            self._kpis.clear()

    @property
    def sentiment_model(self) -> str:
        return self._scores.model.description

    def sentiment(self, pairings: pd.DataFrame) -> pd.Series:
        """Each pairing's feedback score (NaN without feedback)."""
        return self._scores.score_pairings(pairings)

    # -- pairings at risk -------------------------------------------------------------------
    def at_risk(self, pairings: pd.DataFrame, as_of: pd.Timestamp) -> AtRisk:
        """Running pairings at risk as of ``as_of`` (see :mod:`recommender.feedback.risk`)."""
        scores = self.sentiment(pairings)
        flagged = pairings_at_risk(pairings, scores, as_of, self.rule)
        recorded = "last_checkin_at" in pairings and bool(pairings["last_checkin_at"].notna().any())
        return AtRisk(
            as_of=pd.Timestamp(as_of).to_pydatetime(),
            rule=self.rule,
            checkins_recorded=recorded,
            pairings=flagged,
            sentiment_model=self.sentiment_model,
        )

    # -- KPIs -------------------------------------------------------------------------------
    def kpis(self, programme: Programme, as_of: pd.Timestamp, generation: int) -> dict[str, Any]:
        """The KPIs as JSON-ready data (cached per snapshot generation, minute and log size)."""
        self.flush_log()
        suggestions = read_suggestions(self.engine, as_of=pd.Timestamp(as_of).to_pydatetime())
        key = (generation, pd.Timestamp(as_of).floor("min"), len(suggestions))
        with self._lock:
            cached = self._kpis.get(key)
        if cached is not None:
            return cached
        figures = compute_kpis(
            programme,
            as_of=as_of,
            sentiment=self.sentiment(programme.pairings),
            suggestions=suggestions,
            settings=self.kpi_settings,
            sentiment_model=self.sentiment_model,
        ).to_dict()
        with self._lock:
            if len(self._kpis) > 32:
                self._kpis.clear()
            self._kpis[key] = figures
        return figures

    # -- the suggestions log ----------------------------------------------------------------
    def record(self, records: list[SuggestionRecord]) -> None:
        """Queue suggestions for the log (no-op without a log)."""
        if self.log is not None:
            self.log.add(records)

    def flush_log(self) -> None:
        """Write queued suggestions now, so a KPI read sees them."""
        if self.log is not None and self.log.pending:
            self.log.flush()

    def close(self) -> None:
        if self.log is not None:
            self.log.close()
