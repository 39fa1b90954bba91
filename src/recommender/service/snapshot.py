"""The serving snapshot: everything one request reads, immutable once published.

A request takes the service's current :class:`Snapshot` once and uses only it, so it never sees
half an update. Writers build a new snapshot beside the old one (:func:`assemble`, or
``dataclasses.replace`` for a change of one part), warm it (:func:`warm`) and publish it with
one reference assignment; the old one lives on until its last request ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from recommender.features.context import FeatureContext, People
from recommender.features.pairs import PairFeaturizer
from recommender.features.text import skill_set
from recommender.models import MentorRanker
from recommender.ranking.explain import SuccessIndex
from recommender.ranking.index import MentorIndex, SignalCache, mentor_index
from recommender.ranking.matching import scaled_retrieval
from recommender.ranking.retrieval import RetrievalConfig, eligibility, snapshot_times
from recommender.ranking.scoring import RulesScorer, Scorer
from recommender.service.results import ModelSummary

__all__ = [
    "MENTEE_FIELDS",
    "MENTOR_FIELDS",
    "Snapshot",
    "assemble",
    "records",
    "warm",
]

#: The profile fields explanations quote.
MENTEE_FIELDS = (
    "skills_wanted",
    "languages",
    "interests",
    "department",
    "location",
    "mentoring_type",
)
MENTOR_FIELDS = ("skills", "languages", "interests", "department", "location")
_RECORD_FIELDS: dict[str, tuple[str, ...]] = {
    "mentees": MENTEE_FIELDS,
    "mentors": (*MENTOR_FIELDS, "title"),
}


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
    model: ModelSummary
    #: Fingerprint of the model source the ranker came from (see service.source).
    fingerprint: str | None
    loaded_at: datetime
    #: Pairings or mentee goals changed since the history index was built.
    history_stale: bool = False

    @property
    def index(self) -> MentorIndex:
        """The request filters' mentor index (cached on the context)."""
        return mentor_index(self.context)


def describe(ranker: MentorRanker | None, source: str) -> ModelSummary:
    """What the service reports about a loaded ranker (or its absence)."""
    if ranker is None:
        return ModelSummary(scorer=RulesScorer.name, is_model=False, source=source)
    meta = ranker.metadata
    origin = ranker.source
    # An exported folder records where it was exported from (export.json's "source").
    export = origin.get("export") if isinstance(origin.get("export"), dict) else None
    exported = export.get("source") if export and isinstance(export.get("source"), dict) else {}
    version = origin.get("version") or exported.get("version")
    metrics = meta.get("valid_metrics") or {}
    return ModelSummary(
        scorer=ranker.name,
        is_model=True,
        source=source,
        version=str(version) if version is not None else None,
        alias=origin.get("alias") or exported.get("alias"),
        run_id=origin.get("run_id") or meta.get("mlflow_run_id"),
        trained_at=meta.get("trained_at"),
        metrics={str(k): float(v) for k, v in metrics.items()},
        embedding_model=ranker.embedding_model.get("model_id"),
        feature_version=ranker.featurizer.feature_version_,
    )


def assemble(
    *,
    generation: int,
    ranker: MentorRanker | None,
    featurizer: PairFeaturizer,
    context: FeatureContext,
    source: str,
    fingerprint: str | None,
    now: pd.Timestamp,
    retrieval_n: int | None = None,
    signals: SignalCache | None = None,
    successes: SuccessIndex | None = None,
    history_stale: bool = False,
) -> Snapshot:
    """A snapshot serving ``ranker`` (the rules score when None) over ``context``; the
    ``signals`` and ``successes`` of an earlier snapshot are reused when still valid."""
    retrieval = ranker.retrieval if ranker is not None else RetrievalConfig()
    if retrieval_n is not None:
        retrieval = scaled_retrieval(retrieval, retrieval_n)
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
        model=describe(ranker, source),
        fingerprint=fingerprint,
        loaded_at=now.to_pydatetime(),
        history_stale=history_stale,
    )


def warm(snap: Snapshot, now: pd.Timestamp, *, all_skills: bool = False) -> None:
    """Build what the first request would otherwise build: retrieval's per-mentor arrays and
    capacity index, the current snapshot's signals, the per-person sets and columns of the
    features and result rows, and (at start) the skill-name vectors."""
    context = snap.context
    empty = pd.DataFrame(
        {"mentee_id": pd.Series(dtype=object), "as_of": pd.Series(dtype="datetime64[ns, UTC]")}
    )
    eligibility(context, empty)
    snap.signals(context, int(snapshot_times(pd.Series([now]), snap.retrieval.snapshot_days)[0]))
    snap.index  # noqa: B018 - builds the filters' index now
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
        record_columns(context, "mentees")
        record_columns(context, "mentors")
    if all_skills:
        offered = sorted(set().union(*map(skill_set, context.mentors["skills"]), set()))
        wanted = sorted(set().union(*map(skill_set, context.mentees["skills_wanted"]), set()))
        context.skill_matrix(offered, "document")
        context.skill_matrix(wanted, "query")


def record_columns(context: FeatureContext, table: People) -> dict[str, np.ndarray]:
    """The fields explanations and result rows quote, as whole object columns (built once per
    generation of ``table``: per-request DataFrame cell lookups cost ~0.1 ms each)."""
    frame = context.mentees if table == "mentees" else context.mentors
    return context.derive(
        f"records.{table}",
        (table,),
        lambda: {f: frame[f].to_numpy(dtype=object) for f in _RECORD_FIELDS[table]},
    )


def records(
    context: FeatureContext, table: People, ids: np.ndarray, fields: tuple[str, ...]
) -> list[dict[str, Any]]:
    """The ``fields`` of the people ``ids`` of ``table`` in ``context``, as dicts."""
    columns = record_columns(context, table)
    return [{f: columns[f][p] for f in fields} for p in context.positions(table, ids)]
