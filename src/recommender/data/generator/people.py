"""Mentors and mentees of the sample programme: who they are, what they know and want, and the
text they write about it. Hidden variables (true skills, themes, quality, engagement) live here
next to the visible columns derived from them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from recommender.data import vocab
from recommender.data.contract import MENTORING_TYPES
from recommender.data.generator import text
from recommender.data.generator.config import GeneratorConfig
from recommender.data.generator.hidden import HiddenModel
from recommender.data.generator.text import RandomStream

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Strength of a mentor's first, second and third expertise theme.
THEME_STRENGTHS = (1.0, 0.75, 0.55)
#: Theme fit credited for a related theme (times the mentor's strength in it).
RELATED_THEME_FIT = 0.4
#: A mentee's secondary goal counts this much of its fit.
SECOND_THEME_WEIGHT = 0.6

_YEARS_BY_LEVEL = (1.5, 3.5, 6.5, 9.5, 12.5, 16.0, 20.0)
_CAPACITY_SHARES = (0.35, 0.35, 0.2, 0.1)
_SECONDS_PER_DAY = 86_400
_SECONDS_PER_YEAR = int(365.25 * _SECONDS_PER_DAY)

TRADITIONAL, PEER, REVERSE = (MENTORING_TYPES.index(t) for t in ("traditional", "peer", "reverse"))


# --- vocabulary indexes -------------------------------------------------------------------------


@dataclass(frozen=True)
class Vocabulary:
    """Integer indexes over :mod:`recommender.data.vocab` used by the vectorised code."""

    skills: tuple[str, ...]
    skill_cluster: IntArray  # skill -> cluster index
    clusters: tuple[str, ...]
    function_skills: tuple[IntArray, ...]  # function -> skill indexes
    cross_skills: IntArray
    theme_skills: tuple[IntArray, ...]
    theme_related: BoolArray  # T x T, symmetric, False on the diagonal
    languages: tuple[str, ...]

    def skill_index(self, name: str) -> int:
        return self.skills.index(name)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """Build (once) and check the integer indexes of the vocabularies."""
    clusters = tuple(vocab.SKILL_CLUSTERS)
    skills: list[str] = []
    cluster_of: list[int] = []
    for c, key in enumerate(clusters):
        for skill in vocab.SKILL_CLUSTERS[key]:
            if skill in skills:
                raise ValueError(f"skill {skill!r} is listed in two clusters")
            skills.append(skill)
            cluster_of.append(c)
    index = {s: i for i, s in enumerate(skills)}

    def indexes(names: tuple[str, ...], where: str) -> IntArray:
        missing = [n for n in names if n not in index]
        if missing:
            raise ValueError(f"{where} names unknown skills: {missing}")
        return np.array([index[n] for n in names], dtype=np.int64)

    function_skills = tuple(
        indexes(tuple(s for c in f.clusters for s in vocab.SKILL_CLUSTERS[c]), f.key)
        for f in vocab.FUNCTIONS
    )
    cross = indexes(
        tuple(s for c in vocab.CROSS_FUNCTIONAL_CLUSTERS for s in vocab.SKILL_CLUSTERS[c]),
        "cross-functional clusters",
    )
    theme_pos = {t.key: i for i, t in enumerate(vocab.THEMES)}
    related = np.zeros((len(vocab.THEMES), len(vocab.THEMES)), dtype=bool)
    for i, theme in enumerate(vocab.THEMES):
        for other in theme.related:
            if other not in theme_pos:
                raise ValueError(f"theme {theme.key!r} relates to unknown theme {other!r}")
            related[i, theme_pos[other]] = related[theme_pos[other], i] = True
    np.fill_diagonal(related, False)
    languages = sorted(
        {o.local for o in vocab.OFFICES}
        | {"English"}
        | {lang for o in vocab.OFFICES for lang, _ in o.extra}
    )
    return Vocabulary(
        skills=tuple(skills),
        skill_cluster=np.array(cluster_of, dtype=np.int64),
        clusters=clusters,
        function_skills=function_skills,
        cross_skills=cross,
        theme_skills=tuple(indexes(t.skills, f"theme {t.key}") for t in vocab.THEMES),
        theme_related=related,
        languages=tuple(languages),
    )


# --- people -------------------------------------------------------------------------------------


@dataclass
class People:
    """Attributes shared by mentors and mentees (one row per person)."""

    ids: list[str]
    function: IntArray
    level: IntArray
    office: IntArray
    languages: list[list[str]]
    interests: list[list[str]]
    group: IntArray
    years_experience: FloatArray
    title: list[str]
    created: IntArray  # seconds since the epoch (UTC)
    profile: list[str]


@dataclass
class Mentors(People):
    """Mentors, with hidden true skills, expertise themes and quality."""

    theme_strength: FloatArray  # M x T
    themes: list[list[int]]
    true_skills: BoolArray  # M x S
    listed_skills: list[list[str]]
    quality: FloatArray
    capacity: IntArray
    available: BoolArray
    unavailable_since: IntArray  # seconds; a far-future value while available
    offers: BoolArray  # M x 3 (traditional, peer, reverse)


@dataclass
class Mentees(People):
    """Mentee requests, with their hidden goal themes and engagement."""

    theme: IntArray
    theme2: IntArray  # -1: no secondary goal
    wanted: list[list[int]]  # canonical skill indexes
    wanted_text: list[list[str]]  # as written (sometimes a variant)
    skills: list[list[str]]
    mentoring_type: IntArray
    engagement: FloatArray
    mentor_index: IntArray  # index in mentors of the same person, -1 if none
    goals: list[str]


def _written_skill(name: str, rs: RandomStream, p_variant: float) -> str:
    variants = vocab.SKILL_VARIANTS.get(name)
    if variants and rs.chance(p_variant):
        return rs.choice(variants)
    return name


def _sample_languages(office: vocab.Office, english_boost: float, rs: RandomStream) -> list[str]:
    langs = [office.local]
    p_english = 1.0 - (1.0 - office.english) * (1.0 - english_boost)
    if office.local != "English" and rs.chance(p_english):
        langs.append("English")
    langs.extend(lang for lang, share in office.extra if lang not in langs and rs.chance(share))
    return langs


def _group_shares() -> FloatArray:
    """Audit-group shares per function: the overall shares with a slight department tilt."""
    base = np.array(vocab.GROUP_SHARES)
    n_func = len(vocab.FUNCTIONS)
    tilt = np.zeros((n_func, len(base)))
    for f in range(n_func):
        tilt[f, f % len(base)] = 0.25  # a small, fixed, realistic imbalance
    shares = base[None, :] * (1.0 + tilt)
    return np.asarray(shares / shares.sum(axis=1, keepdims=True), dtype=float)


def _common(
    rng: np.random.Generator,
    rs: RandomStream,
    n: int,
    level_shares: tuple[float, ...],
    english_boost: float,
) -> tuple[
    IntArray, IntArray, IntArray, list[list[str]], list[list[str]], IntArray, FloatArray, list[str]
]:
    shares = np.array([f.share for f in vocab.FUNCTIONS])
    function = rng.choice(len(shares), size=n, p=shares / shares.sum())
    level = rng.choice(vocab.N_LEVELS, size=n, p=np.array(level_shares) / sum(level_shares)) + 1
    office_shares = np.array([o.share for o in vocab.OFFICES])
    office = rng.choice(len(office_shares), size=n, p=office_shares / office_shares.sum())
    group_shares = _group_shares()
    cum = np.cumsum(group_shares[function], axis=1)
    group = (rng.random(n)[:, None] > cum).sum(axis=1).clip(0, len(vocab.GROUPS) - 1)
    years = np.array(_YEARS_BY_LEVEL)[level - 1] + rng.normal(0.0, 2.0, size=n)
    years = np.asarray(np.round(np.clip(years, 0.5, 45.0), 1), dtype=np.float64)
    languages = [_sample_languages(vocab.OFFICES[o], english_boost, rs) for o in office]
    n_interests = rng.choice(5, size=n, p=[0.1, 0.25, 0.35, 0.2, 0.1])
    interests = [
        [vocab.INTERESTS[i] for i in rng.choice(len(vocab.INTERESTS), size=k, replace=False)]
        for k in n_interests
    ]
    titles = [
        rs.choice(vocab.FUNCTIONS[f].titles[lv - 1]) for f, lv in zip(function, level, strict=True)
    ]
    return (
        function.astype(np.int64),
        level.astype(np.int64),
        office.astype(np.int64),
        languages,
        interests,
        group.astype(np.int64),
        years,
        titles,
    )


def _theme_weights(for_mentors: bool) -> FloatArray:
    """Prior weight of each theme by (function, level) for mentors or mentees."""
    funcs = [f.key for f in vocab.FUNCTIONS]
    w = np.zeros((len(funcs), vocab.N_LEVELS + 1, len(vocab.THEMES)))
    for t, theme in enumerate(vocab.THEMES):
        for f, fkey in enumerate(funcs):
            for lv in range(1, vocab.N_LEVELS + 1):
                if for_mentors:
                    if not theme.min_mentor_level <= lv <= theme.max_mentor_level:
                        continue
                    if theme.mentor_functions:
                        weight = 3.0 if fkey in theme.mentor_functions else 0.0
                    else:
                        weight = 1.0
                    if theme.key == "people_leadership" and lv >= 5:
                        weight *= 1.5
                else:
                    low, high = theme.mentee_levels
                    if not low <= lv <= high or fkey in theme.exclude_mentee_functions:
                        continue
                    if theme.mentee_functions:
                        weight = 2.0 if fkey in theme.mentee_functions else 0.0
                    elif theme.exclude_mentee_functions:
                        weight = 0.8  # career switches
                    else:
                        weight = 1.0
                    if theme.key == "digital_fluency":
                        weight *= 0.25  # mostly asked for through reverse mentoring
                w[f, lv, t] = weight
    return w


def _weighted_sample(rs: RandomStream, weights: FloatArray, k: int) -> list[int]:
    """Up to ``k`` distinct indexes drawn with probability proportional to ``weights``."""
    w = np.array(weights, dtype=float)
    picks: list[int] = []
    for _ in range(min(k, int(np.count_nonzero(w)))):
        cum = np.cumsum(w)
        i = int(np.searchsorted(cum, rs.uniform() * cum[-1], side="right"))
        i = min(i, len(w) - 1)
        while w[i] == 0.0:  # float edge: land on the nearest positive weight
            i -= 1
        picks.append(i)
        w[i] = 0.0
    return picks


def allocate_ids(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct employee-style ids ("E104233") in random order (ids carry no signal)."""
    numbers = rng.choice(900_000, size=n, replace=False) + 100_000
    return [f"E{int(x):06d}" for x in numbers]


