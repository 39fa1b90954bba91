"""The one capacity rule: how many places each mentor has left at a given time.

A pairing holds one of its mentor's places:

- ``accepted`` or ``active``: from its creation until its end date, or for as long as it has
  none;
- ``completed`` or ``ended_early`` with an end date after its creation: from its creation until
  that end (it was running then);
- ``proposed``: from its creation for :data:`PROPOSAL_HOLD_DAYS` (awaiting an answer), so that
  one mentor is not offered to more mentees than they can take while proposals are open;
- ``declined``: never.

At a time ``t`` the places held are those of pairings created strictly before ``t`` whose hold
did not end strictly before ``t`` (so a mentee's own request never competes with the pairing it
led to), at millisecond resolution: the history index's load counts the same way.
:func:`remaining_places` is ``capacity - held`` (never below 0; an unknown capacity is
unlimited). It depends on the pairings table only, not on the label policy or the history
index, so a service sees a new pairing at once.

Batch recommendations, the offline evaluation, training candidates, cohort matching and the
service all decide capacity through this module (retrieval's eligibility calls it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recommender.features.context import FeatureContext
from recommender.features.history import to_millis

__all__ = [
    "HOLDING_STATUSES",
    "PROPOSAL_HOLD_DAYS",
    "Places",
    "ever_held",
    "held_at",
    "held_places",
    "mentor_capacity",
    "places",
    "remaining_at",
    "remaining_places",
    "to_millis",
]

#: Pairings that hold a place from their creation until they end.
HOLDING_STATUSES = ("accepted", "active")
#: Statuses that held a place while they ran (between creation and a known end).
ENDED_STATUSES = ("completed", "ended_early")
#: How long a proposal awaiting an answer holds a place.
PROPOSAL_HOLD_DAYS = 30

_DAY_MS = 86_400_000
_NEVER = np.iinfo(np.int64).max
# Event keys pack (mentor code, milliseconds since the earliest event) into one int64.
_TIME_BITS = 42  # about 139 years of milliseconds
_TIME_MAX = (1 << _TIME_BITS) - 1


def remaining_at(context: FeatureContext, moment: pd.Timestamp) -> np.ndarray:
    """Free places of every mentor (by position) at one moment (see :func:`remaining_places`)."""
    n = len(context.mentors)
    return remaining_places(context, np.arange(n), np.full(n, _moment_millis(moment)))


def held_at(context: FeatureContext, moment: pd.Timestamp) -> np.ndarray:
    """Places held by every mentor (by position) at one moment (see :func:`held_places`)."""
    n = len(context.mentors)
    return held_places(context, np.arange(n), np.full(n, _moment_millis(moment)))


def _moment_millis(moment: pd.Timestamp) -> int:
    return int(to_millis(pd.Series([moment]))[0])


def _holds(pairings: pd.DataFrame, proposal_hold_days: float) -> tuple[np.ndarray, ...]:
    """(mentor ids, start ms, end ms) of every pairing that holds a place at some time; an
    end of ``_NEVER`` never comes."""
    if pairings.empty:
        empty = np.zeros(0, dtype=np.int64)
        return np.zeros(0, dtype=object), empty, empty
    status = pairings["status"].astype(object).to_numpy()
    start = to_millis(pairings["created_at"])
    ended = pairings["ended_at"] if "ended_at" in pairings else pd.Series(pd.NaT, pairings.index)
    has_end = ended.notna().to_numpy()
    end = np.full(len(pairings), _NEVER, dtype=np.int64)
    if has_end.any():
        end[has_end] = to_millis(ended[has_end])
    proposed = status == "proposed"
    end = np.where(proposed, start + int(proposal_hold_days * _DAY_MS), end)
    holds = np.isin(status, HOLDING_STATUSES) | proposed
    holds |= np.isin(status, ENDED_STATUSES) & has_end
    holds &= end > start
    return pairings["mentor_id"].astype(object).to_numpy()[holds], start[holds], end[holds]


class Places:
    """Places held per mentor over time, from a pairings table (see the module docstring):
    ``held(mentor_ids, times)`` in two ``searchsorted`` calls for any batch of questions."""

    def __init__(self, pairings: pd.DataFrame, proposal_hold_days: float = PROPOSAL_HOLD_DAYS):
        mentors, start, end = _holds(pairings, proposal_hold_days)
        self._codes = {m: i for i, m in enumerate(pd.unique(mentors))}
        codes = np.array([self._codes[m] for m in mentors], dtype=np.int64)
        self._base = int(start.min()) if len(start) else 0
        ends = end != _NEVER
        keys = np.concatenate([self._key(codes, start), self._key(codes[ends], end[ends])])
        # +1 at each start, -1 at each end, summed in key order.
        signs = np.concatenate([np.ones(len(start)), -np.ones(int(ends.sum()))])
        order = np.argsort(keys, kind="stable")
        self._keys = keys[order]
        self._cum = np.concatenate([[0.0], np.cumsum(signs[order])])
        #: How many pairings ever held a place, per mentor code.
        self.ever = np.bincount(codes, minlength=len(self._codes))

    def _key(self, codes: np.ndarray, millis: np.ndarray) -> np.ndarray:
        offset = np.clip(np.asarray(millis, dtype=np.int64) - self._base, 0, _TIME_MAX)
        return (np.asarray(codes, dtype=np.int64) << _TIME_BITS) | offset

    def codes(self, mentor_ids: np.ndarray) -> np.ndarray:
        """Each mentor's code (-1 for mentors that never held a place)."""
        return np.fromiter((self._codes.get(m, -1) for m in mentor_ids), np.int64, len(mentor_ids))

    def held(self, codes: np.ndarray, millis: np.ndarray) -> np.ndarray:
        """Places held by mentors ``codes`` (from :meth:`codes`) at times ``millis``."""
        codes = np.asarray(codes, dtype=np.int64)
        known = codes >= 0
        safe = np.where(known, codes, 0)
        start = np.searchsorted(self._keys, self._key(safe, np.full(len(codes), self._base)))
        # Strictly before each time (times before the earliest event clip to it: nothing then).
        stop = np.searchsorted(self._keys, self._key(safe, millis), side="left")
        return np.where(known, self._cum[stop] - self._cum[start], 0.0)


