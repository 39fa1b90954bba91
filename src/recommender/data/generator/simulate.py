"""The programme's pairing history, simulated request by request, and the oracle.

Mentees arrive in time order. For each request the programme proposes 0-3 mentors among those
eligible at that moment (joined, still available, below capacity, not the mentee themself),
choosing by perceived fit: the hidden success logit (load included) divided by a temperature
plus Gumbel noise, i.e. sampling without replacement from a softmax over true fit. Because the
noise is the same for every mentor, the chance of being proposed rises with the hidden success
probability, so ranking by that probability is the best ranking of who ends up successfully
paired. Each proposal then succeeds with the hidden model's probability; its status, dates,
rating and feedback follow from that outcome and from how much time has passed by the
programme's end date.

The static part of the logit is computed for a block of mentees against all mentors at once
(numpy matrix products); only the load term, the eligibility mask and the handful of proposals
are handled per request.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from recommender.data import vocab
from recommender.data.generator.config import GeneratorConfig
from recommender.data.generator.followup import follow_up
from recommender.data.generator.hidden import (
    HiddenModel,
    sigmoid,
    tz_overlap_hours,
    weakest_factor,
)
from recommender.data.generator.people import (
    RELATED_THEME_FIT,
    SECOND_THEME_WEIGHT,
    Mentees,
    Mentors,
    vocabulary,
)
from recommender.data.generator.text import RandomStream, feedback
from recommender.data.timezones import utc_offset_hours

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

DAY = 86_400
#: How many mentors a request gets proposed (0 means the mentee withdrew before any proposal).
PROPOSAL_COUNTS = (0, 1, 2, 3)
PROPOSAL_SHARES = (0.04, 0.33, 0.38, 0.25)
#: Share of failed proposals that are declined outright (the rest end early).
DECLINE_SHARE = 0.7
#: A pairing accepted less than this long before the end date has not started yet.
ACCEPTED_WINDOW = 14 * DAY
_BLOCK = 256
#: (factor argument of the hidden model, column of the per-pairing factor table)
_FACTOR_SOURCES = (
    ("coverage", "coverage"),
    ("theme_fit", "theme_fit"),
    ("seniority_gap", "seniority_gap"),
    ("tz_overlap", "tz_overlap_hours"),
    ("shared_language", "shared_language"),
    ("mentor_quality", "mentor_quality"),
    ("mentee_engagement", "mentee_engagement"),
    ("type_offered", "type_offered"),
    ("same_function", "same_function"),
    ("shared_interests", "shared_interests"),
)


@dataclass
class History:
    """The simulated pairings (one entry per proposal) and the oracle's raw arrays."""

    mentor: list[int] = field(default_factory=list)
    mentee: list[int] = field(default_factory=list)
    created: list[int] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    rating: list[float | None] = field(default_factory=list)
    ended: list[int | None] = field(default_factory=list)
    feedback: list[str] = field(default_factory=list)
    last_checkin: list[int | None] = field(default_factory=list)
    factors: dict[str, list[float]] = field(default_factory=dict)
    oracle_mentee: list[int] = field(default_factory=list)
    oracle_p: list[FloatArray] = field(default_factory=list)
    oracle_eligible: list[BoolArray] = field(default_factory=list)
    oracle_mentor: list[IntArray] = field(default_factory=list)


FACTOR_COLUMNS = (
    "p_success",
    "success",
    "coverage",
    "theme_fit",
    "seniority_gap",
    "tz_overlap_hours",
    "shared_language",
    "mentor_quality",
    "mentee_engagement",
    "load",
    "capacity",
    "type_offered",
    "same_function",
    "shared_interests",
)


def _office_offsets() -> FloatArray:
    return np.array([utc_offset_hours(o.timezone) or 0.0 for o in vocab.OFFICES])


