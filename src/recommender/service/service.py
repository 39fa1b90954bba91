"""The recommender service: one object the JSON API, the web console and Python callers share.

:class:`RecommenderService` starts the serving state (database, model, snapshot), runs the
background threads (model polling, database sync, history refresh), and offers every operation
as a plain method returning the dataclasses of :mod:`recommender.service.results`. It knows
nothing of HTTP: errors are :mod:`recommender.service.errors`, which callers map as they see fit.
The work is done by small parts sharing one :class:`~recommender.service.state.ServingState`:

- :mod:`~recommender.service.snapshot`: what a request reads, and how it is built;
- :mod:`~recommender.service.watcher`: the model source, loading and swapping models;
- :mod:`~recommender.service.recommending`: recommendations and their explanations;
- :mod:`~recommender.service.plans`: cohort matching plans;
- :mod:`~recommender.service.writes` and :mod:`~recommender.service.changes`: people and
  pairings, written through ``store/`` and applied to the snapshot.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from recommender.config import Settings, get_settings
from recommender.data.contract import TABLES, Programme
from recommender.features.context import People
from recommender.features.embeddings import TextEncoder
from recommender.features.pairs import PairFeaturizer
from recommender.ranking.index import CandidateFilters
from recommender.service import recommending
from recommender.service.changes import Changes
from recommender.service.plans import Plans
from recommender.service.results import (
    MatchingPlan,
    ModelInfo,
    Page,
    PlanConfirmation,
    Readiness,
    Recommendation,
    ReloadOutcome,
    Row,
)
from recommender.service.snapshot import Snapshot, assemble, warm
from recommender.service.state import Clock, ServingState
from recommender.service.watcher import ModelLoader, ModelWatcher, ReloadStatus
from recommender.service.writes import Records
from recommender.store import rows as db
from recommender.store.db import make_engine, upgrade
from recommender.store.io import read_programme_from_db
from recommender.store.keys import KeyVerifier, parse_static_keys

__all__ = ["RecommenderService"]

log = logging.getLogger("recommender.service")


class RecommenderService:
    """The recommender behind the HTTP API and the console (every method is plain Python).

    ``encoder`` overrides the configured embedding model (tests inject a fast one);
    ``model_loader`` replaces :func:`recommender.loading.load_ranker`; ``clock`` returns "now".
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        encoder: TextEncoder | None = None,
        engine: Engine | None = None,
        model_loader: ModelLoader | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        self.state = ServingState(self.settings, clock)
        self._owns_engine = engine is None
        if engine is not None:
            self.state.attach(engine)
        self.watcher = ModelWatcher(self.state, encoder=encoder, loader=model_loader)
        self.changes = Changes(self.state)
        self.records = Records(self.state, self.changes)
        self.plans = Plans(self.state, self.changes)
        self.keys: KeyVerifier | None = None
        self.started_at: datetime | None = None
        self.sync_error: str | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # ----------------------------------------------------------------------- state
    @property
    def engine(self) -> Engine:
        return self.state.engine

    @property
    def is_started(self) -> bool:
        """Whether :meth:`start` has built the serving state."""
        return self.state.is_started

    @property
    def snapshot(self) -> Snapshot:
        return self.state.snapshot

    @property
    def encoder(self) -> TextEncoder:
        return self.snapshot.context.encoder

    @property
    def source(self) -> str:
        """Where the served model comes from (a registry alias, a run, a folder)."""
        return self.watcher.source

    @property
    def reload_status(self) -> ReloadStatus:
        return self.watcher.status

    def now(self) -> pd.Timestamp:
        return self.state.now()

    def read_programme(self) -> Programme:
        """The whole programme as the database holds it now."""
        return read_programme_from_db(self.engine)

    # ----------------------------------------------------------------------- lifecycle
    def start(self) -> None:
        """Connect and migrate the database, load the model and build the serving state
        (blocking; minutes with a real embedding model and a large uncached programme)."""
        started = time.perf_counter()
        settings = self.settings
        if not self.state.has_engine:
            self.state.attach(make_engine(settings.database_url))
        engine = self.engine
        upgrade(engine)  # the programme schema and the service's own tables
        self.keys = KeyVerifier(
            engine, cache_s=settings.api_key_cache_s, static=parse_static_keys(settings.api_keys)
        )
        # Hashes first: a row changed between the two reads is re-read by the next sync.
        with engine.connect() as connection:
            self.state.hashes = {name: db.read_hashes(connection, name) for name in TABLES}
        programme = self.read_programme()
        ranker, fingerprint, encoder = self.watcher.initial()
        featurizer = ranker.featurizer if ranker is not None else PairFeaturizer().fit(programme)
        context = featurizer.prepare(programme, encoder)
        now = self.now()
        snap = assemble(
            generation=1,
            ranker=ranker,
            featurizer=featurizer,
            context=context,
            source=self.source,
            fingerprint=fingerprint,
            now=now,
            retrieval_n=settings.retrieval_n,
        )
        warm(snap, now, all_skills=True)
        self.state.publish(snap)
        self.started_at = now.to_pydatetime()
        model = snap.model
        log.info(
            "serving %d mentors and %d mentees with %s (started in %.1f s)",
            len(context.mentors),
            len(context.mentees),
            model.scorer + (f" version {model.version}" if model.version else ""),
            time.perf_counter() - started,
        )

    def start_background(self) -> None:
        """Start the history refresher, the model poller and the database sync threads."""
        self._stop.clear()
        workers: list[tuple[str, Callable[[], None]]] = [("history-refresh", self._refresh_loop)]
        if self.settings.model_poll_s > 0:
            workers.append(("model-poll", self._poll_loop))
        if self.settings.data_sync_s > 0:
            workers.append(("data-sync", self._sync_loop))
        for name, target in workers:
            thread = threading.Thread(target=target, name=f"recommender-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def close(self) -> None:
        """Stop background threads and release the database."""
        self._stop.set()
        self.changes.refresh_wanted.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads.clear()
        if self._owns_engine and self.state.has_engine:
            self.engine.dispose()

    def _refresh_loop(self) -> None:
        changes = self.changes
        while not self._stop.is_set():
            changes.refresh_wanted.wait()
            if self._stop.is_set():
                return
            changes.refresh_wanted.clear()
            try:
                done = changes.refresh_history()
            except Exception:
                log.exception("history refresh failed; the previous history index keeps serving")
                done = True
            if not done:
                changes.refresh_wanted.set()
            elif not changes.refresh_wanted.is_set():
                changes.refresh_idle.set()

    def _sync_loop(self) -> None:
        while not self._stop.wait(self.settings.data_sync_s):
            try:
                self.sync_data()
                self.sync_error = None
            except Exception as exc:
                self.sync_error = str(exc)
                log.warning("database sync failed: %s", exc)

    def _poll_loop(self) -> None:
        while not self._stop.wait(self.settings.model_poll_s):
            try:
                self.reload("poll", only_if_changed=True)
            except Exception:
                log.exception("model poll failed")

    # ----------------------------------------------------------------------- operations
    def readiness(self) -> Readiness:
        """Whether the service can answer, and the checks behind it."""
        snap = self.state.current
        database: dict[str, Any] = {"ok": False, "error": None}
        if self.state.has_engine:
            try:
                with self.engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
                database["ok"] = True
            except SQLAlchemyError as exc:
                from recommender.store.db import describe_database_error

                database["error"] = describe_database_error(exc)
        model_loaded = snap is not None and snap.ranker is not None
        problems = []
        if snap is None:
            problems.append("still starting")
        if not database["ok"]:
            problems.append("database unreachable")
        if snap is not None and not model_loaded and self.settings.require_model:
            problems.append("no trained model loaded (require_model is set)")
        return Readiness(
            ready=not problems,
            problems=problems,
            database=database,
            model={
                "loaded": model_loaded,
                "scorer": snap.model.scorer if snap else None,
                "version": snap.model.version if snap else None,
                "source": self.source,
                "last_reload": asdict(self.watcher.last()),
            },
            mentors=len(snap.context.mentors) if snap else 0,
            mentees=len(snap.context.mentees) if snap else 0,
            history_stale=snap.history_stale if snap else None,
            sync_error=self.sync_error,
        )

    def model_info(self) -> ModelInfo:
        """The model being served, when it was loaded and the latest load attempt."""
        snap = self.snapshot
        return ModelInfo(
            **asdict(snap.model), loaded_at=snap.loaded_at, last_reload=self.watcher.last()
        )

    def reload(self, reason: str = "admin", *, only_if_changed: bool = False) -> ReloadOutcome:
        """Load the model source and swap it in; the old model stays if loading fails."""
        return self.watcher.reload(self.read_programme, reason, only_if_changed=only_if_changed)

    def refresh_history(self) -> bool:
        """Rebuild the history index from the current pairings and swap it in (False when a
        newer change arrived meanwhile: call again)."""
        return self.changes.refresh_history()

    def flush(self, timeout: float = 60.0) -> bool:
        """Wait until no history refresh is pending (tests, graceful shutdown)."""
        if not self._threads:  # no background thread: refresh here
            self.changes.refresh_until_current()
            return True
        return self.changes.refresh_idle.wait(timeout)

    def sync_data(self) -> dict[str, int]:
        """Pick up rows changed in the database by anyone else; rows changed per table."""
        return self.changes.sync_data()

    # ----------------------------------------------------------------------- recommendations
    def recommend(
        self,
        *,
        mentee_id: str | None = None,
        profile: dict[str, Any] | None = None,
        k: int = 10,
        filters: CandidateFilters | None = None,
    ) -> Recommendation:
        """Top-``k`` mentors with reasons for a known mentee or an inline ``profile`` (a mentees
        row without id). Raises NotFoundError for an unknown mentee."""
        return recommending.recommend(
            self.snapshot, self.now(), mentee_id=mentee_id, profile=profile, k=k, filters=filters
        )

    # ----------------------------------------------------------------------- matching
    def match(
        self,
        *,
        mentee_ids: list[str],
        mentor_ids: list[str] | None = None,
        exclusions: Iterable[tuple[str, str]] = (),
        exclude_mentor_ids: Iterable[str] = (),
        require_shared_language: bool = True,
        candidates_per_mentee: int | None = None,
        created_by: str | None = None,
    ) -> MatchingPlan:
        """A capacity-aware assignment for a cohort, stored as a pending plan."""
        return self.plans.match(
            mentee_ids=mentee_ids,
            mentor_ids=mentor_ids,
            exclusions=exclusions,
            exclude_mentor_ids=exclude_mentor_ids,
            require_shared_language=require_shared_language,
            candidates_per_mentee=candidates_per_mentee,
            created_by=created_by,
        )

    def get_plan(self, plan_id: str) -> MatchingPlan:
        return self.plans.get(plan_id)

    def confirm_plan(
        self, plan_id: str, *, status: str = "proposed", confirmed_by: str | None = None
    ) -> PlanConfirmation:
        """Write a pending plan's pairs to the pairings (all or none)."""
        return self.plans.confirm(plan_id, status=status, confirmed_by=confirmed_by)

    # ----------------------------------------------------------------------- people, pairings
    def get_person(self, table: People, person_id: str) -> Row:
        return self.records.get_person(table, person_id)

    def list_people(self, table: People, offset: int, limit: int) -> Page:
        return self.records.list_people(table, offset, limit)

    def create_person(self, table: People, record: dict[str, Any]) -> Row:
        return self.records.create_person(table, record)

    def replace_person(
        self, table: People, person_id: str, record: dict[str, Any], *, merge: bool = False
    ) -> Row:
        return self.records.replace_person(table, person_id, record, merge=merge)

    def delete_person(self, table: People, person_id: str) -> None:
        self.records.delete_person(table, person_id)

    def get_pairing(self, pairing_id: str) -> Row:
        return self.records.get_pairing(pairing_id)

    def record_pairing(self, record: dict[str, Any]) -> Row:
        return self.records.record_pairing(record)

    def update_pairing(self, pairing_id: str, changes: dict[str, Any]) -> Row:
        return self.records.update_pairing(pairing_id, changes)
