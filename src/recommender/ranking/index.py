"""The in-memory mentor index a service ranks against: request filters and the retrieval
signals of a :class:`~recommender.features.context.FeatureContext`, kept between requests.

Nothing here decides who is eligible or how candidates are scored; that stays in
:mod:`recommender.ranking.retrieval` (with capacity in :mod:`recommender.ranking.capacity`) and
:mod:`recommender.ranking.recommend`, which batch jobs use too. The index only adds what a
long-running service needs on top:

- :class:`MentorIndex`: per-mentor arrays for the request filters (department, language,
  mentoring type, time-zone distance, exclusions), which become the ``candidate_mask`` that
  retrieval applies on top of its own eligibility rules.
- :class:`SignalCache`: the retrieval :class:`~recommender.ranking.retrieval.SignalScorer` of
  each snapshot, built once instead of once per request (it dominated single-request latency),
  and patched in place of a rebuild when a few mentors change.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recommender.features.context import FeatureContext
from recommender.features.text import normalise_skill, skill_set
from recommender.ranking.capacity import mentor_capacity
from recommender.ranking.retrieval import SignalScorer

__all__ = [
    "CandidateFilters",
    "MentorIndex",
    "MentorRemap",
    "SignalCache",
    "mentor_index",
    "patch_signal_scorer",
]


@dataclass(frozen=True)
class CandidateFilters:
    """Restrictions an API request puts on the mentors it may be shown.

    Unknown values never pass a filter that asks for them: a mentor with no time zone fails a
    time-zone limit, one listing no mentoring types fails a mentoring-type filter.
    """

    departments: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    mentoring_type: str | None = None
    max_timezone_diff_hours: float | None = None
    exclude_mentor_ids: tuple[str, ...] = ()


def _key(value: object) -> str:
    return normalise_skill(str(value)) if isinstance(value, str) else ""


@dataclass
class MentorIndex:
    """Per-mentor arrays for the request filters, in the order of ``context.mentors``."""

    ids: pd.Index
    position: dict[str, int]
    departments: np.ndarray  # normalised department ("" when unknown)
    languages: dict[str, np.ndarray]  # normalised language -> who speaks it
    mentoring_types: dict[str, np.ndarray]  # type -> who offers it
    timezone: np.ndarray  # UTC offset hours (NaN unknown)
    capacity: np.ndarray  # float (inf unknown)
    groups: np.ndarray  # audit group (None unknown); reports only, never ranking
    _department_masks: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, context: FeatureContext) -> MentorIndex:
        """The index of ``context``'s mentors (see :func:`mentor_index` for the cached one)."""
        mentors = context.mentors
        n = len(mentors)
        languages: dict[str, np.ndarray] = {}
        types: dict[str, np.ndarray] = {}
        for j, (spoken, offered) in enumerate(
            zip(mentors["languages"], mentors["mentoring_types"], strict=True)
        ):
            for lang in skill_set(spoken):
                languages.setdefault(lang, np.zeros(n, dtype=bool))[j] = True
            for kind in offered or ():
                types.setdefault(str(kind), np.zeros(n, dtype=bool))[j] = True
        return cls(
            ids=mentors.index,
            position={m: j for j, m in enumerate(mentors.index)},
            departments=np.array([_key(d) for d in mentors["department"]], dtype=object),
            languages=languages,
            mentoring_types=types,
            timezone=np.asarray(context.mentor_tz, dtype=np.float64),
            capacity=mentor_capacity(context),
            groups=mentors["group"].astype(object).to_numpy(),
        )

    def __len__(self) -> int:
        return len(self.ids)

    def speaks_any(self, languages: Iterable[str]) -> np.ndarray:
        out = np.zeros(len(self), dtype=bool)
        for lang in skill_set(languages):
            found = self.languages.get(lang)
            if found is not None:
                out |= found
        return out

    def in_departments(self, departments: Iterable[str]) -> np.ndarray:
        out = np.zeros(len(self), dtype=bool)
        for department in {_key(d) for d in departments}:
            mask = self._department_masks.get(department)
            if mask is None:
                mask = self.departments == department
                self._department_masks[department] = mask
            out |= mask
        return out

    def positions(self, mentor_ids: Iterable[str]) -> np.ndarray:
        """Positions of the known ids among ``mentor_ids`` (unknown ones are skipped)."""
        found = [self.position.get(m) for m in mentor_ids]
        return np.array([p for p in found if p is not None], dtype=np.int64)

    def mask(self, filters: CandidateFilters, mentee_timezone: float | None) -> np.ndarray:
        """Mentors that pass ``filters`` for a mentee in ``mentee_timezone`` (UTC offset
        hours); eligibility (places free, availability, past pairs) is retrieval's."""
        out = np.ones(len(self), dtype=bool)
        if filters.departments:
            out &= self.in_departments(filters.departments)
        if filters.languages:
            out &= self.speaks_any(filters.languages)
        if filters.mentoring_type is not None:
            offered = self.mentoring_types.get(filters.mentoring_type)
            out &= offered if offered is not None else False
        if filters.max_timezone_diff_hours is not None:
            if mentee_timezone is None or np.isnan(mentee_timezone):
                out &= False  # the distance cannot be checked
            else:
                d = np.abs(self.timezone - mentee_timezone)
                gap = np.minimum(d, 24 - d)
                with np.errstate(invalid="ignore"):
                    out &= gap <= filters.max_timezone_diff_hours  # NaN compares False
        if filters.exclude_mentor_ids:
            out[self.positions(filters.exclude_mentor_ids)] = False
        return out