class _Pool:
    """The mentor pool as the programme sees it at a moment: who has joined and not left, each
    mentor's running pairings (load), the load's logit penalty and who can take a mentee now.

    Kept up to date incrementally from sorted join/leave events and a heap of pairing end
    times, so that a request costs a handful of vector operations, not a rebuild.
    """

    def __init__(self, mentors: Mentors, model: HiddenModel) -> None:
        n = len(mentors.ids)
        self._model = model
        self.capacity = mentors.capacity.astype(float)
        self.loads = np.zeros(n, dtype=np.int64)
        self.present = np.zeros(n, dtype=bool)
        self.open = np.zeros(n, dtype=bool)
        self.n_open = 0
        self.load_part = np.zeros(n)
        self._joins = np.lexsort((np.arange(n), mentors.created))
        self._join_times = mentors.created[self._joins]
        leaving = np.flatnonzero(mentors.unavailable_since < np.iinfo(np.int64).max)
        self._leaves = leaving[np.lexsort((leaving, mentors.unavailable_since[leaving]))]
        self._leave_times = mentors.unavailable_since[self._leaves]
        self._next_join = 0
        self._next_leave = 0
        self._releases: list[tuple[int, int]] = []  # (end time, mentor) of running pairings

    def advance(self, t: int) -> None:
        """Apply every join, leave and pairing end up to time ``t``."""
        while self._next_join < len(self._joins) and self._join_times[self._next_join] <= t:
            m = int(self._joins[self._next_join])
            self._next_join += 1
            self.present[m] = True
            self._refresh(m)
        while self._next_leave < len(self._leaves) and self._leave_times[self._next_leave] <= t:
            m = int(self._leaves[self._next_leave])
            self._next_leave += 1
            self.present[m] = False
            self._refresh(m)
        while self._releases and self._releases[0][0] <= t:
            self.add_load(heapq.heappop(self._releases)[1], -1)

    def occupy(self, mentor: int, until: int, *, apply: bool = True) -> None:
        """Record a running pairing of ``mentor`` until ``until``."""
        heapq.heappush(self._releases, (until, mentor))
        if apply:
            self.add_load(mentor, 1)

    def add_load(self, mentor: int, delta: int) -> None:
        self.loads[mentor] += delta
        self._refresh(mentor)

    def _refresh(self, m: int) -> None:
        load, cap = float(self.loads[m]), float(self.capacity[m])
        full = load >= cap
        self.load_part[m] = -self._model.w_load * load / cap - self._model.w_full * full
        now_open = bool(self.present[m]) and not full
        if now_open != bool(self.open[m]):
            self.open[m] = now_open
            self.n_open += 1 if now_open else -1


def _padded_index(rows: list[list[int]], pad: int) -> IntArray:
    """Ragged lists of indexes as a rectangle, short rows padded with ``pad``."""
    width = max((len(r) for r in rows), default=0) or 1
    out = np.full((len(rows), width), pad, dtype=np.int64)
    for r, items in enumerate(rows):
        out[r, : len(items)] = items
    return out


def _indicator_rows(rows: list[list[str]], names: list[str], n_people: int) -> NDArray[np.int8]:
    """``names x people`` 0/1 matrix with an extra all-zero row (the padding target)."""
    index = {n: i for i, n in enumerate(names)}
    out = np.zeros((len(names) + 1, n_people), dtype=np.int8)
    for person, items in enumerate(rows):
        for item in items:
            out[index[item], person] = 1
    return out


def _count_shared(table: NDArray[np.int8], padded: IntArray) -> IntArray:
    """For each row of ``padded`` (indexes into ``table``'s rows), the sum of those rows.

    A gather of at most four rows per mentee: far cheaper than a dense matrix product over the
    whole vocabulary.
    """
    return np.asarray(table[padded].sum(axis=1), dtype=np.int64)


