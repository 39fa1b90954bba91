"""The hidden success model of the sample programme.

A proposed (mentee, mentor) pair succeeds (is accepted and goes on well) with probability
``sigmoid(logit)``, where the logit is the sum of the contributions below. None of the inputs is
written to the programme's files as such: the files show only noisy traces of them (listed
skills are an incomplete, sometimes misspelt subset of true skills; themes show through
paraphrased text; mentor quality shows only through the outcomes of a mentor's past pairings).

=====================  ========================================================================
factor                 contribution to the logit
=====================  ========================================================================
intercept              ``intercept``
skill-gap coverage     ``w_coverage * coverage``; coverage in [0, 1] is the share of the
                       mentee's wanted skills the mentor truly has, a related skill (same
                       cluster) counting ``related_credit``
theme fit              ``w_theme * theme_fit``; theme_fit in [0, 1]: 1 when the mentor's main
                       expertise theme is the mentee's goal theme, less for a secondary theme or
                       a related theme (semantic fit, not word overlap)
seniority gap          a table by mentoring type of ``mentor level - mentee level``: traditional
                       mentoring is best at +1..+3 and bad when the mentor is junior; peer
                       mentoring is best near 0; reverse mentoring wants a junior mentor
time-zone overlap      ``-w_timezone * (1 - overlap / 10)``; overlap = hours shared by two
                       10-hour working days (0..10)
shared language        ``-w_no_language`` when mentor and mentee share no language
mentor quality         the mentor's latent quality (logit units, ~N(0, quality_sd)); never in
                       any column
mentee engagement      the mentee's latent engagement (~N(0, engagement_sd)); shifts all of a
                       mentee's pairs alike, so it never changes a ranking
load                   ``-w_load * load / capacity`` and ``-w_full`` more when the mentor is
                       already at capacity (load = the mentor's running pairings at the time)
mentoring type         ``-w_type_mismatch`` when the mentor does not offer the requested type
same function          ``+w_same_function`` (shared context)
shared interests       ``+w_shared_interest`` per shared interest, at most two
=====================  ========================================================================

The audit ``group`` attribute plays no part.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from recommender.data.contract import MENTORING_TYPES

FloatArray = NDArray[np.float64]

#: Seniority gaps the tables cover (a wider gap uses the nearest end).
MAX_GAP = 6
WORKDAY_HOURS = 10.0

_TYPE_CODES = {name: code for code, name in enumerate(MENTORING_TYPES)}


def _table(values: dict[int, float]) -> tuple[float, ...]:
    return tuple(values[g] for g in range(-MAX_GAP, MAX_GAP + 1))


# gap = mentor level - mentee level, -6..6
_TRADITIONAL = _table(
    {
        -6: -1.6,
        -5: -1.6,
        -4: -1.6,
        -3: -1.6,
        -2: -1.6,
        -1: -1.2,
        0: -0.6,
        1: 0.2,
        2: 0.4,
        3: 0.3,
        4: 0.0,
        5: -0.3,
        6: -0.5,
    }
)
_PEER = _table(
    {
        -6: -1.2,
        -5: -1.2,
        -4: -1.2,
        -3: -0.8,
        -2: -0.4,
        -1: 0.2,
        0: 0.3,
        1: 0.2,
        2: -0.4,
        3: -0.8,
        4: -1.2,
        5: -1.2,
        6: -1.2,
    }
)
_REVERSE = _table(
    {
        -6: 0.2,
        -5: 0.2,
        -4: 0.2,
        -3: 0.2,
        -2: 0.3,
        -1: 0.3,
        0: 0.0,
        1: -0.5,
        2: -1.0,
        3: -1.0,
        4: -1.0,
        5: -1.0,
        6: -1.0,
    }
)


def tz_overlap_hours(offset_a: ArrayLike, offset_b: ArrayLike) -> FloatArray:
    """Hours two 10-hour working days overlap, given UTC offsets in hours (0..10)."""
    diff = np.abs(np.asarray(offset_a, dtype=float) - np.asarray(offset_b, dtype=float)) % 24.0
    diff = np.minimum(diff, 24.0 - diff)
    return np.clip(WORKDAY_HOURS - diff, 0.0, WORKDAY_HOURS)


def type_codes(values: ArrayLike) -> NDArray[np.int64]:
    """Mentoring types as codes (traditional 0, peer 1, reverse 2); accepts names or codes."""
    arr = np.asarray(values)
    if arr.dtype.kind in "OUS":
        try:
            return np.vectorize(lambda v: _TYPE_CODES[str(v)], otypes=[np.int64])(arr)
        except KeyError as exc:
            raise ValueError(
                f"unknown mentoring type {exc.args[0]!r}; expected one of "
                f"{', '.join(MENTORING_TYPES)}"
            ) from None
    codes = arr.astype(np.int64)
    if codes.size and (codes.min() < 0 or codes.max() >= len(MENTORING_TYPES)):
        raise ValueError(f"mentoring type codes must be 0..{len(MENTORING_TYPES) - 1}")
    return codes


@dataclass(frozen=True)
class HiddenModel:
    """Coefficients of the hidden success model (see the module docstring)."""

    intercept: float = -2.2
    w_coverage: float = 1.6
    related_credit: float = 0.4
    w_theme: float = 2.0
    w_timezone: float = 1.4
    w_no_language: float = 3.0
    w_load: float = 1.0
    w_full: float = 1.5
    w_type_mismatch: float = 0.8
    w_same_function: float = 0.2
    w_shared_interest: float = 0.15
    quality_sd: float = 0.5
    engagement_sd: float = 0.4
    seniority_traditional: tuple[float, ...] = _TRADITIONAL
    seniority_peer: tuple[float, ...] = _PEER
    seniority_reverse: tuple[float, ...] = _REVERSE

    def seniority_effect(self, gap: ArrayLike, mentoring_type: ArrayLike) -> FloatArray:
        """The seniority contribution for ``gap = mentor level - mentee level``."""
        idx = np.clip(np.asarray(gap, dtype=np.int64), -MAX_GAP, MAX_GAP) + MAX_GAP
        tables = np.array([self.seniority_traditional, self.seniority_peer, self.seniority_reverse])
        codes = type_codes(mentoring_type)
        idx, codes = np.broadcast_arrays(idx, codes)
        return np.asarray(tables[codes, idx], dtype=float)

    def contributions(
        self,
        *,
        coverage: ArrayLike = 0.0,
        theme_fit: ArrayLike = 0.0,
        seniority_gap: ArrayLike = 2,
        mentoring_type: ArrayLike = 0,
        tz_overlap: ArrayLike = WORKDAY_HOURS,
        shared_language: ArrayLike = True,
        mentor_quality: ArrayLike = 0.0,
        mentee_engagement: ArrayLike = 0.0,
        load: ArrayLike = 0,
        capacity: ArrayLike = 1,
        type_offered: ArrayLike = True,
        same_function: ArrayLike = False,
        shared_interests: ArrayLike = 0,
    ) -> dict[str, FloatArray]:
        """Each factor's contribution to the logit (arrays broadcast together).

        ``tz_overlap`` is in hours (see :func:`tz_overlap_hours`); ``mentoring_type`` is the
        type the mentee asked for (name or code); ``load`` and ``capacity`` are the mentor's at
        the time of the request.
        """
        cap = np.maximum(np.asarray(capacity, dtype=float), 1.0)
        load_arr = np.asarray(load, dtype=float)
        out = {
            "coverage": self.w_coverage * np.clip(np.asarray(coverage, dtype=float), 0.0, 1.0),
            "theme": self.w_theme * np.clip(np.asarray(theme_fit, dtype=float), 0.0, 1.0),
            "seniority": self.seniority_effect(seniority_gap, mentoring_type),
            "timezone": -self.w_timezone
            * (
                1.0
                - np.clip(np.asarray(tz_overlap, dtype=float), 0.0, WORKDAY_HOURS) / WORKDAY_HOURS
            ),
            "language": np.where(np.asarray(shared_language, dtype=bool), 0.0, -self.w_no_language),
            "quality": np.asarray(mentor_quality, dtype=float),
            "engagement": np.asarray(mentee_engagement, dtype=float),
            "load": -self.w_load * np.clip(load_arr / cap, 0.0, None)
            - self.w_full * (load_arr >= cap),
            "type": np.where(np.asarray(type_offered, dtype=bool), 0.0, -self.w_type_mismatch),
            "function": self.w_same_function * np.asarray(same_function, dtype=float),
            "interests": self.w_shared_interest
            * np.clip(np.asarray(shared_interests, dtype=float), 0.0, 2.0),
        }
        shape = np.broadcast_shapes(*(v.shape for v in out.values()))
        # Read-only broadcast views: copying eleven full pair matrices would cost more than
        # computing them.
        return {k: np.broadcast_to(v.astype(float, copy=False), shape) for k, v in out.items()}

    def logit(self, **factors: Any) -> FloatArray:
        """The success logit: intercept plus every contribution."""
        parts = self.contributions(**factors)
        total = np.full(next(iter(parts.values())).shape, self.intercept)
        for value in parts.values():
            total += value
        return total

    def probability(self, **factors: Any) -> FloatArray:
        """The true success probability of a proposed pair."""
        return sigmoid(self.logit(**factors))

    def describe(self) -> dict[str, Any]:
        """Coefficients as JSON-ready values (written to ``oracle/meta.json``)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