def mentor_index(context: FeatureContext) -> MentorIndex:
    """The :class:`MentorIndex` of ``context``, built once per generation of its mentors."""
    return context.derive("index.mentors", ("mentors",), lambda: MentorIndex.build(context))


# --------------------------------------------------------------------------- retrieval signals


@dataclass(frozen=True)
class MentorRemap:
    """How a context's mentors changed: which old rows were kept (in order), how many rows were
    appended, and which new positions hold changed or added mentors."""

    keep: np.ndarray  # bool over the old mentors
    appended: int
    changed: np.ndarray  # positions in the new mentors frame

    @classmethod
    def unchanged(cls, n: int) -> MentorRemap:
        return cls(keep=np.ones(n, dtype=bool), appended=0, changed=np.zeros(0, dtype=np.int64))


def patch_signal_scorer(
    old: SignalScorer, context: FeatureContext, remap: MentorRemap, snapshot_secs: int
) -> SignalScorer:
    """``old`` (built on the previous context) brought to ``context`` without a rebuild: the
    kept mentors' history arrays are reused, added mentors start with none, and changed mentors'
    skill rows are recomputed. Equal to a fresh ``SignalScorer(context, snapshot_secs, ...)``
    as long as the history did not change (tests hold it to that)."""
    new = copy.copy(old)
    new.context = context
    keep, extra = remap.keep, remap.appended

    def grow(values: np.ndarray) -> np.ndarray:
        kept = values[keep]
        pad = np.zeros((extra, *kept.shape[1:]), dtype=kept.dtype)
        return np.concatenate([kept, pad]) if extra else kept

    new.centroids = grow(old.centroids)
    new.has_centroid = grow(old.has_centroid)
    new.recent = grow(old.recent)
    new.successes = grow(old.successes)
    new.load = grow(old.load)

    incidence = old.incidence[keep].tocoo()
    changed = np.asarray(remap.changed, dtype=np.int64)
    unchanged_entry = ~np.isin(incidence.row, changed)
    vocab = dict(old.vocab)
    ids = context.mentors.index
    history_skills: dict[str, set[str]] = {}
    if len(changed):
        wanted = set(ids[changed])
        for mentor, skill in context.history.skills_at(snapshot_secs):
            if mentor in wanted:
                history_skills.setdefault(mentor, set()).add(skill)
    rows: list[int] = []
    cols: list[int] = []
    skills_column = context.mentors["skills"]
    for position in changed.tolist():
        own = skill_set(skills_column.iloc[position]) | history_skills.get(ids[position], set())
        for skill in own:
            rows.append(position)
            cols.append(vocab.setdefault(skill, len(vocab)))
    all_rows = np.concatenate([incidence.row[unchanged_entry], np.asarray(rows, dtype=np.int64)])
    all_cols = np.concatenate([incidence.col[unchanged_entry], np.asarray(cols, dtype=np.int64)])
    matrix = sp.csr_matrix(
        (np.ones(len(all_rows), dtype=np.float32), (all_rows, all_cols)),
        shape=(len(ids), max(len(vocab), 1)),
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    new.vocab = vocab
    new.incidence = matrix
    return new


class SignalCache:
    """The :class:`SignalScorer` of each snapshot for one context, built on first use.

    Passed as ``signals`` to :func:`~recommender.ranking.recommend.rank_requests`. A context
    that differs only in its mentees (a request's inline profile) gets the same scorer rebound
    to it, since the scorer reads mentee vectors from its context.
    """

    def __init__(
        self,
        context: FeatureContext,
        recent_days: int,
        scorers: dict[int, SignalScorer] | None = None,
        max_snapshots: int = 4,
    ) -> None:
        self.context = context
        self.recent_days = recent_days
        self.max_snapshots = max_snapshots
        self._scorers: dict[int, SignalScorer] = dict(scorers or {})
        self._lock = threading.Lock()

    def __call__(self, context: FeatureContext, snapshot_secs: int) -> SignalScorer:
        mine, theirs = self.context.generations, context.generations
        if (mine.mentors, mine.history) != (theirs.mentors, theirs.history):
            raise ValueError("this signal cache belongs to a context with other mentors or history")
        scorer = self._scorers.get(snapshot_secs)
        if scorer is None:
            with self._lock:  # one build per snapshot, however many requests arrive at once
                scorer = self._scorers.get(snapshot_secs)
                if scorer is None:
                    scorer = SignalScorer(self.context, snapshot_secs, self.recent_days)
                    while len(self._scorers) >= self.max_snapshots:
                        self._scorers.pop(min(self._scorers))
                    self._scorers[snapshot_secs] = scorer
        if scorer.context is not context:
            scorer = copy.copy(scorer)
            scorer.context = context
        return scorer

    def snapshots(self) -> Sequence[int]:
        return sorted(self._scorers)

    def patched(self, context: FeatureContext, remap: MentorRemap) -> SignalCache:
        """A cache for ``context`` (same history, changed mentors) from this one's scorers."""
        with self._lock:
            scorers = dict(self._scorers)
        return SignalCache(
            context,
            self.recent_days,
            {s: patch_signal_scorer(v, context, remap, s) for s, v in scorers.items()},
            self.max_snapshots,
        )

    def rebound(self, context: FeatureContext) -> SignalCache:
        """A cache for ``context`` whose mentors and history are this one's (e.g. only the
        mentees or the pairings frame changed)."""
        with self._lock:
            scorers = dict(self._scorers)
        rebound = {}
        for snap, scorer in scorers.items():
            copied = copy.copy(scorer)
            copied.context = context
            rebound[snap] = copied
        return SignalCache(context, self.recent_days, rebound, self.max_snapshots)
