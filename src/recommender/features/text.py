"""The texts and skill sets that represent a person, built the same way everywhere."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

_SPACES = re.compile(r"\s+")


# Cached: a programme has a few thousand distinct skill spellings, normalised millions of times
# (every candidate pair, every retrieval snapshot).
@lru_cache(maxsize=1 << 16)
def normalise_skill(skill: str) -> str:
    """Canonical form for exact skill matching: lower case, single spaces, no edge punctuation."""
    return _SPACES.sub(" ", skill.strip().lower()).strip(" .,;:-_")


def skill_set(skills: Iterable[str] | None) -> frozenset[str]:
    """The normalised, de-duplicated skills of a list (empty for None)."""
    if skills is None:
        return frozenset()
    return frozenset(s for s in (normalise_skill(str(x)) for x in skills) if s)


def join_list(items: Iterable[str] | None) -> str:
    """A list rendered as text for embedding ("SQL, stakeholder management")."""
    if items is None:
        return ""
    return ", ".join(str(x).strip() for x in items if str(x).strip())


def mentee_goal_text(goals: str | None, skills_wanted: Iterable[str] | None) -> str:
    """What the mentee wants: their goals, else their skill gaps (so a goal-less row still says
    something)."""
    goals = (goals or "").strip()
    return goals if goals else join_list(skills_wanted)


def mentor_profile_text(profile: str | None, title: str | None) -> str:
    """What the mentor offers: their profile, else their title."""
    profile = (profile or "").strip()
    return profile if profile else (title or "").strip()


def covered_skills(wanted: Iterable[str] | None, offered: Iterable[str] | None) -> list[str]:
    """The wanted skills (original spelling, original order) that the offered list covers
    exactly (after normalisation). The explanation of a match names these."""
    offered_set = skill_set(offered)
    seen: set[str] = set()
    out = []
    for s in wanted or []:
        key = normalise_skill(str(s))
        if key and key in offered_set and key not in seen:
            seen.add(key)
            out.append(str(s).strip())
    return out
