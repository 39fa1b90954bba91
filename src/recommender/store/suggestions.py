"""The suggestions log: which mentors the service suggested to which mentees, and when.

The service appends a row for every mentor in a recommendation it serves and every pair in a
matching plan it proposes (``source`` is ``recommendation`` or ``plan``). The programme KPIs
(:mod:`recommender.kpis`) read it point in time to say how often each group is suggested and how
those suggestions turn out.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, Table, select
from sqlalchemy.exc import SQLAlchemyError

from recommender.store.models import Suggestion

__all__ = [
    "SOURCES",
    "SUGGESTION_COLUMNS",
    "SuggestionLog",
    "SuggestionRecord",
    "read_suggestions",
    "record_suggestions",
]

log = logging.getLogger("recommender.suggestions")

_TABLE: Table = Suggestion.__table__  # type: ignore[assignment]

#: Where a suggestion came from.
SOURCES = ("recommendation", "plan")

SUGGESTION_COLUMNS = (
    "suggested_at",
    "source",
    "mentee_id",
    "mentor_id",
    "rank",
    "score",
    "mentee_group",
    "mentor_group",
    "request_id",
    "model_version",
)


@dataclass(frozen=True)
class SuggestionRecord:
    """One suggested (mentee, mentor) pair."""

    suggested_at: datetime
    source: str
    mentee_id: str
    mentor_id: str
    rank: int
    score: float | None = None
    mentee_group: str | None = None
    mentor_group: str | None = None
    request_id: str | None = None
    model_version: str | None = None

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {', '.join(SOURCES)}, got {self.source!r}")


def record_suggestions(engine: Engine, records: Sequence[SuggestionRecord]) -> int:
    """Append ``records`` in one transaction; returns how many were written."""
    if not records:
        return 0
    with engine.begin() as connection:
        connection.execute(_TABLE.insert(), [asdict(r) for r in records])
    return len(records)


def read_suggestions(engine: Engine, as_of: datetime | None = None) -> pd.DataFrame:
    """The log up to ``as_of`` (inclusive; all of it when None), oldest first, with
    :data:`SUGGESTION_COLUMNS` (``suggested_at`` as UTC timestamps)."""
    query = select(*(_TABLE.c[name] for name in SUGGESTION_COLUMNS)).order_by(
        _TABLE.c.suggested_at, _TABLE.c.id
    )
    if as_of is not None:
        query = query.where(_TABLE.c.suggested_at <= as_of)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=list(SUGGESTION_COLUMNS))
    frame["suggested_at"] = pd.to_datetime(frame["suggested_at"], utc=True)
    frame["rank"] = frame["rank"].astype("int64")
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce").astype("float64")
    return frame


class SuggestionLog:
    """Buffers suggestions and writes them from a background thread, so serving a
    recommendation never waits for the database.

    :meth:`add` only appends to a bounded buffer; a thread writes the buffer every
    ``flush_s`` seconds (and :meth:`close` writes what is left). While the database is down the
    rows wait in the buffer; past ``max_buffered`` the oldest are dropped, and every drop and
    failed write is logged with its count, never silently.
    """

    def __init__(self, engine: Engine, *, flush_s: float = 1.0, max_buffered: int = 100_000):
        self.engine = engine
        self.flush_s = flush_s
        self.max_buffered = max_buffered
        self._buffer: deque[SuggestionRecord] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.written = 0
        self.dropped = 0
        self.failures = 0

    def start(self) -> SuggestionLog:
        """Start the writer thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="suggestion-log", daemon=True)
            self._thread.start()
        return self

    def add(self, records: Sequence[SuggestionRecord]) -> None:
        """Queue ``records`` for writing (never blocks on the database)."""
        if records:
            with self._lock:
                self._buffer.extend(records)
                self._trim()

    def _trim(self) -> None:
        overflow = len(self._buffer) - self.max_buffered
        if overflow > 0:
            for _ in range(overflow):
                self._buffer.popleft()
            self.dropped += overflow
            log.warning(
                "suggestions log: buffer full (%d rows), dropped the %d oldest unwritten rows",
                self.max_buffered,
                overflow,
            )

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._buffer)

    def flush(self) -> int:
        """Write everything buffered now; returns how many rows were written (0 on failure,
        when the rows go back to the buffer for the next try)."""
        with self._lock:
            batch = list(self._buffer)
            self._buffer.clear()
        if not batch:
            return 0
        try:
            record_suggestions(self.engine, batch)
        except SQLAlchemyError as exc:
            with self._lock:
                self.failures += 1
                self._buffer.extendleft(reversed(batch))
                self._trim()
            log.warning(
                "suggestions log: could not write %d rows (kept for the next try): %s",
                len(batch),
                exc.__class__.__name__,
            )
            return 0
        self.written += len(batch)
        return len(batch)

    def _run(self) -> None:
        while not self._stop.wait(self.flush_s):
            self.flush()

    def close(self) -> None:
        """Stop the thread and write what is left."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=max(self.flush_s * 2, 5.0))
            self._thread = None
        self.flush()
