"""The report job: a programme (and its suggestions log) in, the KPIs and one HTML file out.

``recommender report`` is a thin wrapper around :func:`build_report` and :func:`write_report`.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from recommender.data.contract import Programme
from recommender.features.embeddings import TextEncoder
from recommender.feedback.sentiment import FeedbackSentiment, fit_on_pairings
from recommender.kpis.compute import KpiSettings, ProgrammeKpis, compute_kpis
from recommender.kpis.html import render_report

__all__ = ["Report", "build_report", "parse_as_of", "write_report"]


@dataclass
class Report:
    """A rendered report and the figures in it."""

    kpis: ProgrammeKpis
    html: str


def parse_as_of(value: str | None) -> pd.Timestamp:
    """``--as-of``: an ISO date means the end of that day (UTC), a date-time is taken as given
    (naive is UTC); None is now."""
    if value is None:
        return pd.Timestamp(datetime.now(UTC))
    text = value.strip()
    try:
        # ISO 8601 only: day-first and month-first dates are ambiguous.
        ts = pd.Timestamp(datetime.fromisoformat(text))
    except ValueError as exc:
        raise ValueError(
            f"--as-of: got {value!r}, expected an ISO 8601 date or date-time such as 2024-06-30"
        ) from exc
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    if len(text) == 10:  # a date: include all of it
        ts = ts + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    return ts


def build_report(
    programme: Programme,
    *,
    as_of: pd.Timestamp,
    encoder: TextEncoder | None = None,
    sentiment: FeedbackSentiment | None = None,
    suggestions: pd.DataFrame | None = None,
    settings: KpiSettings | None = None,
    source: str | None = None,
) -> Report:
    """Score the feedback, compute the KPIs as of ``as_of`` and render the HTML.

    ``sentiment``: a fitted model (e.g. the one saved with the serving model); when None, one is
    fitted on the programme's ratings known by ``as_of`` (VADER when there are too few, or when
    ``encoder`` is None).
    """
    model = sentiment or fit_on_pairings(programme.pairings, encoder, as_of=as_of)
    scores = model.score_pairings(programme.pairings, encoder)
    kpis = compute_kpis(
        programme,
        as_of=as_of,
        sentiment=scores,
        suggestions=suggestions,
        settings=settings,
        sentiment_model=model.description,
    )
    return Report(kpis, render_report(kpis, source=source))


def write_report(text: str, path: Path) -> Path:
    """Write ``text`` to ``path`` atomically: a failure leaves any previous file intact."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        # mkstemp creates the file 0600; a report is for sharing: the usual umask applies.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
