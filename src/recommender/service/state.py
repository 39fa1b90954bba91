"""The serving state: one immutable :class:`Snapshot` that requests read, replaced as a whole.

Design
    Every request takes ``service.snapshot`` once and uses only that object, so it never sees
    half an update. Writers (profile and pairing changes, the database sync, model reloads,
    history refreshes) build a new snapshot beside the old one and publish it with a single
    reference assignment under one write lock; the old one lives on until its last request ends.
    Readers never take a lock.

Incremental updates
    A profile change re-embeds only that person and patches the context's arrays, the mentor
    index and the retrieval signals (:mod:`recommender.service.updates`,
    :func:`recommender.ranking.index.patch_signal_scorer`) in milliseconds. A pairing change
    takes effect at once where it matters for correctness (the pair is never suggested again;
    the mentor's place is taken, see :mod:`recommender.ranking.capacity`), while the
    point-in-time history index behind the history *features* is rebuilt by a background thread
    and swapped in when ready (seconds for 100,000 pairings; the old features serve meanwhile).

Model reloads
    The configured source (default ``models:/<name>@champion``) is polled; a changed version is
    loaded beside the serving one and swapped in atomically. If it fails to load, the old model
    keeps serving and :meth:`RecommenderService.readiness` and the logs say why.

The database is the source of truth: API writes go to it first; changes made elsewhere (an
import, another replica) are picked up by comparing content hashes every ``data_sync_s``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from recommender.config import Settings, get_settings
from recommender.data.contract import MENTEES, TABLES
from recommender.data.frames import coerce_frame
from recommender.data.load import derive_pairing_id
from recommender.features.context import FeatureContext, People
from recommender.features.embeddings import TextEncoder
from recommender.features.history import STATS
from recommender.features.pairs import PairFeaturizer, person_sets
from recommender.models import MentorRanker
from recommender.ranking.capacity import remaining_at
from recommender.ranking.explain import (
    Explanation,
    SuccessIndex,
    explain_pair,
    family_contributions,
)
from recommender.ranking.index import CandidateFilters, MentorIndex, SignalCache, mentor_index
from recommender.ranking.matching import MatchingRules, match_cohort, scaled_retrieval
from recommender.ranking.recommend import rank_requests
from recommender.ranking.retrieval import RetrievalConfig, eligibility, snapshot_times
from recommender.ranking.scoring import RulesScorer, Scorer
from recommender.service.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    NotReadyError,
)
from recommender.service.source import (
    describe,
    model_source,
    ranker_fingerprint,
    source_fingerprint,
)
from recommender.service.updates import (
    inline_mentee_context,
    upsert_mentees,
    upsert_mentors,
    with_history,
    with_pairings,
)
from recommender.store import rows as db
from recommender.store.db import make_engine, upgrade
from recommender.store.io import read_programme_from_db, upsert_table
from recommender.store.keys import KeyVerifier, parse_static_keys
from recommender.store.plans import claim_plan, get_plan, release_plan, save_plan

log = logging.getLogger("recommender.service")

PEOPLE = {"mentors": "mentor_id", "mentees": "mentee_id"}
# The profile fields explanations quote.
_MENTEE_FIELDS = (
    "skills_wanted",
    "languages",
    "interests",
    "department",
    "location",
    "mentoring_type",
)
_MENTOR_FIELDS = ("skills", "languages", "interests", "department", "location")
_RECORD_FIELDS = {"mentees": _MENTEE_FIELDS, "mentors": (*_MENTOR_FIELDS, "title")}
ModelLoader = Callable[[str], MentorRanker]


@dataclass(frozen=True)
class Snapshot:
    """Everything one request needs, never changed after publication."""

    generation: int
    scorer: Scorer
    ranker: MentorRanker | None
    featurizer: PairFeaturizer
    retrieval: RetrievalConfig
    context: FeatureContext
    signals: SignalCache
    #: Each mentor's successful pairings (explanations).
    successes: SuccessIndex
    model: dict[str, Any]
    #: Fingerprint of the model source the ranker came from (see service.source).
    fingerprint: str | None
    loaded_at: datetime
    #: Pairings or mentee goals changed since the history index was built.
    history_stale: bool = False

    @property
    def index(self) -> MentorIndex:
        """The request filters' mentor index (cached on the context)."""
        return mentor_index(self.context)


@dataclass
class ReloadStatus:
    """The latest model load attempt."""

    at: datetime | None = None
    ok: bool | None = None
    error: str | None = None
    reason: str | None = None
    counts: dict[str, int] = field(default_factory=lambda: {"ok": 0, "failed": 0, "unchanged": 0})

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat() if self.at else None,
            "ok": self.ok,
            "error": self.error,
            "reason": self.reason,
        }


def _record_columns(context: FeatureContext, table: People) -> dict[str, np.ndarray]:
    """The fields explanations and result rows quote, as whole object columns (built once per
    context: per-request DataFrame cell lookups cost ~0.1 ms each)."""
    frame = context.mentees if table == "mentees" else context.mentors
    return context.derive(
        f"records.{table}",
        (table,),
        lambda: {f: frame[f].to_numpy(dtype=object) for f in _RECORD_FIELDS[table]},
    )


