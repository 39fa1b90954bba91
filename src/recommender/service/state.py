"""The serving state shared by the service's parts: the current snapshot and how it changes.

Readers take :attr:`ServingState.snapshot` once per request and never lock. Writers (profile
and pairing changes, the database sync, model swaps, history refreshes) build a new snapshot
while holding :attr:`ServingState.write_lock` and :meth:`~ServingState.publish` it with one
reference assignment.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pandas as pd
from sqlalchemy import Engine

from recommender.config import Settings
from recommender.service.errors import NotReadyError
from recommender.service.snapshot import Snapshot

__all__ = ["Clock", "ServingState"]

Clock = Callable[[], pd.Timestamp]


class ServingState:
    """The published snapshot, the write lock, the clock and the database of one service."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self._clock = clock or (lambda: pd.Timestamp.now(tz="UTC"))
        self._snapshot: Snapshot | None = None
        self._engine: Engine | None = None
        #: Held by every writer while it builds and publishes a snapshot.
        self.write_lock = threading.RLock()
        #: The content hash of every database row the snapshot reflects, per table.
        self.hashes: dict[str, dict[str, str]] = {}

    def now(self) -> pd.Timestamp:
        return self._clock()

    @property
    def is_started(self) -> bool:
        return self._snapshot is not None

    @property
    def current(self) -> Snapshot | None:
        """The published snapshot, or None before the first."""
        return self._snapshot

    @property
    def snapshot(self) -> Snapshot:
        snap = self._snapshot
        if snap is None:
            raise NotReadyError("the service is still starting")
        return snap

    def publish(self, snap: Snapshot) -> None:
        """Make ``snap`` the one requests read from now on."""
        self._snapshot = snap

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise NotReadyError("the service has not started")
        return self._engine

    @property
    def has_engine(self) -> bool:
        return self._engine is not None

    def attach(self, engine: Engine) -> None:
        self._engine = engine
