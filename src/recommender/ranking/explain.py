"""Plain-language reasons for a ranked mentor, from the model's own feature contributions.

LightGBM's ``pred_contrib`` splits each score into one contribution per feature (plus a bias).
Features that describe the same evidence are summed into a *family* (every skill feature into
"skills", every history statistic into "track record", ...); the families that raised the score
most become the **reasons**, those that lowered it most the **cautions**. Each is then written
from the real data behind it, never from the feature's value alone: the target skills the mentor
actually lists (:func:`~recommender.features.text.covered_skills`), the languages and interests
both people list, the time-zone gap, the mentor's outcome counts. A family whose evidence cannot
be stated truthfully (no exactly shared skill, say) is described without naming anything.

Every scorer splits its own score (:meth:`~recommender.ranking.scoring.Scorer.contributions`):
the model through LightGBM, the cold-start rules score term by term.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from recommender.data.labels import LabelPolicy
from recommender.features.history import to_seconds
from recommender.features.pairs import FEATURES
from recommender.features.text import covered_skills, skill_set

#: Feature families: which features' contributions are summed into one reason.
FAMILIES: dict[str, tuple[str, ...]] = {
    "skills": (
        "skill_gap_covered",
        "skill_gap_coverage",
        "skill_gap_coverage_soft",
        "sim_wanted_skills",
    ),
    "goals": ("sim_goals_profile", "sim_profiles", "sim_goals_skills", "mentor_has_profile"),
    "similar_mentees": ("sim_goals_history", "history_skill_coverage", "history_skill_evidence"),
    "track_record": (
        "hist_pairings",
        "hist_outcomes",
        "hist_success_rate",
        "hist_mean_label",
        "hist_mean_rating",
        "hist_ratings",
    ),
    "availability": ("hist_load", "hist_load_ratio", "mentor_capacity"),
    "activity": ("hist_days_since_last", "hist_recent_pairings", "mentor_tenure_days"),
    "timezone": ("timezone_diff_hours",),
    "language": ("shared_languages", "no_shared_language"),
    "interests": ("shared_interests", "interests_jaccard"),
    "department": ("same_department",),
    "location": ("same_location",),
    "seniority": ("seniority_gap", "mentor_seniority", "mentor_years_experience"),
    "mentoring_type": ("mentoring_type_fit",),
}

#: Features that describe only the mentee: they shift every candidate's score alike, so they
#: never explain why one mentor ranks above another.
MENTEE_ONLY: tuple[str, ...] = ("skills_wanted_count", "mentee_seniority", "mentoring_type_wanted")

FAMILY_OF: dict[str, str] = {f: family for family, names in FAMILIES.items() for f in names}

#: Contributions smaller than this (in score units) are noise, not reasons.
MIN_CONTRIBUTION = 1e-3


@dataclass(frozen=True)
class Reason:
    """One reason (or caution): a code, a sentence, its share of the score and its evidence."""

    code: str
    text: str
    contribution: float
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "text": self.text,
            "contribution": round(self.contribution, 4),
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class Explanation:
    reasons: list[Reason]
    cautions: list[Reason]


def family_contributions(contributions: pd.DataFrame) -> pd.DataFrame:
    """Contributions summed per family (mentee-only features, the bias and unknown features
    dropped)."""
    values = contributions.to_numpy(dtype=np.float64)
    position = {name: i for i, name in enumerate(contributions.columns)}
    columns = {}
    for family, names in FAMILIES.items():
        present = [position[n] for n in names if n in position]
        if present:
            columns[family] = values[:, present].sum(axis=1)
    return pd.DataFrame(columns, index=contributions.index)


def _fmt(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")


def _listing(items: list[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _shared(left: Iterable[str] | None, right: Iterable[str] | None) -> list[str]:
    """Items of ``right`` (original spelling) that ``left`` also lists, after normalisation."""
    return covered_skills(list(right or []), list(left or []))


def _value(row: Mapping[Any, Any], name: str) -> float:
    value = row.get(name)
    return float(value) if value is not None and pd.notna(value) else float("nan")


@dataclass
class _Pair:
    mentee: Mapping[Any, Any]
    mentor: Mapping[Any, Any]
    features: Mapping[Any, Any]
    track: Mapping[Any, float]
    similar: dict[str, Any]


def _skills(pair: _Pair, positive: bool) -> tuple[str, dict[str, Any]]:
    wanted = list(pair.mentee.get("skills_wanted") or [])
    n = len(skill_set(wanted))
    covered = covered_skills(wanted, pair.mentor.get("skills"))
    evidence = {"covered_skills": covered, "target_skills": n}
    if n == 0:
        text = (
            "lists skills close to the mentee's goals"
            if positive
            else ("lists skills far from the mentee's goals")
        )
        return text, {}
    if covered:
        return f"covers {len(covered)} of {n} target skills: {_listing(covered)}", evidence
    if positive:
        return f"lists skills related to the {n} target skills (none exactly)", evidence
    return f"lists none of the {n} target skills", evidence


def _goals(pair: _Pair, positive: bool) -> tuple[str, dict[str, Any]]:
    sim = _value(pair.features, "sim_goals_profile")
    if np.isnan(sim):
        return ("profile matches the mentee's goals" if positive else "no profile text"), {}
    evidence = {"similarity": round(sim, 3)}
    if positive:
        return f"profile matches the mentee's goals (similarity {_fmt(sim)})", evidence
    return f"profile is far from the mentee's goals (similarity {_fmt(sim)})", evidence


def _similar_mentees(pair: _Pair, positive: bool) -> tuple[str, dict[str, Any]]:
    n = int(pair.similar.get("mentees", 0))
    shared = list(pair.similar.get("skills", []))
    evidence: dict[str, Any] = {"successful_past_mentees": n}
    if shared:
        evidence["goal_skills_in_common"] = shared
    if n == 0:
        return (
            "no past mentees like this one yet"
            if not positive
            else "similar to the mentor's past mentees"
        ), evidence
    if positive:
        like = "with the same skill goals" if shared else "with similar goals"
        plural = "s" if n != 1 else ""
        return f"successfully mentored {n} past mentee{plural} {like}", evidence
    return "past mentees had different goals", evidence


def _track_record(pair: _Pair, positive: bool) -> tuple[str, dict[str, Any]]:
    labelled = int(pair.track.get("labelled", 0))
    success = int(pair.track.get("success", 0))
    rating_n = int(pair.track.get("rating_n", 0))
    evidence: dict[str, Any] = {"past_pairings_with_outcome": labelled, "successful": success}
    if labelled == 0:
        return "no pairing outcomes yet", evidence
    text = f"{success} of {labelled} past pairings successful"
    if rating_n:
        mean = pair.track.get("rating_sum", 0.0) / rating_n
        evidence["mean_rating"] = round(mean, 2)
        evidence["ratings"] = rating_n
        text += f", mean rating {_fmt(mean, 1)}/5"
    return ("track record: " if positive else "weak track record: ") + text, evidence


def _availability(pair: _Pair, positive: bool) -> tuple[str, dict[str, Any]]:
    load = _value(pair.features, "hist_load")
    capacity = _value(pair.features, "mentor_capacity")
    if np.isnan(load) or np.isnan(capacity):
        return ("has room for a mentee" if positive else "is busy"), {}
    evidence = {"current_mentees": int(load), "capacity": int(capacity)}
    places = f"{int(load)} of {int(capacity)} places taken"
    return ("has room: " if positive else "busy: ") + places, evidence


def _activity(pair: _Pair, positive: bool) -> tuple[str, dict[str, Any]]:
    days = _value(pair.features, "hist_days_since_last")
    if np.isnan(days):
        return ("new to mentoring" if positive else "has not mentored yet"), {}
    evidence = {"days_since_last_pairing": int(days)}
    if positive:
        return f"active recently: last paired {int(days)} days ago", evidence
    return f"last paired {int(days)} days ago", evidence


def _timezone(pair: _Pair, positive: bool) -> tuple[str, dict[str, Any]]:
    gap = _value(pair.features, "timezone_diff_hours")
    if np.isnan(gap):
        return "time zones unknown", {}
    evidence = {"timezone_difference_hours": round(gap, 2)}
    if gap == 0:
        return "same time zone", evidence
    return f"{_fmt(gap, 1)} h time-zone difference", evidence


def _language(pair: _Pair, positive: bool) -> tuple[str, dict[str, Any]]:
    shared = _shared(pair.mentee.get("languages"), pair.mentor.get("languages"))
    if shared:
        return f"speaks {_listing(shared)} with the mentee", {"shared_languages": shared}
    mentee = list(pair.mentee.get("languages") or [])
    mentor = list(pair.mentor.get("languages") or [])
    if mentee and mentor:
        return (
            f"no shared language (mentee: {_listing(mentee)}; mentor: {_listing(mentor)})",
            {"shared_languages": []},
        )
    return "languages unknown", {}


def _interests(pair: _Pair, positive: bool) -> tuple[str, dict[str, Any]]:
    shared = _shared(pair.mentee.get("interests"), pair.mentor.get("interests"))
    if shared:
        return f"shares interests: {_listing(shared)}", {"shared_interests": shared}
    return "no shared interests", {"shared_interests": []}


def _same_field(column: str, label: str) -> Any:
    def describe(pair: _Pair, positive: bool) -> tuple[str, dict[str, Any]]:
        mentor_value = pair.mentor.get(column)
        mentee_value = pair.mentee.get(column)
        if not isinstance(mentor_value, str) or not isinstance(mentee_value, str):
            return f"{label} unknown", {}
        same = mentor_value.strip().lower() == mentee_value.strip().lower()
        evidence = {f"mentor_{column}": mentor_value, f"mentee_{column}": mentee_value}
        if same:
            return f"same {label}: {mentor_value}", evidence
        return f"different {label} ({mentor_value})", evidence

    return describe


def _seniority(pair: _Pair, positive: bool) -> tuple[str, dict[str, Any]]:
    gap = _value(pair.features, "seniority_gap")
    years = _value(pair.features, "mentor_years_experience")
    parts = []
    evidence: dict[str, Any] = {}
    if not np.isnan(gap):
        evidence["seniority_gap"] = int(gap)
        if gap > 0:
            parts.append(f"{int(gap)} level{'s' if gap != 1 else ''} more senior")
        elif gap < 0:
            parts.append(f"{int(-gap)} level{'s' if gap != -1 else ''} less senior")
        else:
            parts.append("same seniority level")
    if not np.isnan(years):
        evidence["years_experience"] = round(years, 1)
        parts.append(f"{_fmt(years, 1)} years of experience")
    return (", ".join(parts) if parts else "seniority unknown"), evidence


def _mentoring_type(pair: _Pair, positive: bool) -> tuple[str, dict[str, Any]]:
    wanted = pair.mentee.get("mentoring_type")
    if not isinstance(wanted, str):
        return "mentoring type unknown", {}
    evidence = {"mentoring_type": wanted}
    if positive:
        return f"offers {wanted} mentoring", evidence
    return f"does not list {wanted} mentoring", evidence


_DESCRIBE = {
    "skills": _skills,
    "goals": _goals,
    "similar_mentees": _similar_mentees,
    "track_record": _track_record,
    "availability": _availability,
    "activity": _activity,
    "timezone": _timezone,
    "language": _language,
    "interests": _interests,
    "department": _same_field("department", "department"),
    "location": _same_field("location", "location"),
    "seniority": _seniority,
    "mentoring_type": _mentoring_type,
}


class SuccessIndex:
    """Each mentor's successful pairings (creation time, mentee), built once per programme state
    so explanations look them up instead of scanning the pairings per request."""

    def __init__(self, pairings: pd.DataFrame, policy: LabelPolicy) -> None:
        self._by_mentor: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if pairings.empty:
            return
        good = pairings[policy.is_success(pairings).to_numpy(dtype=bool)]
        if good.empty:
            return
        secs = to_seconds(good["created_at"])
        mentees = good["mentee_id"].to_numpy(dtype=object)
        for mentor, rows in good.groupby("mentor_id", sort=False).indices.items():
            self._by_mentor[str(mentor)] = (secs[rows], mentees[rows])

    def evidence(
        self,
        mentor_id: str,
        skills_wanted: Iterable[str] | None,
        as_of_secs: int,
        skills_of: Callable[[str], frozenset[str]],
    ) -> dict[str, Any]:
        """How many distinct mentees the mentor mentored successfully before ``as_of_secs``,
        and which of ``skills_wanted`` (original spelling) those mentees also wanted
        (``skills_of(mentee_id)`` gives a mentee's normalised wanted skills)."""
        found = self._by_mentor.get(mentor_id)
        if found is None:
            return {"mentees": 0, "skills": []}
        secs, mentees = found
        earlier = set(mentees[secs < as_of_secs])
        wanted = skill_set(skills_wanted)
        seen: set[str] = set()
        for mentee in earlier:
            seen |= skills_of(mentee) & wanted
        ordered = [s for s in (skills_wanted or []) if skill_set([s]) <= seen]
        return {"mentees": len(earlier), "skills": ordered}


def explain_pair(
    contributions: Mapping[Any, float],
    features: Mapping[Any, Any],
    mentee: Mapping[Any, Any],
    mentor: Mapping[Any, Any],
    *,
    track: Mapping[Any, float] | None = None,
    similar: dict[str, Any] | None = None,
    max_reasons: int = 4,
    max_cautions: int = 2,
) -> Explanation:
    """Reasons and cautions for one (mentee, mentor) pair from its feature ``contributions``
    (per family, see :func:`family_contributions`), its ``features``, both people's rows, the
    mentor's outcome counts (``track``: ``labelled``, ``success``, ``rating_sum``,
    ``rating_n``) and :meth:`SuccessIndex.evidence`."""
    pair = _Pair(mentee, mentor, features, track or {}, similar or {"mentees": 0, "skills": []})
    ordered = sorted(
        ((family, float(value)) for family, value in contributions.items()),
        key=lambda item: -abs(item[1]),
    )
    reasons: list[Reason] = []
    cautions: list[Reason] = []
    for family, value in ordered:
        describe = _DESCRIBE.get(family)
        if describe is None or not np.isfinite(value) or abs(value) < MIN_CONTRIBUTION:
            continue
        target = reasons if value > 0 else cautions
        if len(target) >= (max_reasons if value > 0 else max_cautions):
            continue
        text, evidence = describe(pair, value > 0)
        target.append(Reason(code=family, text=text, contribution=value, evidence=evidence))
    reasons.sort(key=lambda r: -r.contribution)
    cautions.sort(key=lambda r: r.contribution)
    return Explanation(reasons=reasons, cautions=cautions)


def unexplained_features() -> list[str]:
    """Features that no family or the mentee-only list claims (must stay empty)."""
    return [f for f in FEATURES if f not in FAMILY_OF and f not in MENTEE_ONLY]