def places(context: FeatureContext) -> Places:
    """The :class:`Places` of ``context``'s pairings, built once per generation of them."""
    return context.derive("capacity.places", ("pairings",), lambda: Places(context.pairings))


def _mentor_codes(context: FeatureContext) -> np.ndarray:
    ids = context.mentors.index.to_numpy(dtype=object)
    return context.derive(
        "capacity.codes", ("mentors", "pairings"), lambda: places(context).codes(ids)
    )


def ever_held(context: FeatureContext) -> np.ndarray:
    """How many pairings ever held a place, per mentor (by position): a mentor with fewer
    than their capacity can never be full."""

    def build() -> np.ndarray:
        codes = _mentor_codes(context)
        ever = places(context).ever
        return np.where(codes >= 0, ever[np.maximum(codes, 0)] if len(ever) else 0, 0)

    return context.derive("capacity.ever", ("mentors", "pairings"), build)


def mentor_capacity(context: FeatureContext) -> np.ndarray:
    """Each mentor's capacity (by position; ``inf`` where unknown)."""
    return context.derive(
        "capacity.capacity",
        ("mentors",),
        lambda: (
            context.mentors["capacity"]
            .astype("Float64")
            .to_numpy(dtype=np.float64, na_value=np.inf)
        ),
    )


def held_places(
    context: FeatureContext, positions: np.ndarray, times: pd.Series | np.ndarray
) -> np.ndarray:
    """Places held by the mentors at ``positions`` (rows of ``context.mentors``) at ``times``
    (one per position: datetimes, or int64 milliseconds since the epoch)."""
    positions = np.asarray(positions, dtype=np.int64)
    millis = np.asarray(times, dtype=np.int64) if _is_millis(times) else to_millis(times)
    if len(millis) != len(positions):
        raise ValueError(f"{len(positions)} mentor positions but {len(millis)} times")
    return places(context).held(_mentor_codes(context)[positions], millis)


def remaining_places(
    context: FeatureContext, positions: np.ndarray, times: pd.Series | np.ndarray
) -> np.ndarray:
    """Free places of the mentors at ``positions`` at ``times`` (see :func:`held_places`):
    ``capacity - held``, never below 0; ``inf`` where the capacity is unknown."""
    positions = np.asarray(positions, dtype=np.int64)
    held = held_places(context, positions, times)
    return np.clip(mentor_capacity(context)[positions] - held, 0.0, None)


def _is_millis(times: pd.Series | np.ndarray) -> bool:
    return isinstance(times, np.ndarray) and np.issubdtype(times.dtype, np.integer)