def make_mentors(
    rng: np.random.Generator,
    rs: RandomStream,
    trs: RandomStream,
    config: GeneratorConfig,
    model: HiddenModel,
    ids: list[str],
    start: int,
    cutoff: int,
) -> Mentors:
    """Draw the mentor population (``start``/``cutoff`` are the history's start and holdout).

    ``rng``/``rs`` draw attributes, ``trs`` only words: changing how text is written never
    changes who the people are.
    """
    voc = vocabulary()
    n = len(ids)
    function, level, office, languages, interests, group, years, titles = _common(
        rng, rs, n, vocab.MENTOR_LEVEL_SHARES, english_boost=0.5
    )
    n_themes = len(vocab.THEMES)
    weights = _theme_weights(for_mentors=True)
    strength = np.zeros((n, n_themes))
    themes: list[list[int]] = []
    k_themes = rng.choice([1, 2, 3], size=n, p=[0.35, 0.45, 0.2])
    for i in range(n):
        picked = _weighted_sample(rs, weights[function[i], level[i]], int(k_themes[i]))
        themes.append(picked)
        for rank, t in enumerate(picked):
            strength[i, t] = THEME_STRENGTHS[rank]

    n_skills = len(voc.skills)
    true_skills = np.zeros((n, n_skills), dtype=bool)
    listed: list[list[str]] = []
    for i in range(n):
        row = true_skills[i]
        for t in themes[i]:
            pool = voc.theme_skills[t]
            row[pool[rng.random(len(pool)) < 0.55 + 0.35 * strength[i, t]]] = True
        pool = voc.function_skills[function[i]]
        k = min(len(pool), 3 + int(level[i]))
        row[rng.choice(pool, size=k, replace=False)] = True
        row[rng.choice(voc.cross_skills, size=int(rng.integers(1, 4)), replace=False)] = True
        if level[i] >= 4 and rs.chance(0.7):
            row[voc.skill_index("people management")] = True
        listed.append(_listed_skills(row, function[i], voc, rng, rs))

    capacity = rng.choice([1, 2, 3, 4], size=n, p=_CAPACITY_SHARES).astype(np.int64)
    available = rng.random(n) >= 0.10
    history = cutoff - start
    never = np.iinfo(np.int64).max
    leaves = (start + (0.2 + 0.8 * rng.random(n)) * history).astype(np.int64)
    unavailable_since = np.where(available, never, leaves).astype(np.int64)
    joined_before = rng.random(n) < 0.65
    created = np.where(
        joined_before,
        start - rng.random(n) * 3 * _SECONDS_PER_YEAR,
        start + rng.random(n) * 0.97 * (config.end.timestamp() - start),
    ).astype(np.int64)
    # A mentor who leaves must have joined first.
    created = np.minimum(created, unavailable_since - 30 * _SECONDS_PER_DAY)

    offers = np.zeros((n, 3), dtype=bool)
    offers[:, TRADITIONAL] = rng.random(n) < 0.95
    offers[:, PEER] = rng.random(n) < 0.18
    p_reverse = np.select([level <= 3, level == 4], [0.35, 0.15], 0.03)
    offers[:, REVERSE] = rng.random(n) < p_reverse
    offers[~offers.any(axis=1), TRADITIONAL] = True

    quality = rng.normal(0.0, model.quality_sd, size=n)

    profiles: list[str] = []
    for i in range(n):
        func = vocab.FUNCTIONS[function[i]]
        slots = text.person_slots(
            title=titles[i],
            function=func,
            city=vocab.OFFICES[office[i]].city,
            years=float(years[i]),
            interests=interests[i],
            rs=trs,
        )
        offered = [MENTORING_TYPES[j] for j in range(3) if offers[i, j]]
        profiles.append(
            text.mentor_profile([vocab.THEMES[t] for t in themes[i]], slots, trs, offers=offered)
        )
    return Mentors(
        ids=ids,
        function=function,
        level=level,
        office=office,
        languages=languages,
        interests=interests,
        group=group,
        years_experience=years,
        title=titles,
        created=created,
        profile=profiles,
        theme_strength=strength,
        themes=themes,
        true_skills=true_skills,
        listed_skills=listed,
        quality=quality,
        capacity=capacity,
        available=available,
        unavailable_since=unavailable_since,
        offers=offers,
    )