def _records(
    context: FeatureContext, table: People, ids: np.ndarray, fields: tuple[str, ...]
) -> list[dict[str, Any]]:
    """The ``fields`` of the people ``ids`` of ``table`` in ``context``, as dicts."""
    columns = _record_columns(context, table)
    return [{f: columns[f][p] for f in fields} for p in context.positions(table, ids)]


class RecommenderService:
    """The recommender behind the HTTP API (usable without it: every method is plain Python).

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
        clock: Callable[[], pd.Timestamp] | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        self._encoder_override = encoder
        self._engine = engine
        self._owns_engine = engine is None
        self._loader = model_loader
        self._clock = clock or (lambda: pd.Timestamp.now(tz="UTC"))
        self._snapshot: Snapshot | None = None
        self._hashes: dict[str, dict[str, str]] = {}
        self._write_lock = threading.RLock()
        self._reload_lock = threading.Lock()
        self.reload_status = ReloadStatus()
        self.source = model_source(self.settings)
        self.keys: KeyVerifier | None = None
        self.started_at: datetime | None = None
        self._stop = threading.Event()
        self._refresh_wanted = threading.Event()
        self._refresh_idle = threading.Event()
        self._refresh_idle.set()
        self._threads: list[threading.Thread] = []
        self.sync_error: str | None = None
        #: Fingerprint of a source version that failed to load: not retried until it changes.
        self._failed_fingerprint: str | None = None

    # ----------------------------------------------------------------------- lifecycle
    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise NotReadyError("the service has not started")
        return self._engine

    @property
    def is_started(self) -> bool:
        """Whether :meth:`start` has built the serving state."""
        return self._snapshot is not None

    @property
    def snapshot(self) -> Snapshot:
        snap = self._snapshot
        if snap is None:
            raise NotReadyError("the service is still starting")
        return snap

    @property
    def encoder(self) -> TextEncoder:
        return self.snapshot.context.encoder

    def now(self) -> pd.Timestamp:
        return self._clock()

    def start(self) -> None:
        """Connect and migrate the database, load the model and build the serving state
        (blocking; minutes with a real embedding model and a large uncached programme)."""
        started = time.perf_counter()
        settings = self.settings
        if self._engine is None:
            self._engine = make_engine(settings.database_url)
        upgrade(self._engine)  # the programme schema and the service's own tables
        self.keys = KeyVerifier(
            self._engine,
            cache_s=settings.api_key_cache_s,
            static=parse_static_keys(settings.api_keys),
        )
        # Hashes first: a row changed between the two reads is re-read by the next sync.
        with self._engine.connect() as connection:
            self._hashes = {name: db.read_hashes(connection, name) for name in TABLES}
        programme = read_programme_from_db(self._engine)
        ranker, fingerprint = self._try_load("start")
        encoder = self._encoder_for(ranker)
        if ranker is not None and encoder is None:
            self._failed_fingerprint = fingerprint
            ranker, fingerprint, encoder = None, None, self._default_encoder()
        elif ranker is not None:
            self._record_reload(True, None, "start")
        assert encoder is not None
        featurizer = ranker.featurizer if ranker is not None else PairFeaturizer().fit(programme)
        context = featurizer.prepare(programme, encoder)
        now = self.now()
        snap = self._assemble(
            generation=1,
            ranker=ranker,
            featurizer=featurizer,
            context=context,
            fingerprint=fingerprint,
            now=now,
        )
        self._warm(snap, now, all_skills=True)
        self._snapshot = snap
        self.started_at = now.to_pydatetime()
        log.info(
            "serving %d mentors and %d mentees with %s (started in %.1f s)",
            len(context.mentors),
            len(context.mentees),
            snap.model["scorer"]
            + (f" version {snap.model['version']}" if snap.model["version"] else ""),
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
        self._refresh_wanted.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads.clear()
        if self._owns_engine and self._engine is not None:
            self._engine.dispose()

    # ----------------------------------------------------------------------- model
    def _default_encoder(self) -> TextEncoder:
        if self._encoder_override is not None:
            return self._encoder_override
        from recommender.features.embeddings import get_encoder

        return get_encoder(self.settings)

    def _encoder_for(self, ranker: MentorRanker | None) -> TextEncoder | None:
        """The encoder ``ranker`` needs (None, with the error recorded, when unavailable)."""
        if ranker is None:
            return self._default_encoder()
        from recommender.loading import encoder_for
        from recommender.models import ModelLoadError

        try:
            return encoder_for(ranker, self.settings, default=self._encoder_override)
        except ModelLoadError as exc:
            self._record_reload(False, str(exc), "start")
            log.error("model refused: %s", exc)
            return None

    def _load(self, source: str) -> MentorRanker:
        if self._loader is not None:
            return self._loader(source)
        from recommender.loading import load_ranker

        return load_ranker(source, tracking_uri=self.settings.mlflow_tracking_uri)

    def _fingerprint(self) -> str | None:
        return source_fingerprint(self.source, self.settings.mlflow_tracking_uri)

    def _try_load(self, reason: str) -> tuple[MentorRanker | None, str | None]:
        from recommender.models import ModelLoadError
        from recommender.registry import RegistryError

        before: str | None = None
        try:
            before = self._fingerprint()
            ranker = self._load(self.source)
        except (ModelLoadError, RegistryError, OSError) as exc:
            message = f"cannot load {self.source}: {exc}"
            self._record_reload(False, message, reason)
            self._failed_fingerprint = before
            log.warning(
                "%s; serving %s", message, "the previous model or the embedding+rules score"
            )
            return None, None
        return ranker, ranker_fingerprint(ranker, before)

    def _record_reload(self, ok: bool, error: str | None, reason: str) -> None:
        status = self.reload_status
        status.at = self.now().to_pydatetime()
        status.ok, status.error, status.reason = ok, error, reason
        status.counts["ok" if ok else "failed"] += 1

    def reload(self, reason: str = "admin", *, only_if_changed: bool = False) -> dict[str, Any]:
        """Load the model source beside the serving model and swap it in; keep the old one if
        loading fails. With ``only_if_changed`` nothing is loaded unless the source's fingerprint
        differs from the serving model's. Returns what happened."""
        with self._reload_lock:
            current = self.snapshot
            if only_if_changed:
                try:
                    fingerprint = self._fingerprint()
                except Exception as exc:  # registry down: keep serving, try next time
                    log.warning("cannot check %s for a new model: %s", self.source, exc)
                    return {"reloaded": False, "error": str(exc), "model": current.model}
                if fingerprint in (None, current.fingerprint, self._failed_fingerprint):
                    # Unchanged, or the version that already failed: try again when it changes.
                    self.reload_status.counts["unchanged"] += 1
                    return {"reloaded": False, "error": None, "model": current.model}
                log.info("model source %s changed (%s): reloading", self.source, fingerprint)
            ranker, fingerprint = self._try_load(reason)
            if ranker is None:
                return {
                    "reloaded": False,
                    "error": self.reload_status.error,
                    "model": current.model,
                }
            try:
                snap = self._swap_model(ranker, fingerprint)
            except Exception as exc:  # incompatible with the serving data: keep the old model
                message = f"cannot serve {self.source}: {exc}"
                self._record_reload(False, message, reason)
                self._failed_fingerprint = fingerprint
                log.error("%s; the previous model keeps serving", message)
                return {"reloaded": False, "error": message, "model": current.model}
            self._record_reload(True, None, reason)
            self._failed_fingerprint = None
            log.info("now serving %s version %s", snap.model["scorer"], snap.model["version"])
            return {"reloaded": True, "error": None, "model": snap.model}

    def _swap_model(self, ranker: MentorRanker, fingerprint: str | None) -> Snapshot:
        from recommender.loading import encoder_for

        current = self.snapshot
        encoder = encoder_for(
            ranker, self.settings, default=self._encoder_override or current.context.encoder
        )
        same_policy = (
            ranker.featurizer.policy.model_dump() == current.featurizer.policy.model_dump()
        )
        now = self.now()
        with self._write_lock:
            base = self.snapshot
            if encoder.model_id != base.context.encoder.model_id:
                # Another embedding model: every vector changes, so rebuild from the database,
                # holding off writes meanwhile (reads go on against the old snapshot).
                context = ranker.featurizer.prepare(read_programme_from_db(self.engine), encoder)
            else:
                context = base.context
                if not same_policy:  # the history index encodes the label policy
                    context = with_history(base.context, ranker.featurizer)
            snap = self._assemble(
                generation=base.generation + 1,
                ranker=ranker,
                featurizer=ranker.featurizer,
                context=context,
                fingerprint=fingerprint,
                now=now,
                signals=base.signals if context is base.context else None,
                successes=base.successes
                if context.pairings is base.context.pairings and same_policy
                else None,
                history_stale=base.history_stale and context is base.context,
            )
            self._warm(snap, now)
            self._snapshot = snap
        return snap

    def _assemble(
        self,
        *,
        generation: int,
        ranker: MentorRanker | None,
        featurizer: PairFeaturizer,
        context: FeatureContext,
        fingerprint: str | None,
        now: pd.Timestamp,
        signals: SignalCache | None = None,
        successes: SuccessIndex | None = None,
        history_stale: bool = False,
    ) -> Snapshot:
        retrieval = ranker.retrieval if ranker is not None else RetrievalConfig()
        if self.settings.retrieval_n is not None:
            retrieval = scaled_retrieval(retrieval, self.settings.retrieval_n)
        if signals is None or signals.recent_days != retrieval.recent_days:
            signals = SignalCache(context, retrieval.recent_days)
        return Snapshot(
            generation=generation,
            scorer=ranker if ranker is not None else RulesScorer(),
            ranker=ranker,
            featurizer=featurizer,
            retrieval=retrieval,
            context=context,
            signals=signals,
            successes=successes
            if successes is not None
            else SuccessIndex(context.pairings, featurizer.policy),
            model=describe(ranker, self.source),
            fingerprint=fingerprint,
            loaded_at=now.to_pydatetime(),
            history_stale=history_stale,
        )

    def _warm(self, snap: Snapshot, now: pd.Timestamp, *, all_skills: bool = False) -> None:
        """Build what the first request would otherwise build: retrieval's per-mentor arrays,
        the current snapshot's signals, the per-person sets of the features and (at start) the
        skill-name vectors."""
        context = snap.context
        empty = pd.DataFrame(
            {"mentee_id": pd.Series(dtype=object), "as_of": pd.Series(dtype="datetime64[ns, UTC]")}
        )
        eligibility(context, empty)
        snap.signals(
            context, int(snapshot_times(pd.Series([now]), snap.retrieval.snapshot_days)[0])
        )
        if len(context.mentors) and len(context.mentees):
            # One pair builds the per-person sets the features use (cached on the context).
            pair = pd.DataFrame(
                {
                    "mentee_id": pd.Series([context.mentees.index[0]], dtype=object),
                    "mentor_id": pd.Series([context.mentors.index[0]], dtype=object),
                    "as_of": now,
                }
            )
            snap.featurizer.transform(pair, context)
            # The columns explanations and result rows read (built here, not by the first
            # request thread: other threads copy ``derived`` while deriving new contexts).
            _record_columns(context, "mentees")
            _record_columns(context, "mentors")
        if all_skills:
            from recommender.features.text import skill_set

            offered = sorted(set().union(*map(skill_set, context.mentors["skills"]), set()))
            wanted = sorted(set().union(*map(skill_set, context.mentees["skills_wanted"]), set()))
            context.skill_matrix(offered, "document")
            context.skill_matrix(wanted, "query")

    # ----------------------------------------------------------------------- readiness
    def readiness(self) -> tuple[bool, dict[str, Any]]:
        """Whether the service can answer, and the checks behind it."""
        snap = self._snapshot
        database: dict[str, Any] = {"ok": False, "error": None}
        if self._engine is not None:
            try:
                with self._engine.connect() as connection:
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
        body = {
            "ready": not problems,
            "problems": problems,
            "database": database,
            "model": {
                "loaded": model_loaded,
                "scorer": snap.model["scorer"] if snap else None,
                "version": snap.model["version"] if snap else None,
                "source": self.source,
                "last_reload": self.reload_status.to_dict(),
            },
            "mentors": len(snap.context.mentors) if snap else 0,
            "mentees": len(snap.context.mentees) if snap else 0,
            "history_stale": snap.history_stale if snap else None,
            "sync_error": self.sync_error,
        }
        return not problems, body

    # ----------------------------------------------------------------------- recommendations
    def recommend(
        self,
        *,
        mentee_id: str | None = None,
        profile: dict[str, Any] | None = None,
        k: int = 10,
        filters: CandidateFilters | None = None,
    ) -> dict[str, Any]:
        """Top-``k`` mentors with reasons for a known mentee or an inline ``profile`` (a mentees
        row without id). Raises NotFoundError for an unknown mentee."""
        if (mentee_id is None) == (profile is None):
            raise InvalidInputError("give exactly one of mentee_id or profile", loc=("body",))
        snap = self.snapshot
        now = self.now()
        filters = filters or CandidateFilters()
        if mentee_id is not None:
            context = snap.context
            position = int(context.mentees.index.get_indexer(pd.Index([mentee_id]))[0])
            if position < 0:
                raise NotFoundError(
                    f"mentee {mentee_id!r} is not in the programme", loc=("body", "mentee_id")
                )
            query_id = mentee_id
            timezone = float(context.mentee_tz[position])
        else:
            # Named by its content: the same profile gets the same tie-breaks in retrieval
            # (top_k_columns), hence the same answer, on every request.
            content = json.dumps(profile or {}, sort_keys=True, default=str)
            query_id = f"inline-{hashlib.sha256(content.encode('utf-8')).hexdigest()[:32]}"
            row = coerce_frame(MENTEES, [{**(profile or {}), "mentee_id": query_id}])
            context = inline_mentee_context(snap.context, row)
            timezone = float(context.mentee_tz[0])
        mask = snap.index.mask(filters, timezone)
        retrieval = snap.retrieval.for_k(k)
        queries = pd.DataFrame({"mentee_id": pd.Series([query_id], dtype=object), "as_of": now})
        ranked = rank_requests(
            snap.scorer,
            snap.featurizer,
            context,
            queries,
            k,
            retrieval,
            with_features=True,
            candidate_mask=mask,
            signals=snap.signals,
        )
        explanations = self._explain(snap, context, ranked, now)
        mentor_ids = ranked["mentor_id"].to_numpy(dtype=object)
        people = _records(context, "mentors", mentor_ids, ("title", "department"))
        results = [
            {
                "rank": rank,
                "mentor_id": str(mentor_id),
                "score": score,
                **person,
                "reasons": [r.to_dict() for r in explanation.reasons],
                "cautions": [r.to_dict() for r in explanation.cautions],
            }
            for mentor_id, rank, score, person, explanation in zip(
                mentor_ids,
                ranked["rank"].to_numpy().tolist(),
                ranked["score"].to_numpy(dtype=np.float64).tolist(),
                people,
                explanations,
                strict=True,
            )
        ]
        return {
            "mentee_id": mentee_id,
            "as_of": now.to_pydatetime(),
            "k": k,
            "model": snap.model,
            "note": None
            if snap.ranker is not None
            else "No trained model is loaded: mentors are ranked by the embedding+rules score "
            "(embedding similarity plus language, time-zone, seniority and load rules).",
            "eligible_mentors": int((mask & (remaining_at(snap.context, now) >= 1)).sum()),
            "results": results,
        }

    def _explain(
        self, snap: Snapshot, context: FeatureContext, rows: pd.DataFrame, as_of: pd.Timestamp
    ) -> list[Explanation]:
        if rows.empty:
            return []
        names = snap.featurizer.feature_names_
        features = rows[names].reset_index(drop=True)
        families = family_contributions(snap.scorer.contributions(features))
        family_names = list(families.columns)
        family_values = families.to_numpy()
        feature_values = features.to_numpy(dtype=np.float64)
        mentor_ids = rows["mentor_id"].to_numpy(dtype=object)
        secs = int(as_of.timestamp())
        track = context.history.stat_sums(mentor_ids, np.full(len(rows), secs, dtype=np.int64))
        track_rows = [dict(zip(STATS, values, strict=True)) for values in track.tolist()]
        programme = snap.context  # past mentees (an inline context lacks them)
        past_positions = programme.position_map("mentees")
        past_wanted = person_sets(programme, "mentees", "skills_wanted")

        def skills_of(mentee_id: str) -> frozenset[str]:
            position = past_positions.get(mentee_id)
            return past_wanted[position] if position is not None else frozenset()

        mentee_ids = rows["mentee_id"].to_numpy(dtype=object)
        mentee_rows = _records(context, "mentees", mentee_ids, _MENTEE_FIELDS)
        mentor_rows = _records(context, "mentors", mentor_ids, _MENTOR_FIELDS)
        out = []
        for i, mentor_id in enumerate(rows["mentor_id"]):
            mentee, mentor = mentee_rows[i], mentor_rows[i]
            wanted_skills: list[str] = mentee["skills_wanted"]
            similar = snap.successes.evidence(mentor_id, wanted_skills, secs, skills_of)
            out.append(
                explain_pair(
                    dict(zip(family_names, family_values[i], strict=True)),
                    dict(zip(names, feature_values[i], strict=True)),
                    mentee,
                    mentor,
                    track=track_rows[i],
                    similar=similar,
                )
            )
        return out

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
    ) -> dict[str, Any]:
        """A capacity-aware assignment for a cohort, stored as a pending plan (nothing is
        written to the pairings until :meth:`confirm_plan`)."""
        started = time.perf_counter()
        snap = self.snapshot
        context = snap.context
        if len(mentee_ids) > self.settings.matching_max_mentees:
            raise InvalidInputError(
                f"at most {self.settings.matching_max_mentees} mentees per matching, got "
                f"{len(mentee_ids)}",
                loc=("body", "mentee_ids"),
            )
        seen: set[str] = set()
        for i, mentee in enumerate(mentee_ids):
            if mentee in seen:
                raise InvalidInputError(
                    f"mentee {mentee!r} is listed twice", loc=("body", "mentee_ids", i)
                )
            seen.add(mentee)
            if mentee not in context.mentees.index:
                raise InvalidInputError(
                    f"mentee {mentee!r} is not in the programme", loc=("body", "mentee_ids", i)
                )
        if mentor_ids is not None:
            for i, mentor in enumerate(mentor_ids):
                if mentor not in context.mentors.index:
                    raise InvalidInputError(
                        f"mentor {mentor!r} is not in the programme", loc=("body", "mentor_ids", i)
                    )
        now = self.now()
        rules = MatchingRules(
            mentor_ids=tuple(mentor_ids) if mentor_ids is not None else None,
            exclusions=frozenset(exclusions),
            exclude_mentor_ids=frozenset(exclude_mentor_ids),
            require_shared_language=require_shared_language,
        )
        result = match_cohort(
            snap.scorer,
            snap.featurizer,
            context,
            snap.index,
            mentee_ids,
            rules,
            as_of=now,
            retrieval=snap.retrieval,
            candidates_per_mentee=candidates_per_mentee or self.settings.matching_candidates,
            signals=snap.signals,
        )
        pairs = result.pairs
        explanations: list[Explanation] = []
        if len(pairs):
            explanations = self._explain(snap, context, pairs, now)
        plan_id = uuid.uuid4().hex
        expires = now + pd.Timedelta(seconds=self.settings.matching_plan_ttl_s)
        plan = {
            "plan_id": plan_id,
            "status": "pending",
            "created_at": now.isoformat(),
            "expires_at": expires.isoformat(),
            "model": snap.model,
            "rules": {
                "mentor_ids": mentor_ids,
                "exclusions": [list(e) for e in sorted(rules.exclusions)],
                "exclude_mentor_ids": sorted(rules.exclude_mentor_ids),
                "require_shared_language": require_shared_language,
            },
            "pairs": [
                {
                    "mentee_id": str(row["mentee_id"]),
                    "mentor_id": str(row["mentor_id"]),
                    "score": float(row["score"]),
                    "choice": int(row["choice"]),
                    "reasons": [r.to_dict() for r in explanation.reasons],
                    "cautions": [r.to_dict() for r in explanation.cautions],
                }
                for (_, row), explanation in zip(pairs.iterrows(), explanations, strict=True)
            ],
            "unmatched": result.unmatched,
            "mentor_load": [
                {
                    "mentor_id": str(r["mentor_id"]),
                    "group": r["group"] if isinstance(r["group"], str) else None,
                    "capacity": None if np.isinf(r["capacity"]) else int(r["capacity"]),
                    "load_before": int(r["load_before"]),
                    "assigned": int(r["assigned"]),
                    "load_after": int(r["load_after"]),
                }
                for _, r in result.mentor_load.iterrows()
            ],
            "exposure": result.exposure,
            "stats": {**result.stats, "seconds": round(time.perf_counter() - started, 3)},
        }
        save_plan(
            self.engine,
            plan_id,
            plan,
            expires_at=expires.to_pydatetime(),
            created_by=created_by,
            created_at=now.to_pydatetime(),
        )
        return plan

    def get_plan(self, plan_id: str) -> dict[str, Any]:
        record = get_plan(self.engine, plan_id)
        if record is None:
            raise NotFoundError(f"no matching plan {plan_id!r}")
        plan = dict(record.plan)
        plan["status"] = "expired" if record.expired(self.now().to_pydatetime()) else record.status
        plan["confirmed_at"] = record.confirmed_at.isoformat() if record.confirmed_at else None
        return plan

    def confirm_plan(
        self, plan_id: str, *, status: str = "proposed", confirmed_by: str | None = None
    ) -> dict[str, Any]:
        """Write a pending plan's pairs to the pairings (all or none), after checking that every
        mentor still has the places the plan uses."""
        record = get_plan(self.engine, plan_id)
        if record is None:
            raise NotFoundError(f"no matching plan {plan_id!r}")
        now = self.now()
        if record.status != "pending":
            raise ConflictError(f"plan {plan_id} was already confirmed at {record.confirmed_at}")
        if record.expired(now.to_pydatetime()):
            raise ConflictError(
                f"plan {plan_id} expired at {record.expires_at.isoformat()}; run the matching again"
            )
        pairs = record.plan.get("pairs", [])
        with self._write_lock:
            snap = self.snapshot
            conflicts = self._plan_conflicts(snap, pairs, now)
            if conflicts:
                raise ConflictError(
                    f"the programme changed since plan {plan_id} was made: {len(conflicts)} of "
                    "its pairs are no longer possible; run the matching again",
                    extra={"conflicts": conflicts},
                )
            if not claim_plan(self.engine, plan_id, confirmed_by):
                raise ConflictError(f"plan {plan_id} is no longer pending")
            frame = coerce_frame(
                TABLES["pairings"],
                [
                    {
                        "pairing_id": derive_pairing_id(p["mentor_id"], p["mentee_id"], now),
                        "mentor_id": p["mentor_id"],
                        "mentee_id": p["mentee_id"],
                        "created_at": now,
                        "status": status,
                    }
                    for p in pairs
                ],
            )
            try:
                self._write("pairings", frame)
            except Exception:
                release_plan(self.engine, plan_id)
                raise
        return {
            "plan_id": plan_id,
            "status": "confirmed",
            "confirmed_at": now.to_pydatetime(),
            "pairing_ids": [str(p) for p in frame["pairing_id"]],
        }

    def _plan_conflicts(
        self, snap: Snapshot, pairs: list[dict[str, Any]], now: pd.Timestamp
    ) -> list[dict[str, str]]:
        context, index = snap.context, snap.index
        remaining = remaining_at(context, now)
        wanted: dict[str, int] = {}
        conflicts = []
        for p in pairs:
            mentor, mentee = p["mentor_id"], p["mentee_id"]
            position = index.position.get(mentor)
            if position is None:
                conflicts.append({**p, "reason": "the mentor left the programme"})
                continue
            if mentee not in context.mentees.index:
                conflicts.append({**p, "reason": "the mentee left the programme"})
                continue
            if not bool(context.mentors["available"].iloc[position] is not False):
                conflicts.append({**p, "reason": "the mentor is no longer available"})
                continue
            if any(m == mentor for m, _ in context.previous_pairs(mentee)):
                conflicts.append({**p, "reason": "the pair has been recorded since"})
                continue
            wanted[mentor] = wanted.get(mentor, 0) + 1
            if wanted[mentor] > remaining[position]:
                conflicts.append({**p, "reason": "the mentor has no place left"})
        return [
            {k: str(v) for k, v in c.items() if k in ("mentee_id", "mentor_id", "reason")}
            for c in conflicts
        ]

    # ----------------------------------------------------------------------- people, pairings
    def get_person(self, table: str, person_id: str) -> dict[str, Any]:
        frame = self._people_frame(table)
        if person_id not in frame.index:
            raise NotFoundError(f"no {table[:-1]} {person_id!r}")
        position = int(frame.index.get_indexer(pd.Index([person_id]))[0])
        return db.row_to_dict(table, frame.iloc[position])

    def list_people(self, table: str, offset: int, limit: int) -> dict[str, Any]:
        frame = self._people_frame(table)
        page = frame.iloc[offset : offset + limit]
        return {"total": len(frame), "offset": offset, "items": db.frame_records(table, page)}

    def _people_frame(self, table: str) -> pd.DataFrame:
        snap = self.snapshot
        frame: pd.DataFrame = snap.context.mentors if table == "mentors" else snap.context.mentees
        return frame

    def create_person(self, table: str, record: dict[str, Any]) -> dict[str, Any]:
        """Insert a new mentor or mentee (ConflictError if the id exists)."""
        id_column = PEOPLE[table]
        frame = coerce_frame(TABLES[table], [record])
        person_id = str(frame[id_column].iloc[0])
        with self._write_lock:
            if db.exists(self.engine, table, person_id):
                raise ConflictError(
                    f"{table[:-1]} {person_id!r} already exists; use PUT or PATCH to change it",
                    loc=("body", id_column),
                )
            self._write(table, frame)
        return db.row_to_dict(table, frame.iloc[0])

    def replace_person(
        self, table: str, person_id: str, record: dict[str, Any], *, merge: bool = False
    ) -> dict[str, Any]:
        """Replace (or with ``merge``, update the given fields of) an existing person."""
        id_column = PEOPLE[table]
        with self._write_lock:
            current = db.read_row(self.engine, table, person_id)
            if current.empty:
                raise NotFoundError(f"no {table[:-1]} {person_id!r}")
            values = db.row_to_dict(table, current.iloc[0]) if merge else {}
            values.update(record)
            values[id_column] = person_id
            frame = coerce_frame(TABLES[table], [values])
            self._write(table, frame)
        return db.row_to_dict(table, frame.iloc[0])

    def delete_person(self, table: str, person_id: str) -> None:
        """Delete a person who has no pairings (their history would otherwise be lost)."""
        id_column = PEOPLE[table]
        with self._write_lock:
            if not db.exists(self.engine, table, person_id):
                raise NotFoundError(f"no {table[:-1]} {person_id!r}")
            count = db.pairings_of(self.engine, id_column, person_id)
            if count:
                advice = (
                    "set available to false to stop recommending them"
                    if table == "mentors"
                    else "their pairings are training data"
                )
                raise ConflictError(
                    f"{table[:-1]} {person_id!r} has {count} pairing(s) and cannot be deleted; "
                    + advice
                )
            db.delete_row(self.engine, table, person_id)
            self._apply({table: (None, [person_id])})

    def get_pairing(self, pairing_id: str) -> dict[str, Any]:
        frame = db.read_row(self.engine, "pairings", pairing_id)
        if frame.empty:
            raise NotFoundError(f"no pairing {pairing_id!r}")
        return db.row_to_dict("pairings", frame.iloc[0])

    def record_pairing(self, record: dict[str, Any]) -> dict[str, Any]:
        """Record a new pairing of known people (its id derived when not given)."""
        values = dict(record)
        values.setdefault("created_at", self.now())
        if values.get("created_at") is None:
            values["created_at"] = self.now()
        if not values.get("pairing_id"):
            values["pairing_id"] = derive_pairing_id(
                values["mentor_id"], values["mentee_id"], db.as_utc(values["created_at"])
            )
        frame = coerce_frame(TABLES["pairings"], [values])
        with self._write_lock:
            for column, table in (("mentor_id", "mentors"), ("mentee_id", "mentees")):
                if not db.exists(self.engine, table, str(values[column])):
                    raise InvalidInputError(
                        f"{column[:-3]} {values[column]!r} is not in the programme",
                        loc=("body", column),
                    )
            if values["mentor_id"] == values["mentee_id"]:
                raise InvalidInputError(
                    "a person cannot be paired with themself", loc=("body", "mentee_id")
                )
            pairing_id = str(frame["pairing_id"].iloc[0])
            if db.exists(self.engine, "pairings", pairing_id):
                raise ConflictError(f"pairing {pairing_id!r} already exists; PATCH it instead")
            self._write("pairings", frame)
        return db.row_to_dict("pairings", frame.iloc[0])

    def update_pairing(self, pairing_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change a pairing's status, rating, feedback or end date."""
        with self._write_lock:
            current = db.read_row(self.engine, "pairings", pairing_id)
            if current.empty:
                raise NotFoundError(f"no pairing {pairing_id!r}")
            values = db.row_to_dict("pairings", current.iloc[0])
            values.update(changes)
            ended, created = values.get("ended_at"), values.get("created_at")
            if ended is not None and created is not None and db.as_utc(ended) < db.as_utc(created):
                raise InvalidInputError(
                    "ended_at is before the pairing's created_at", loc=("body", "ended_at")
                )
            frame = coerce_frame(TABLES["pairings"], [values])
            self._write("pairings", frame)
        return db.row_to_dict("pairings", frame.iloc[0])

    def _write(self, table: str, frame: pd.DataFrame) -> None:
        """Upsert canonical rows into the database, then into the serving state."""
        try:
            upsert_table(self.engine, table, frame)
        except IntegrityError as exc:
            raise ConflictError(f"the database refused the change: {exc.orig}") from exc
        self._apply({table: (frame, [])})

    # ----------------------------------------------------------------------- applying changes
    def _apply(self, changes: dict[str, tuple[pd.DataFrame | None, list[str]]]) -> None:
        """Apply upserts and deletions per table to a new snapshot and publish it."""
        with self._write_lock:
            snap = self.snapshot
            encoder = snap.context.encoder
            context, signals = snap.context, snap.signals
            successes = snap.successes
            stale = snap.history_stale
            now = self.now()
            mentors_changed = False
            if "mentors" in changes:
                rows, deletes = changes["mentors"]
                rows = rows if rows is not None else coerce_frame(TABLES["mentors"], [])
                context, remap = upsert_mentors(context, encoder, rows, deletes)
                signals = signals.patched(context, remap)
                mentors_changed = True
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
                pairings = pairings.reset_index(drop=True)
                context = with_pairings(context, pairings)
                signals = signals.rebound(context)
                successes = SuccessIndex(pairings, snap.featurizer.policy)
                stale = True
            snap = replace(
                snap,
                generation=snap.generation + 1,
                context=context,
                signals=signals,
                successes=successes,
                history_stale=stale,
            )
            self._warm(snap, now)
            self._snapshot = snap
            for table, (rows, deletes) in changes.items():
                known = self._hashes.setdefault(table, {})
                for row_id in deletes:
                    known.pop(row_id, None)
                if rows is not None and len(rows):
                    known.update(db.content_hashes(table, rows))
            if stale:
                self._refresh_idle.clear()
                self._refresh_wanted.set()
            if mentors_changed:
                log.debug("mentor index updated: %d mentors", len(context.mentors))

    def refresh_history(self) -> bool:
        """Rebuild the history index (and the signals built on it) from the current pairings
        and swap it in; False when a newer change arrived meanwhile (call again)."""
        base = self.snapshot
        context = with_history(base.context, base.featurizer)
        now = self.now()
        signals = SignalCache(context, base.retrieval.recent_days)
        candidate = replace(
            base,
            context=context,
            signals=signals,
            history_stale=False,
        )
        self._warm(candidate, now)
        with self._write_lock:
            if self.snapshot.generation != base.generation:
                return False
            self._snapshot = replace(candidate, generation=base.generation + 1)
        return True

    def flush(self, timeout: float = 60.0) -> bool:
        """Wait until no history refresh is pending (tests, graceful shutdown)."""
        if not self._threads:  # no background thread: refresh here
            while self.snapshot.history_stale:
                self.refresh_history()
            self._refresh_idle.set()
            return True
        return self._refresh_idle.wait(timeout)

    def _refresh_loop(self) -> None:
        while not self._stop.is_set():
            self._refresh_wanted.wait()
            if self._stop.is_set():
                return
            self._refresh_wanted.clear()
            try:
                done = self.refresh_history()
            except Exception:
                log.exception("history refresh failed; the previous history index keeps serving")
                done = True
            if not done:
                self._refresh_wanted.set()
            elif not self._refresh_wanted.is_set():
                self._refresh_idle.set()

    # ----------------------------------------------------------------------- external changes
    def sync_data(self) -> dict[str, int]:
        """Pick up rows changed in the database by anyone else (imports, other replicas):
        compare content hashes, read only the changed rows, apply them like API writes."""
        counts: dict[str, int] = {}
        with self._write_lock:
            with self.engine.connect() as connection:
                changes: dict[str, tuple[pd.DataFrame | None, list[str]]] = {}
                for table in TABLES:
                    current = db.read_hashes(connection, table)
                    known = self._hashes.get(table, {})
                    changed = [i for i, h in current.items() if known.get(i) != h]
                    deleted = [i for i in known if i not in current]
                    if changed or deleted:
                        rows = db.read_rows(connection, table, changed) if changed else None
                        changes[table] = (rows, deleted)
                        counts[table] = len(changed) + len(deleted)
            if changes:
                self._apply(changes)
                log.info("picked up database changes: %s", counts)
        return counts

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