def sigmoid(x: ArrayLike) -> FloatArray:
    """Numerically stable logistic function."""
    arr = np.asarray(x, dtype=float)
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * arr)), dtype=float)


DEFAULT_HIDDEN_MODEL = HiddenModel()


def success_probability(model: HiddenModel | None = None, **factors: Any) -> FloatArray:
    """The hidden model's success probability for given factor arrays (default coefficients).

    Keyword arguments are those of :meth:`HiddenModel.contributions`; omitted factors take
    neutral values (full time-zone overlap, a shared language, no load, a +2 seniority gap).
    """
    return (model or DEFAULT_HIDDEN_MODEL).probability(**factors)


def weakest_factor(parts: Mapping[str, float], model: HiddenModel) -> str:
    """Name the factor that hurt a pair most, for the tone of its feedback text.

    ``parts`` holds one pair's contributions (as from :meth:`HiddenModel.contributions`).
    Returns "timezone", "language", "load", "fit" (theme and skills), "seniority" or "other"
    (nothing cost more than half a logit unit).
    """
    shortfalls = {
        "timezone": parts["timezone"],
        "language": parts["language"],
        "load": parts["load"],
        # Fit spans two factors; halved so it competes fairly with the single ones.
        "fit": 0.5 * (parts["theme"] + parts["coverage"] - model.w_theme - model.w_coverage),
        "seniority": parts["seniority"] - max(model.seniority_traditional),
    }
    name = min(shortfalls, key=lambda key: shortfalls[key])
    return name if shortfalls[name] < -0.5 else "other"