def simulate(
    rng: np.random.Generator,
    rs: RandomStream,
    config: GeneratorConfig,
    model: HiddenModel,
    mentors: Mentors,
    mentees: Mentees,
    cutoff: int,
    end: int,
    on_progress: Callable[[int], None] | None = None,
    *,
    followup: RandomStream | None = None,
) -> History:
    """Run the programme from its first request to ``end``; collect the oracle for requests at or
    after ``cutoff``. ``followup`` draws check-ins and mid-course feedback
    (:mod:`recommender.data.generator.followup`; default: a stream seeded with 0)."""
    followup = followup or RandomStream(np.random.default_rng(0))
    voc = vocabulary()
    n_m, n_e = len(mentors.ids), len(mentees.ids)
    offsets = _office_offsets()
    overlap_table = tz_overlap_hours(offsets[:, None], offsets[None, :])
    languages = list(voc.languages)
    lang_m = _indicator_rows(mentors.languages, languages, n_m)
    lang_e = _padded_index(
        [[languages.index(x) for x in row] for row in mentees.languages], pad=len(languages)
    )
    interests = list(vocab.INTERESTS)
    int_m = _indicator_rows(mentors.interests, interests, n_m)
    int_e = _padded_index(
        [[interests.index(x) for x in row] for row in mentees.interests], pad=len(interests)
    )
    n_skills = len(voc.skills)
    # Rows: skills (+ a zero padding row); columns: mentors.
    skills_m = np.vstack([mentors.true_skills.T, np.zeros((1, n_m), dtype=bool)]).astype(np.int8)
    # Mentor has some skill of the skill's cluster (a related skill).
    has_cluster = np.zeros((n_m, len(voc.clusters)), dtype=bool)
    for c in range(len(voc.clusters)):
        has_cluster[:, c] = mentors.true_skills[:, voc.skill_cluster == c].any(axis=1)
    related_m = np.vstack(
        [has_cluster[:, voc.skill_cluster].T, np.zeros((1, n_m), dtype=bool)]
    ).astype(np.int8)
    wanted = _padded_index(mentees.wanted, pad=n_skills)
    n_wanted = np.maximum(np.array([len(w) for w in mentees.wanted], dtype=float), 1.0)
    n_themes = len(vocab.THEMES)
    sim = np.eye(n_themes) + RELATED_THEME_FIT * voc.theme_related
    theme_fit_table = (sim[:, None, :] * mentors.theme_strength[None, :, :]).max(axis=2)
    capacity = mentors.capacity.astype(float)

    order = np.lexsort((np.arange(n_e), mentees.created))
    n_props = rng.choice(PROPOSAL_COUNTS, size=n_e, p=PROPOSAL_SHARES)
    pool = _Pool(mentors, model)
    inv_temperature = 1.0 / config.selection_temperature
    history = History(factors={k: [] for k in FACTOR_COLUMNS})
    all_mentors = np.arange(n_m)

    for b in range(0, n_e, _BLOCK):
        idx = order[b : b + _BLOCK]
        exact = _count_shared(skills_m, wanted[idx]).astype(float)
        related = _count_shared(related_m, wanted[idx]) - exact
        coverage = (exact + model.related_credit * related) / n_wanted[idx, None]
        fit = theme_fit_table[mentees.theme[idx]]
        second = mentees.theme2[idx]
        has_second = second >= 0
        if has_second.any():
            fit[has_second] = np.maximum(
                fit[has_second], SECOND_THEME_WEIGHT * theme_fit_table[second[has_second]]
            )
        raw: dict[str, NDArray[np.generic]] = {
            "coverage": coverage,
            "theme_fit": fit,
            "seniority_gap": mentors.level[None, :] - mentees.level[idx, None],
            "mentoring_type": mentees.mentoring_type[idx, None],
            "tz_overlap": overlap_table[mentees.office[idx, None], mentors.office[None, :]],
            "shared_language": _count_shared(lang_m, lang_e[idx]) > 0,
            "mentor_quality": mentors.quality[None, :],
            "mentee_engagement": mentees.engagement[idx, None],
            "type_offered": mentors.offers[:, mentees.mentoring_type[idx]].T,
            "same_function": mentees.function[idx, None] == mentors.function[None, :],
            "shared_interests": _count_shared(int_m, int_e[idx]),
        }
        parts = model.contributions(**raw, load=0, capacity=capacity[None, :])
        static = np.full(coverage.shape, model.intercept)
        for value in parts.values():
            static += value
        gumbel = np.asarray(rng.gumbel(size=static.shape), dtype=np.float64)

        for j, i in enumerate(idx):
            t = int(mentees.created[i])
            pool.advance(t)
            logit = static[j] + pool.load_part
            self_m = int(mentees.mentor_index[i])
            self_open = self_m >= 0 and bool(pool.open[self_m])
            if self_open:
                pool.open[self_m] = False  # never proposed to themself
            if t >= cutoff:
                keep = all_mentors != self_m
                history.oracle_mentee.append(int(i))
                history.oracle_mentor.append(all_mentors[keep])
                history.oracle_p.append(sigmoid(logit[keep]))
                history.oracle_eligible.append(pool.open[keep])
            k = min(int(n_props[i]), pool.n_open - int(self_open))
            top: list[int] = []
            if k > 0:
                score = np.where(pool.open, logit * inv_temperature + gumbel[j], -np.inf)
                for _ in range(k):  # k <= 3: repeated argmax beats a partition
                    best = int(np.argmax(score))
                    top.append(best)
                    score[best] = -np.inf
            if self_open:
                pool.open[self_m] = True
            occupied: list[int] = []
            offsets_h = sorted(1.0 + 71.0 * rs.uniform() for _ in top)
            for r, m in enumerate(top):
                created = t + int(offsets_h[r] * 3600)
                if t < cutoff:
                    created = min(created, cutoff - 1)  # a request's proposals stay on its side
                created = min(created, end - 1)
                p = 0.5 * (1.0 + math.tanh(0.5 * float(logit[m])))
                success = rs.uniform() < p
                reason = ""
                if not success:
                    pair = {name: float(value[j, m]) for name, value in parts.items()}
                    pair["load"] = float(pool.load_part[m])
                    reason = weakest_factor(pair, model)
                busy_until = _record(
                    history, rs, followup, m, int(i), created, success, p, reason, end
                )
                if busy_until is not None:
                    occupied.append(m)
                    pool.occupy(m, busy_until, apply=False)
                factors = history.factors
                factors["p_success"].append(p)
                factors["success"].append(float(success))
                factors["load"].append(float(pool.loads[m]))
                factors["capacity"].append(float(capacity[m]))
                for name, column in _FACTOR_SOURCES:
                    arr = raw[name]
                    factors[column].append(
                        float(arr[j if arr.shape[0] > 1 else 0, m if arr.shape[1] > 1 else 0])
                    )
            # Loads change after the whole shortlist: every proposal of a request sees the load
            # at request time, as the oracle does.
            for m in occupied:
                pool.add_load(m, 1)
        if on_progress is not None:
            on_progress(len(idx))
    return history