def _listed_skills(
    row: BoolArray, function: int, voc: Vocabulary, rng: np.random.Generator, rs: RandomStream
) -> list[str]:
    """What a mentor writes in their skills list: an incomplete, noisy view of ``row``."""
    if rs.chance(0.04):
        return []
    true = np.flatnonzero(row)
    shown = true[rng.random(len(true)) < 0.85]
    names = [_written_skill(voc.skills[s], rs, 0.12) for s in shown]
    if rs.chance(0.15):
        pool = voc.function_skills[function]
        claim = int(pool[rs.index(len(pool))])
        if not row[claim]:
            names.append(voc.skills[claim])  # claims a skill they do not really have
    order = rng.permutation(len(names))
    out: list[str] = []
    for j in order:
        if names[j] not in out:
            out.append(names[j])
    return out


def request_times(rng: np.random.Generator, n: int, start: int, end: int) -> IntArray:
    """Mentee request times: growing over the years, peaking at January and September cohort
    launches, quiet at weekends and at night (UTC)."""
    hours = np.arange(start // 3600, (end - _SECONDS_PER_DAY) // 3600, dtype=np.int64)
    if len(hours) == 0:
        raise ValueError("the history is too short to place any request")
    t = hours * 3600
    frac = (t - start) / max(end - start, 1)
    day_of_year = (t // _SECONDS_PER_DAY) % 365.25
    cohort = sum(
        0.8 * np.exp(-((((day_of_year - peak + 182.6) % 365.25 - 182.6) / 20.0) ** 2))
        for peak in (15.0, 255.0)
    )
    weekday = ((t // _SECONDS_PER_DAY) + 3) % 7  # 1970-01-01 was a Thursday: 0 = Monday
    hour = (t // 3600) % 24
    weight = (1.0 + 0.6 * frac) * (1.0 + cohort)
    weight = (
        weight * np.where(weekday >= 5, 0.15, 1.0) * np.where((hour >= 6) & (hour < 20), 1.0, 0.35)
    )
    picked = rng.choice(len(hours), size=n, p=weight / weight.sum())
    times = t[picked] + rng.integers(0, 3600, size=n)
    return np.sort(times).astype(np.int64)


def make_mentees(
    rng: np.random.Generator,
    rs: RandomStream,
    trs: RandomStream,
    config: GeneratorConfig,
    model: HiddenModel,
    mentors: Mentors,
    new_ids: list[str],
    start: int,
    end: int,
) -> Mentees:
    """Draw the mentee requests; a few are mentors too (they reuse the mentor's attributes).

    ``rng``/``rs`` draw attributes, ``trs`` only words (as in :func:`make_mentors`).
    """
    voc = vocabulary()
    n = config.n_mentees
    n_dual = min(round(config.dual_role_fraction * n), len(mentors.ids), n)
    n_new = n - n_dual
    if len(new_ids) != n_new:
        raise ValueError(f"expected {n_new} new ids, got {len(new_ids)}")
    function, level, office, languages, interests, group, years, titles = _common(
        rng, rs, n, vocab.MENTEE_LEVEL_SHARES, english_boost=0.0
    )
    mentor_index = np.full(n, -1, dtype=np.int64)
    ids = list(new_ids) + [""] * n_dual
    if n_dual:
        dual = rng.choice(len(mentors.ids), size=n_dual, replace=False)
        for j, m in zip(range(n_new, n), dual, strict=True):
            mentor_index[j] = m
            ids[j] = mentors.ids[m]
            function[j], level[j], office[j] = (
                mentors.function[m],
                mentors.level[m],
                mentors.office[m],
            )
            languages[j], interests[j] = list(mentors.languages[m]), list(mentors.interests[m])
            group[j], years[j], titles[j] = (
                mentors.group[m],
                mentors.years_experience[m],
                mentors.title[m],
            )

    # Mentoring type: senior people sometimes ask for reverse mentoring, some ask for peers.
    u = rng.random(n)
    mentoring_type = np.where(
        level >= 4,
        np.select([u < 0.10, u < 0.20], [REVERSE, PEER], TRADITIONAL),
        np.where(u < 0.08, PEER, TRADITIONAL),
    )
    is_dual = mentor_index >= 0
    mentoring_type[is_dual] = np.where(rng.random(int(is_dual.sum())) < 0.7, PEER, TRADITIONAL)
    mentoring_type = mentoring_type.astype(np.int64)

    weights = _theme_weights(for_mentors=False)
    digital = vocab.THEME_KEYS.index("digital_fluency")
    theme = np.zeros(n, dtype=np.int64)
    theme2 = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        w = weights[function[i], level[i]].copy()
        if mentoring_type[i] == REVERSE and rs.chance(0.8):
            theme[i] = digital
        else:
            picked = _weighted_sample(rs, w, 1)
            theme[i] = picked[0] if picked else digital
        w[theme[i]] = 0.0
        if rs.chance(0.35):
            picked = _weighted_sample(rs, w, 1)
            if picked:
                theme2[i] = picked[0]

    wanted: list[list[int]] = []
    wanted_text: list[list[str]] = []
    skills: list[list[str]] = []
    k_wanted = rng.choice([1, 2, 3, 4], size=n, p=[0.2, 0.35, 0.3, 0.15])
    for i in range(n):
        chosen: list[int] = []
        main = voc.theme_skills[theme[i]]
        second = voc.theme_skills[theme2[i]] if theme2[i] >= 0 else main
        own = voc.function_skills[function[i]]
        for _ in range(12):
            if len(chosen) >= k_wanted[i]:
                break
            u_src = rs.uniform()
            pool = main if u_src < 0.75 else second if u_src < 0.9 else own
            s = int(pool[rs.index(len(pool))])
            if s not in chosen:
                chosen.append(s)
        wanted.append(chosen)
        wanted_text.append(_dedupe([_written_skill(voc.skills[s], rs, 0.05) for s in chosen]))
        have = [
            int(s)
            for s in rng.choice(own, size=min(len(own), 2 + int(level[i])), replace=False)
            if int(s) not in chosen
        ]
        skills.append(_dedupe([_written_skill(voc.skills[s], rs, 0.05) for s in have]))

    engagement = rng.normal(0.0, model.engagement_sd, size=n)
    created = request_times(rng, n, start, end)
    # Requests are drawn sorted; shuffle which person gets which time so that the dual-role
    # mentees (last rows) are spread over the history like everyone else.
    created = created[rng.permutation(n)]

    profiles: list[str] = []
    goals: list[str] = []
    for i in range(n):
        func = vocab.FUNCTIONS[function[i]]
        slots = text.person_slots(
            title=titles[i],
            function=func,
            city=vocab.OFFICES[office[i]].city,
            years=float(years[i]),
            interests=interests[i],
            rs=trs,
        )
        if mentor_index[i] >= 0 and mentors.profile[mentor_index[i]] and trs.chance(0.5):
            profiles.append(mentors.profile[mentor_index[i]])
        else:
            profiles.append(text.mentee_profile(slots, trs))
        second_theme = vocab.THEMES[theme2[i]] if theme2[i] >= 0 else None
        goals.append(
            text.mentee_goals(vocab.THEMES[theme[i]], second_theme, wanted_text[i], slots, trs)
        )
    return Mentees(
        ids=ids,
        function=function,
        level=level,
        office=office,
        languages=languages,
        interests=interests,
        group=group,
        years_experience=years,
        title=titles,
        created=created,
        profile=profiles,
        theme=theme,
        theme2=theme2,
        wanted=wanted,
        wanted_text=wanted_text,
        skills=skills,
        mentoring_type=mentoring_type,
        engagement=engagement,
        mentor_index=mentor_index,
        goals=goals,
    )


def _dedupe(items: list[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out
