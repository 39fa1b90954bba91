"""The model watcher: where the served model comes from, loading it, and swapping it in.

The configured source (default ``models:/<name>@champion``) is polled through a cheap
fingerprint (:mod:`recommender.service.source`); a changed version is loaded beside the serving
one and swapped in atomically. If it fails to load or cannot serve this programme, the old model
keeps serving, and :attr:`ModelWatcher.status` and the logs say why. A version that failed is
not retried until the source points elsewhere.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from recommender.data.contract import Programme
from recommender.features.embeddings import TextEncoder
from recommender.loading import encoder_for, load_ranker
from recommender.models import MentorRanker, ModelLoadError
from recommender.registry import RegistryError
from recommender.service.results import LastReload, ReloadOutcome
from recommender.service.snapshot import Snapshot, assemble, warm
from recommender.service.source import model_source, ranker_fingerprint, source_fingerprint
from recommender.service.state import ServingState
from recommender.service.updates import with_history

__all__ = ["ModelLoader", "ModelWatcher", "ReloadStatus"]

log = logging.getLogger("recommender.service")

#: Loads a ranker from a source string (default :func:`recommender.loading.load_ranker`).
ModelLoader = Callable[[str], MentorRanker]
#: Reads the whole programme from the database (a model with another encoder re-embeds it).
ProgrammeReader = Callable[[], Programme]


@dataclass
class ReloadStatus:
    """The latest model load attempt, and how many ended which way."""

    last: LastReload = field(default_factory=LastReload)
    counts: dict[str, int] = field(default_factory=lambda: {"ok": 0, "failed": 0, "unchanged": 0})


class ModelWatcher:
    """Loads the configured model source and swaps new versions into ``state``.

    ``encoder`` overrides the configured embedding model (tests inject a fast one); ``loader``
    replaces :func:`recommender.loading.load_ranker`.
    """

    def __init__(
        self,
        state: ServingState,
        *,
        encoder: TextEncoder | None = None,
        loader: ModelLoader | None = None,
    ) -> None:
        self.state = state
        self.settings = state.settings
        self.source = model_source(self.settings)
        self.status = ReloadStatus()
        self._encoder_override = encoder
        self._loader = loader
        self._lock = threading.Lock()
        #: Fingerprint of a source version that failed to load: not retried until it changes.
        self._failed: str | None = None

    # -- loading ---------------------------------------------------------------------------
    def default_encoder(self) -> TextEncoder:
        if self._encoder_override is not None:
            return self._encoder_override
        from recommender.features.embeddings import get_encoder

        return get_encoder(self.settings)

    def initial(self) -> tuple[MentorRanker | None, str | None, TextEncoder]:
        """The model to start with (None: the rules score), its fingerprint and its encoder."""
        ranker, fingerprint = self._try_load("start")
        if ranker is None:
            return None, None, self.default_encoder()
        try:
            encoder = encoder_for(ranker, self.settings, default=self._encoder_override)
        except ModelLoadError as exc:
            self._record(False, str(exc), "start")
            self._failed = fingerprint
            log.error("model refused: %s", exc)
            return None, None, self.default_encoder()
        self._record(True, None, "start")
        return ranker, fingerprint, encoder

    def _load(self, source: str) -> MentorRanker:
        if self._loader is not None:
            return self._loader(source)
        return load_ranker(source, tracking_uri=self.settings.mlflow_tracking_uri)

    def fingerprint(self) -> str | None:
        """What the source points at now (None: it cannot change)."""
        return source_fingerprint(self.source, self.settings.mlflow_tracking_uri)

    def _try_load(self, reason: str) -> tuple[MentorRanker | None, str | None]:
        before: str | None = None
        try:
            before = self.fingerprint()
            ranker = self._load(self.source)
        except (ModelLoadError, RegistryError, OSError) as exc:
            message = f"cannot load {self.source}: {exc}"
            self._record(False, message, reason)
            self._failed = before
            log.warning(
                "%s; serving %s", message, "the previous model or the embedding+rules score"
            )
            return None, None
        return ranker, ranker_fingerprint(ranker, before)

    def _record(self, ok: bool, error: str | None, reason: str) -> None:
        at = self.state.now().to_pydatetime()
        self.status.last = LastReload(at=at, ok=ok, error=error, reason=reason)
        self.status.counts["ok" if ok else "failed"] += 1

    # -- swapping --------------------------------------------------------------------------
    def reload(
        self,
        read_programme: ProgrammeReader,
        reason: str = "admin",
        *,
        only_if_changed: bool = False,
    ) -> ReloadOutcome:
        """Load the model source beside the serving model and swap it in; keep the old one if
        loading fails. With ``only_if_changed`` nothing is loaded unless the source's
        fingerprint differs from the serving model's."""
        with self._lock:
            current = self.state.snapshot
            if only_if_changed:
                try:
                    fingerprint = self.fingerprint()
                except Exception as exc:  # registry down: keep serving, try next time
                    log.warning("cannot check %s for a new model: %s", self.source, exc)
                    return ReloadOutcome(reloaded=False, error=str(exc), model=current.model)
                if fingerprint in (None, current.fingerprint, self._failed):
                    # Unchanged, or the version that already failed: try again when it changes.
                    self.status.counts["unchanged"] += 1
                    return ReloadOutcome(reloaded=False, error=None, model=current.model)
                log.info("model source %s changed (%s): reloading", self.source, fingerprint)
            ranker, fingerprint = self._try_load(reason)
            if ranker is None:
                return ReloadOutcome(
                    reloaded=False, error=self.status.last.error, model=current.model
                )
            try:
                snap = self._swap(ranker, fingerprint, read_programme)
            except Exception as exc:  # incompatible with the serving data: keep the old model
                message = f"cannot serve {self.source}: {exc}"
                self._record(False, message, reason)
                self._failed = fingerprint
                log.error("%s; the previous model keeps serving", message)
                return ReloadOutcome(reloaded=False, error=message, model=current.model)
            self._record(True, None, reason)
            self._failed = None
            log.info("now serving %s version %s", snap.model.scorer, snap.model.version)
            return ReloadOutcome(reloaded=True, error=None, model=snap.model)

    def _swap(
        self, ranker: MentorRanker, fingerprint: str | None, read_programme: ProgrammeReader
    ) -> Snapshot:
        state = self.state
        current = state.snapshot
        encoder = encoder_for(
            ranker, self.settings, default=self._encoder_override or current.context.encoder
        )
        same_policy = (
            ranker.featurizer.policy.model_dump() == current.featurizer.policy.model_dump()
        )
        now = state.now()
        with state.write_lock:
            base = state.snapshot
            if encoder.model_id != base.context.encoder.model_id:
                # Another embedding model: every vector changes, so rebuild from the database,
                # holding off writes meanwhile (reads go on against the old snapshot).
                context = ranker.featurizer.prepare(read_programme(), encoder)
            else:
                context = base.context
                if not same_policy:  # the history index encodes the label policy
                    context = with_history(base.context, ranker.featurizer)
            unchanged = context is base.context
            snap = assemble(
                generation=base.generation + 1,
                ranker=ranker,
                featurizer=ranker.featurizer,
                context=context,
                source=self.source,
                fingerprint=fingerprint,
                now=now,
                retrieval_n=self.settings.retrieval_n,
                signals=base.signals if unchanged else None,
                successes=base.successes
                if context.generations.pairings == base.context.generations.pairings and same_policy
                else None,
                history_stale=base.history_stale and unchanged,
            )
            warm(snap, now)
            state.publish(snap)
        return snap

    def forget_failure(self) -> None:
        """Try the current source version again at the next poll."""
        self._failed = None

    def last(self) -> LastReload:
        return replace(self.status.last)
