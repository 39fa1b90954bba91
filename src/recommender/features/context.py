"""A programme's data prepared for feature computation, and the structures derived from it.

A :class:`FeatureContext` holds four *parts*: the mentors (their frame, vectors and time
zones), the mentees (likewise), the pairings table, and the point-in-time history index built
from the pairings. Each part carries a generation id (:class:`Generations`), a number drawn from
one process-wide counter whenever that part is built or replaced. Structures derived from a
context (position maps, per-person columns, retrieval's per-mentor arrays, ...) are cached in
:attr:`FeatureContext.derived` together with the generations of the parts they were derived
from (:meth:`FeatureContext.derive`), so a context updated through
:meth:`FeatureContext.updated` keeps exactly the entries whose parts did not change.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, cast

import numpy as np
import pandas as pd

from recommender.features.embeddings import TextEncoder
from recommender.features.history import HistoryIndex
from recommender.features.text import join_list, mentee_goal_text, mentor_profile_text

__all__ = [
    "PARTS",
    "FeatureContext",
    "Generations",
    "Part",
    "People",
    "encode_mentees",
    "encode_mentors",
]

Part = Literal["mentors", "mentees", "pairings", "history"]
#: The two people tables.
People = Literal["mentors", "mentees"]
PARTS: tuple[Part, ...] = ("mentors", "mentees", "pairings", "history")

#: Which part each replaceable field of a context belongs to.
_PART_OF: dict[str, Part] = {
    "mentors": "mentors",
    "mentor_profile": "mentors",
    "mentor_skills": "mentors",
    "mentor_tz": "mentors",
    "mentees": "mentees",
    "mentee_goals": "mentees",
    "mentee_profile": "mentees",
    "mentee_wanted": "mentees",
    "mentee_tz": "mentees",
    "pairings": "pairings",
    "history": "history",
}
#: Fields that may be replaced without changing any part (a request-local skill-vector layer).
_NO_PART = frozenset({"skill_vectors"})

# One counter for the whole process (itertools.count is atomic under the GIL), so two parts
# built independently never share a generation id.
_counter = itertools.count(1)
_T = TypeVar("_T")


def _next_id() -> int:
    return next(_counter)


@dataclass(frozen=True)
class Generations:
    """The generation id of each part of a context."""

    mentors: int = field(default_factory=_next_id)
    mentees: int = field(default_factory=_next_id)
    pairings: int = field(default_factory=_next_id)
    history: int = field(default_factory=_next_id)

    def bumped(self, parts: Iterable[Part]) -> Generations:
        """These generations with a new id for each of ``parts``."""
        return dataclasses.replace(self, **{p: _next_id() for p in set(parts)})

    def stamp(self, parts: tuple[Part, ...]) -> tuple[int, ...]:
        """The ids of ``parts``, in their order: what a derived structure is valid for."""
        return tuple(getattr(self, p) for p in parts)


@dataclass(frozen=True)
class _Derived:
    parts: tuple[Part, ...]
    stamp: tuple[int, ...]
    value: Any


@dataclass
class FeatureContext:
    """A programme's data prepared for feature computation (rebuilt at serving time, never
    saved with a model): people frames, embeddings, the pairings and the history index.

    Treat it as immutable: change it with :meth:`updated`, which returns a new context.
    """

    mentors: pd.DataFrame  # indexed by mentor_id
    mentees: pd.DataFrame  # indexed by mentee_id
    encoder: TextEncoder
    history: HistoryIndex
    mentor_profile: np.ndarray
    mentor_skills: np.ndarray
    mentee_goals: np.ndarray
    mentee_profile: np.ndarray
    mentee_wanted: np.ndarray
    mentor_tz: np.ndarray
    mentee_tz: np.ndarray
    pairings: pd.DataFrame
    #: Embeddings of normalised skill names, filled on first use (:meth:`skill_matrix`).
    skill_vectors: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    #: Not init fields: a plain ``dataclasses.replace`` starts a context afresh (new
    #: generations, nothing derived); :meth:`updated` carries what stays valid.
    generations: Generations = field(default_factory=Generations, init=False)
    #: Structures derived from this context's parts, built on first use (:meth:`derive`).
    derived: dict[str, _Derived] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    # -- derived structures --------------------------------------------------------------------
    def derive(self, key: str, parts: tuple[Part, ...], build: Callable[[], _T]) -> _T:
        """The structure ``build()`` derives from ``parts`` of this context, built on first use
        and cached under ``key`` until one of those parts changes generation."""
        stamp = self.generations.stamp(parts)
        entry = self.derived.get(key)
        if entry is None or entry.stamp != stamp or entry.parts != parts:
            entry = _Derived(parts, stamp, build())
            self.derived[key] = entry
        return cast(_T, entry.value)

    def updated(self, **changes: Any) -> FeatureContext:
        """A new context with ``changes`` (field=value): each changed part gets a new
        generation, and the derived structures of the unchanged parts are carried over."""
        unknown = [k for k in changes if k not in _PART_OF and k not in _NO_PART]
        if unknown:
            raise TypeError(f"cannot replace {unknown} of a FeatureContext")
        generations = self.generations.bumped(_PART_OF[k] for k in changes if k in _PART_OF)
        # A copy first (one atomic call): request threads may add entries meanwhile.
        carried = {
            key: entry
            for key, entry in self.derived.copy().items()
            if generations.stamp(entry.parts) == entry.stamp
        }
        new = dataclasses.replace(self, **changes)
        new.generations, new.derived = generations, carried
        return new

    # -- look-ups ------------------------------------------------------------------------------
    def previous_pairs(self, mentee_id: str) -> list[tuple[str, pd.Timestamp]]:
        """(mentor_id, created_at) of every pairing the mentee has had."""
        return self.derive("pairs.by_mentee", ("pairings",), self._pairs_by_mentee).get(
            mentee_id, []
        )

    def _pairs_by_mentee(self) -> dict[str, list[tuple[str, pd.Timestamp]]]:
        paired: dict[str, list[tuple[str, pd.Timestamp]]] = {}
        for mentee, mentor, created in zip(
            self.pairings["mentee_id"],
            self.pairings["mentor_id"],
            self.pairings["created_at"],
            strict=True,
        ):
            paired.setdefault(mentee, []).append((mentor, created))
        return paired

    def _frame(self, table: str) -> pd.DataFrame:
        return self.mentees if table == "mentees" else self.mentors

    def position_map(self, table: People) -> dict[str, int]:
        """{id: row position} of ``table``, built once per generation of that part."""
        frame = self._frame(table)
        return self.derive(
            f"positions.{table}", (table,), lambda: {key: i for i, key in enumerate(frame.index)}
        )

    def positions(self, table: People, ids: pd.Series | np.ndarray) -> np.ndarray:
        """Row positions of ``ids`` in ``table``; KeyError naming unknown ids."""
        values = np.asarray(ids, dtype=object)
        if len(values) <= 4096:
            # A dict lookup per id: pandas' get_indexer costs ~0.3 ms per call even for one id.
            lookup = self.position_map(table)
            pos = np.fromiter((lookup.get(v, -1) for v in values), np.int64, len(values))
        else:
            pos = self._frame(table).index.get_indexer(pd.Index(values))
        if (pos < 0).any():
            missing = values[pos < 0][:5].tolist()
            raise KeyError(f"unknown {table[:-1]} ids: {missing}")
        return pos

    def mentor_positions(self, ids: pd.Series | np.ndarray) -> np.ndarray:
        """Row positions of mentor ids in :attr:`mentors` (KeyError naming unknown ids)."""
        return self.positions("mentors", ids)

    def mentee_positions(self, ids: pd.Series | np.ndarray) -> np.ndarray:
        """Row positions of mentee ids in :attr:`mentees` (KeyError naming unknown ids)."""
        return self.positions("mentees", ids)

    def skill_matrix(self, skills: list[str], role: str) -> np.ndarray:
        """Embeddings of normalised skill names (each encoded once per context)."""
        missing = [s for s in skills if (role, s) not in self.skill_vectors]
        if missing:
            enc = (
                self.encoder.encode_queries(missing)
                if role == "query"
                else self.encoder.encode_documents(missing)
            )
            for s, v in zip(missing, enc, strict=True):
                self.skill_vectors[(role, s)] = v
        if not skills:
            return np.zeros((0, self.encoder.dimension), dtype=np.float32)
        return np.vstack([self.skill_vectors[(role, s)] for s in skills])


def encode_mentors(encoder: TextEncoder, mentors: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The vectors a context holds per mentor: (profile, skills), encoded as documents."""
    profile = encoder.encode_documents(
        [
            mentor_profile_text(p, t)
            for p, t in zip(mentors["profile"], mentors["title"], strict=True)
        ]
    )
    return profile, encoder.encode_documents([join_list(s) for s in mentors["skills"]])


def encode_mentees(
    encoder: TextEncoder, mentees: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The vectors a context holds per mentee: (goals, profile, wanted skills), as queries."""
    goals = [
        mentee_goal_text(g, w)
        for g, w in zip(mentees["goals"], mentees["skills_wanted"], strict=True)
    ]
    return (
        encoder.encode_queries(goals),
        encoder.encode_queries([str(p or "") for p in mentees["profile"]]),
        encoder.encode_queries([join_list(w) for w in mentees["skills_wanted"]]),
    )
