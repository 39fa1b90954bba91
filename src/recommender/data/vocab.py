"""Vocabularies of the sample-programme generator: a company's functions, titles, skills,
offices, languages, interests and the hidden "expertise themes" with their many phrasings.

The data lives in ``vocab.toml`` beside this module (package data; its comments explain each
part and the template notation that :mod:`recommender.data.generator.text` expands). This module
loads it once into frozen dataclasses and tuples, so the generator reads plain, immutable values.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = [
    "CROSS_FUNCTIONAL_CLUSTERS",
    "FEEDBACK_GREAT",
    "FEEDBACK_MIXED",
    "FEEDBACK_OK",
    "FEEDBACK_POOR",
    "FEEDBACK_PROGRESS",
    "FEEDBACK_REASONS_DECLINED",
    "FEEDBACK_REASONS_ENDED",
    "FEEDBACK_START",
    "FEEDBACK_STRUGGLING",
    "FUNCTIONS",
    "GOAL_PREFERENCES",
    "GOAL_SKILL_ADDONS",
    "GOAL_TIMELINES",
    "GROUPS",
    "GROUP_SHARES",
    "INTERESTS",
    "MENTEE_BACKGROUNDS",
    "MENTEE_INTROS",
    "MENTEE_LEVEL_SHARES",
    "MENTOR_CLOSERS",
    "MENTOR_INTROS",
    "MENTOR_LEVEL_SHARES",
    "MENTOR_TOPIC_LINES",
    "N_LEVELS",
    "OFFICES",
    "SKILL_CLUSTERS",
    "SKILL_VARIANTS",
    "SLOT_VALUES",
    "THEMES",
    "THEME_KEYS",
    "THEME_TOPICS",
    "Function",
    "Office",
    "Theme",
]

_DATA: dict[str, Any] = tomllib.loads(
    resources.files(__package__).joinpath("vocab.toml").read_text(encoding="utf-8")
)

#: Seniority levels run 1..N_LEVELS.
N_LEVELS: int = _DATA["levels"]["n"]


@dataclass(frozen=True)
class Function:
    """A department: its display name, domain noun, headcount share, skill clusters, titles."""

    key: str
    department: str
    noun: str  # "software engineering", used in sentences
    share: float
    clusters: tuple[str, ...]
    titles: tuple[tuple[str, ...], ...]  # titles[level - 1] -> alternatives


@dataclass(frozen=True)
class Office:
    """An office: where people sit, which zone, and which languages they speak.

    ``local`` is the office's main language (always spoken); ``english`` the share who also
    speak English (1.0 where English is the local language); ``extra`` further languages with
    the share of people speaking each.
    """

    city: str
    timezone: str
    share: float
    local: str
    english: float
    extra: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Theme:
    """A hidden expertise theme: who has it, who wants it, its skills and its phrasings.

    ``mentor_functions`` / ``mentee_functions``: function keys whose people have / want it
    (empty: any function). ``min_mentor_level`` / ``mentee_levels``: seniority constraints.
    ``related``: themes that give partial fit (the relation is made symmetric).
    """

    key: str
    skills: tuple[str, ...]
    mentor_phrases: tuple[str, ...]
    mentee_phrases: tuple[str, ...]
    mentor_functions: tuple[str, ...] = ()
    mentee_functions: tuple[str, ...] = ()
    exclude_mentee_functions: tuple[str, ...] = ()
    min_mentor_level: int = 1
    max_mentor_level: int = N_LEVELS
    mentee_levels: tuple[int, int] = (1, N_LEVELS)
    related: tuple[str, ...] = ()


def _frozen(value: Any) -> Any:
    """TOML arrays (lists, nested) as tuples: the vocabularies are immutable."""
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


def _words(table: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    return {key: _frozen(values) for key, values in table.items()}


def _records(cls: type[Any], rows: list[dict[str, Any]]) -> tuple[Any, ...]:
    return tuple(cls(**{k: _frozen(v) for k, v in row.items()}) for row in rows)


_skills, _people, _text, _feedback = (
    _DATA["skills"],
    _DATA["people"],
    _DATA["text"],
    _DATA["feedback"],
)

# Skills: every canonical skill belongs to exactly one cluster; skills of one cluster are
# "related" (partial credit in the hidden model's skill-gap coverage).
SKILL_CLUSTERS: dict[str, tuple[str, ...]] = _words(_skills["clusters"])
CROSS_FUNCTIONAL_CLUSTERS: tuple[str, ...] = _frozen(_skills["cross_functional_clusters"])
#: How some skills are also written in people's lists (case, abbreviation, wording).
SKILL_VARIANTS: dict[str, tuple[str, ...]] = _words(_skills["variants"])

FUNCTIONS: tuple[Function, ...] = _records(Function, _DATA["functions"])
#: Shares of seniority levels 1..7 among mentors and among mentees.
MENTOR_LEVEL_SHARES: tuple[float, ...] = _frozen(_DATA["levels"]["mentor_shares"])
MENTEE_LEVEL_SHARES: tuple[float, ...] = _frozen(_DATA["levels"]["mentee_shares"])
OFFICES: tuple[Office, ...] = _records(Office, _DATA["offices"])

INTERESTS: tuple[str, ...] = _frozen(_people["interests"])
#: Audit groups and their overall shares (unequal on purpose); a department tilts them slightly.
GROUPS: tuple[str, ...] = _frozen(_people["groups"])
GROUP_SHARES: tuple[float, ...] = _frozen(_people["group_shares"])

THEMES: tuple[Theme, ...] = _records(Theme, _DATA["themes"])
THEME_KEYS: tuple[str, ...] = tuple(t.key for t in THEMES)

MENTOR_INTROS: tuple[str, ...] = _frozen(_text["mentor_intros"])
MENTOR_CLOSERS: tuple[str, ...] = _frozen(_text["mentor_closers"])
MENTEE_INTROS: tuple[str, ...] = _frozen(_text["mentee_intros"])
MENTEE_BACKGROUNDS: tuple[str, ...] = _frozen(_text["mentee_backgrounds"])
GOAL_SKILL_ADDONS: tuple[str, ...] = _frozen(_text["goal_skill_addons"])
GOAL_TIMELINES: tuple[str, ...] = _frozen(_text["goal_timelines"])
GOAL_PREFERENCES: tuple[str, ...] = _frozen(_text["goal_preferences"])
MENTOR_TOPIC_LINES: tuple[str, ...] = _frozen(_text["mentor_topic_lines"])
SLOT_VALUES: dict[str, tuple[str, ...]] = _words(_text["slot_values"])
#: "Topics I can help with": short, mentee-side words for each theme.
THEME_TOPICS: dict[str, tuple[str, ...]] = _words(_text["theme_topics"])

# Feedback text, whose tone follows the outcome. Reason keys match the hidden model's factors.
FEEDBACK_GREAT: tuple[str, ...] = _frozen(_feedback["great"])
FEEDBACK_OK: tuple[str, ...] = _frozen(_feedback["ok"])
FEEDBACK_POOR: tuple[str, ...] = _frozen(_feedback["poor"])
FEEDBACK_START: tuple[str, ...] = _frozen(_feedback["start"])
#: Feedback whose words pull both ways ("lovely person, but ..."), at any rating.
FEEDBACK_MIXED: tuple[str, ...] = _frozen(_feedback["mixed"])
#: Mid-course feedback of running pairings going badly, and going well.
FEEDBACK_STRUGGLING: tuple[str, ...] = _frozen(_feedback["struggling"])
FEEDBACK_PROGRESS: tuple[str, ...] = _frozen(_feedback["progress"])
#: Why a pairing failed, by the hidden factor that hurt it most.
FEEDBACK_REASONS_ENDED: dict[str, tuple[str, ...]] = _words(_feedback["reasons_ended"])
FEEDBACK_REASONS_DECLINED: dict[str, tuple[str, ...]] = _words(_feedback["reasons_declined"])

del _skills, _people, _text, _feedback
