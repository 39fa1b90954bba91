"""Applying data changes to the serving state: writes, the database sync, history refreshes.

The database is the source of truth: writes go to it first (:meth:`Changes.write`, through
``store/``), then into a new snapshot. A profile change re-embeds only that person and patches
the context's arrays and the retrieval signals in milliseconds
(:mod:`recommender.service.updates`, :func:`recommender.ranking.index.patch_signal_scorer`). A
pairing change takes effect at once where correctness needs it (the pair is never suggested
again; the mentor's place is taken, :mod:`recommender.ranking.capacity`), while the point-in-time
history index behind the history *features* is rebuilt apart (:meth:`Changes.refresh_history`,
by a background thread) and swapped in when ready. Changes made elsewhere (an import, another
replica) are picked up by comparing content hashes (:meth:`Changes.sync_data`).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace

import pandas as pd
from sqlalchemy.exc import IntegrityError

from recommender.data.contract import TABLES
from recommender.data.frames import coerce_frame
from recommender.ranking.explain import SuccessIndex
from recommender.ranking.index import SignalCache
from recommender.service.errors import ConflictError
from recommender.service.snapshot import warm
from recommender.service.state import ServingState
from recommender.service.updates import (
    upsert_mentees,
    upsert_mentors,
    with_history,
    with_pairings,
)
from recommender.store import rows as db
from recommender.store.io import upsert_table

__all__ = ["Changes", "TableChanges"]

log = logging.getLogger("recommender.service")

#: Per table: the upserted rows (a canonical frame, or None) and the deleted ids.
TableChanges = dict[str, tuple[pd.DataFrame | None, list[str]]]


class Changes:
    """Writes data through ``store/`` and applies it to ``state``'s snapshot."""

    def __init__(self, state: ServingState) -> None:
        self.state = state
        #: Set when the history index is behind the pairings; cleared by the refresher.
        self.refresh_wanted = threading.Event()
        #: Set while no history refresh is pending.
        self.refresh_idle = threading.Event()
        self.refresh_idle.set()

    def write(self, table: str, frame: pd.DataFrame) -> None:
        """Upsert canonical rows into the database, then into the serving state."""
        try:
            upsert_table(self.state.engine, table, frame)
        except IntegrityError as exc:
            raise ConflictError(f"the database refused the change: {exc.orig}") from exc
        self.apply({table: (frame, [])})

    def delete(self, table: str, row_id: str) -> None:
        """Delete one row from the database, then from the serving state."""
        db.delete_row(self.state.engine, table, row_id)
        self.apply({table: (None, [row_id])})

    def apply(self, changes: TableChanges) -> None:
        """Apply upserts and deletions per table to a new snapshot and publish it."""
        state = self.state
        with state.write_lock:
            snap = state.snapshot
            encoder = snap.context.encoder
            context, signals = snap.context, snap.signals
            successes = snap.successes
            stale = snap.history_stale
            now = state.now()
            if "mentors" in changes:
                rows, deletes = changes["mentors"]
                rows = rows if rows is not None else coerce_frame(TABLES["mentors"], [])
                context, remap = upsert_mentors(context, encoder, rows, deletes)
                signals = signals.patched(context, remap)
            if "mentees" in changes:
                rows, deletes = changes["mentees"]
                rows = rows if rows is not None else coerce_frame(TABLES["mentees"], [])
                touched = set(rows["mentee_id"]) | set(deletes)
                had_pairings = context.pairings["mentee_id"].isin(touched).any()
                context = upsert_mentees(context, encoder, rows, deletes)
                signals = signals.rebound(context)
                stale = stale or bool(had_pairings)  # their goals shape mentor centroids
            if "pairings" in changes:
                rows, deletes = changes["pairings"]
                old = context.pairings
                replaced = set(deletes)
                if rows is not None:
                    replaced |= set(rows["pairing_id"])
                kept = old[~old["pairing_id"].isin(replaced)]
                parts = [kept] + ([rows] if rows is not None and len(rows) else [])
                pairings = pd.concat(parts, ignore_index=True) if len(parts) > 1 else kept
                context = with_pairings(context, pairings.reset_index(drop=True))
                signals = signals.rebound(context)
                successes = SuccessIndex(context.pairings, snap.featurizer.policy)
                stale = True
            snap = replace(
                snap,
                generation=snap.generation + 1,
                context=context,
                signals=signals,
                successes=successes,
                history_stale=stale,
            )
            warm(snap, now)
            state.publish(snap)
            for table, (rows, deletes) in changes.items():
                known = state.hashes.setdefault(table, {})
                for row_id in deletes:
                    known.pop(row_id, None)
                if rows is not None and len(rows):
                    known.update(db.content_hashes(table, rows))
            if stale:
                self.refresh_idle.clear()
                self.refresh_wanted.set()

    def refresh_history(self) -> bool:
        """Rebuild the history index (and the signals built on it) from the current pairings
        and swap it in; False when a newer change arrived meanwhile (call again)."""
        state = self.state
        base = state.snapshot
        context = with_history(base.context, base.featurizer)
        now = state.now()
        candidate = replace(
            base,
            context=context,
            signals=SignalCache(context, base.retrieval.recent_days),
            history_stale=False,
        )
        warm(candidate, now)
        with state.write_lock:
            if state.snapshot.generation != base.generation:
                return False
            state.publish(replace(candidate, generation=base.generation + 1))
        return True

    def refresh_until_current(self) -> None:
        """Refresh the history here until it reflects every change (no background thread)."""
        while self.state.snapshot.history_stale:
            self.refresh_history()
        self.refresh_idle.set()

    def sync_data(self) -> dict[str, int]:
        """Pick up rows changed in the database by anyone else (imports, other replicas):
        compare content hashes, read only the changed rows, apply them like API writes.
        Returns how many rows changed per table."""
        state = self.state
        counts: dict[str, int] = {}
        with state.write_lock:
            with state.engine.connect() as connection:
                changes: TableChanges = {}
                for table in TABLES:
                    current = db.read_hashes(connection, table)
                    known = state.hashes.get(table, {})
                    changed = [i for i, h in current.items() if known.get(i) != h]
                    deleted = [i for i in known if i not in current]
                    if changed or deleted:
                        rows = db.read_rows(connection, table, changed) if changed else None
                        changes[table] = (rows, deleted)
                        counts[table] = len(changed) + len(deleted)
            if changes:
                self.apply(changes)
                log.info("picked up database changes: %s", counts)
        return counts