def _record(
    history: History,
    rs: RandomStream,
    followup: RandomStream,
    mentor: int,
    mentee: int,
    created: int,
    success: bool,
    p: float,
    reason: str,
    end: int,
) -> int | None:
    """Append one proposal's observable outcome; return until when it occupies the mentor."""
    decided = created + int(DAY * (1.0 + min(-3.0 * math.log1p(-rs.uniform()), 20.0)))
    rating: float | None = None
    ended: int | None = None
    busy_until: int | None = None
    if success:
        duration = int(DAY * min(max(180.0 + 45.0 * _normal(rs), 60.0), 365.0))
        busy_until = decided + duration
        if decided > end:
            status = "proposed"
        elif busy_until <= end:
            status, ended = "completed", busy_until
            if rs.chance(0.85):
                rating = float(min(max(round(3.5 + 2.0 * (p - 0.5) + 0.75 * _normal(rs)), 1), 5))
        else:
            status = "accepted" if end - decided < ACCEPTED_WINDOW else "active"
    elif rs.chance(DECLINE_SHARE):
        status = "proposed" if decided > end else "declined"
    else:
        busy_until = decided + int(DAY * (14 + 76 * rs.uniform()))
        if decided > end:
            status = "proposed"
        elif busy_until <= end:
            status, ended = "ended_early", busy_until
            if rs.chance(0.5):
                rating = float(min(max(round(1.5 + 0.9 * _normal(rs)), 0), 3))
        else:
            # Going badly, but nobody has called it yet.
            status = "accepted" if end - decided < ACCEPTED_WINDOW else "active"
    history.mentor.append(mentor)
    history.mentee.append(mentee)
    history.created.append(created)
    history.status.append(status)
    history.rating.append(rating)
    history.ended.append(ended)
    text = feedback(status, reason, rating, rs)
    # The rating this mentee would have given: used for the feedback of unrated completions.
    latent = float(min(max(round(3.5 + 2.0 * (p - 0.5) + 0.75 * _normal(followup)), 1), 5))
    after = follow_up(
        status=status,
        success=success,
        feedback=text,
        rating=rating,
        latent_rating=latent,
        decided=decided,
        busy_until=busy_until,
        end=end,
        rs=followup,
    )
    history.feedback.append(after.feedback)
    history.last_checkin.append(after.last_checkin)
    return busy_until


def _normal(rs: RandomStream) -> float:
    """A standard normal draw from the stream (Box-Muller, one half)."""
    u1 = max(rs.uniform(), 1e-12)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * rs.uniform())
