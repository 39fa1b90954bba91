"""Pair features: the one fitted feature object shared by training, evaluation, batch scoring
and the API (no train/serve skew).

``PairFeaturizer.fit`` learns the few programme-level quantities the features need (priors for
smoothing); ``prepare`` builds a :class:`FeatureContext` over a programme's current data
(embeddings, the point-in-time history index); ``transform`` turns (mentee, mentor, as_of) rows
into the features in :data:`FEATURES`, each computed from data strictly before ``as_of``.
"""

from __future__ import annotations

import json
from typing import Any, Self

import numpy as np
import pandas as pd

from recommender.data.contract import CONTRACT_VERSION, MENTORING_TYPES, Programme
from recommender.data.labels import LabelPolicy
from recommender.data.timezones import offset_hours_series
from recommender.features.context import FeatureContext, People, encode_mentees, encode_mentors
from recommender.features.embeddings import TextEncoder
from recommender.features.history import STATS, HistoryIndex, to_seconds
from recommender.features.text import (
    skill_set,
)

#: Bump when a feature's meaning changes: models built with another version are refused.
FEATURE_VERSION = "1"

#: Every feature, in model order, with what it means. docs/features.md mirrors this.
FEATURES: dict[str, str] = {
    # Text similarity (embedding cosine; 0 when either text is empty).
    "sim_goals_profile": "cosine(mentee goals, mentor profile)",
    "sim_profiles": "cosine(mentee profile, mentor profile)",
    "sim_wanted_skills": "cosine(mentee skills_wanted as text, mentor skills as text)",
    "sim_goals_skills": "cosine(mentee goals, mentor skills as text)",
    "sim_goals_history": "cosine(mentee goals, centroid of the goals of the mentor's successful "
    "past mentees before as_of); NaN without such mentees",
    # Skill gaps.
    "skills_wanted_count": "number of skill gaps the mentee listed",
    "skill_gap_covered": "number of the mentee's skill gaps the mentor lists exactly",
    "skill_gap_coverage": "fraction of the mentee's skill gaps the mentor lists exactly",
    "skill_gap_coverage_soft": "mean over skill gaps of the best embedding cosine to a mentor "
    "skill",
    "history_skill_coverage": "fraction of the skill gaps that the mentor's successful past "
    "mentees also wanted (before as_of)",
    "history_skill_evidence": "mean log1p number of successful past mentees per skill gap",
    # Structured fit.
    "shared_interests": "number of shared interests",
    "interests_jaccard": "Jaccard similarity of interests",
    "shared_languages": "number of shared languages",
    "no_shared_language": "1 when both list languages and none is shared, 0 when one is; NaN "
    "when unknown",
    "seniority_gap": "mentor seniority minus mentee seniority",
    "mentor_seniority": "mentor seniority level",
    "mentee_seniority": "mentee seniority level",
    "mentor_years_experience": "mentor years of experience",
    "timezone_diff_hours": "absolute UTC-offset difference in hours (0-12, wrapping)",
    "same_department": "1 same department, 0 different, NaN unknown",
    "same_location": "1 same location, 0 different, NaN unknown",
    "mentoring_type_fit": "1 when the mentor offers the mentoring type the mentee wants, 0 when "
    "not, NaN unknown",
    "mentoring_type_wanted": "the type the mentee wants: 0 traditional, 1 peer, 2 reverse, NaN "
    "unknown (what a good seniority gap is depends on it)",
    "mentor_capacity": "the mentor's maximum concurrent mentees",
    "mentor_has_profile": "1 when the mentor has profile text",
    # History as of the pair's time.
    "hist_pairings": "the mentor's pairings created before as_of",
    "hist_outcomes": "those with an outcome known at as_of",
    "hist_success_rate": "smoothed success rate (prior from fit, strength prior_strength)",
    "hist_mean_label": "mean graded label of known outcomes",
    "hist_mean_rating": "smoothed mean rating of ratings known at as_of",
    "hist_ratings": "number of ratings known at as_of",
    "hist_load": "pairings ongoing at as_of",
    "hist_load_ratio": "ongoing pairings / capacity",
    "hist_days_since_last": "days since the mentor's latest pairing (NaN if none)",
    "hist_recent_pairings": "pairings created in the recent_days before as_of",
    "mentor_tenure_days": "days since the mentor joined (NaN if unknown)",
}

PAIR_COLUMNS = ("mentee_id", "mentor_id", "as_of")


class FeatureVersionError(ValueError):
    """Raised when saved feature state comes from an incompatible version."""


def person_sets(context: FeatureContext, table: People, column: str) -> list[frozenset[str]]:
    """Each person's normalised set for a list column, built once per generation of them."""
    frame = context.mentees if table == "mentees" else context.mentors
    return context.derive(
        f"sets.{table}.{column}", (table,), lambda: [skill_set(v) for v in frame[column]]
    )


def _gather(sets: list[frozenset[str]], positions: np.ndarray) -> list[frozenset[str]]:
    return [sets[i] for i in positions]


def _floats(column: pd.Series, missing: float = np.nan) -> np.ndarray:
    return column.astype("Float64").to_numpy(dtype=np.float64, na_value=missing)


def _is_missing(value: Any) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and np.isnan(value))
    )


def _text_keys(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(known, key) per row: key is the trimmed, lower-cased text ("" where unknown), in an
    object array so that comparing two gathers is one elementwise ``==``."""
    values = column.astype(object).to_numpy()
    known = np.array([not _is_missing(v) for v in values], dtype=bool)
    keys = np.empty(len(values), dtype=object)
    keys[:] = [str(v).strip().lower() if k else "" for v, k in zip(values, known, strict=True)]
    return known, keys


def _rowwise_dot(a: np.ndarray, ia: np.ndarray, b: np.ndarray, ib: np.ndarray) -> np.ndarray:
    out = np.empty(len(ia), dtype=np.float64)
    for lo in range(0, len(ia), 16384):
        hi = lo + 16384
        out[lo:hi] = np.einsum("ij,ij->i", a[ia[lo:hi]], b[ib[lo:hi]])
    return out


def _type_mask(value: Any) -> int:
    """Bit i set when the mentor offers ``MENTORING_TYPES[i]``; -1 when nothing is known."""
    if _is_missing(value) or isinstance(value, str) or len(value) == 0:
        return -1
    return sum(1 << i for i, name in enumerate(MENTORING_TYPES) if name in set(value))


#: Per-person arrays ``transform`` gathers by position (see :func:`_person_columns`).
PersonColumns = dict[str, np.ndarray]


def _person_columns(context: FeatureContext, table: People) -> PersonColumns:
    """Each person's fields as plain arrays, built once per generation of them: per-pair
    features are then numpy gathers (no DataFrame per call; a single API request featurises
    ~150 pairs)."""
    return context.derive(
        f"columns.{table}", (table,), lambda: _build_person_columns(context, table)
    )


def _build_person_columns(context: FeatureContext, table: str) -> PersonColumns:
    frame = context.mentees if table == "mentees" else context.mentors
    cols: PersonColumns = {"seniority": _floats(frame["seniority"])}
    for name in ("department", "location"):
        cols[f"{name}_known"], cols[f"{name}_key"] = _text_keys(frame[name])
    if table == "mentees":
        codes = {name: i for i, name in enumerate(MENTORING_TYPES)}
        wanted = frame["mentoring_type"].astype(object).to_numpy()
        # -1: unknown; -2: a value outside MENTORING_TYPES (compared as text in transform).
        cols["type_code"] = np.array(
            [codes.get(t, -2) if isinstance(t, str) else -1 for t in wanted], dtype=np.int64
        )
        cols["type_text"] = wanted
    else:
        cols["years_experience"] = _floats(frame["years_experience"])
        cols["capacity"] = _floats(frame["capacity"])
        cols["offers"] = np.array([_type_mask(v) for v in frame["mentoring_types"]], np.int64)
        cols["offers_list"] = frame["mentoring_types"].to_numpy(dtype=object)
        cols["has_profile"] = np.array(
            [float(bool(str(p or "").strip())) for p in frame["profile"]], dtype=np.float64
        )
        joined = frame["created_at"]
        cols["joined_secs"] = np.where(
            joined.notna().to_numpy(),
            to_seconds(joined.fillna(pd.Timestamp(0, tz="UTC"))).astype(np.float64),
            np.nan,
        )
    return cols


def history_codes(context: FeatureContext) -> np.ndarray:
    """Each mentor's code in the history index (by position), built once per generation of
    the mentors and the history."""
    ids = context.mentors.index.to_numpy(dtype=object)
    return context.derive(
        "history.codes", ("mentors", "history"), lambda: context.history.codes(ids)
    )


def _same(
    cols_a: PersonColumns, ia: np.ndarray, cols_b: PersonColumns, ib: np.ndarray, name: str
) -> np.ndarray:
    known = cols_a[f"{name}_known"][ia] & cols_b[f"{name}_known"][ib]
    same = np.asarray(cols_a[f"{name}_key"][ia] == cols_b[f"{name}_key"][ib], dtype=bool)
    return np.where(known, same.astype(np.float64), np.nan)


class PairFeaturizer:
    """Computes :data:`FEATURES` for (mentee, mentor, as_of) pairs.

    Parameters are plain settings; everything learned from data ends in ``_`` and is set by
    :meth:`fit`. Save with :meth:`get_state`, rebuild with :meth:`from_state`.
    """

    def __init__(
        self,
        label_policy: LabelPolicy | None = None,
        prior_strength: float = 5.0,
        recent_days: int = 180,
    ) -> None:
        self.label_policy = label_policy
        self.prior_strength = prior_strength
        self.recent_days = recent_days

    @property
    def policy(self) -> LabelPolicy:
        return self.label_policy or LabelPolicy()

    # -- learning -------------------------------------------------------------------------
    def fit(self, programme: Programme, as_of: pd.Timestamp | None = None) -> Self:
        """Learn smoothing priors from the pairings created before ``as_of`` (all if None)."""
        pairings = programme.pairings
        if as_of is not None:
            pairings = pairings[pairings["created_at"] < as_of]
        labels = self.policy.labels(pairings)
        known = labels.notna()
        success = self.policy.is_success(pairings)[known]
        self.prior_success_rate_ = float(success.mean()) if known.any() else 0.5
        ratings = pd.to_numeric(pairings["rating"], errors="coerce").dropna()
        self.prior_rating_ = float(ratings.mean()) if len(ratings) else 3.0
        self.feature_names_ = list(FEATURES)
        self.feature_version_ = FEATURE_VERSION
        return self

    def get_state(self) -> dict[str, Any]:
        """JSON-serialisable parameters and learned state."""
        return {
            "feature_version": self.feature_version_,
            "contract_version": CONTRACT_VERSION,
            "params": {
                "label_policy": self.policy.model_dump(),
                "prior_strength": self.prior_strength,
                "recent_days": self.recent_days,
            },
            "learned": {
                "prior_success_rate": self.prior_success_rate_,
                "prior_rating": self.prior_rating_,
                "feature_names": self.feature_names_,
            },
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> PairFeaturizer:
        """Rebuild a fitted featurizer; refuses state from another feature/contract version."""
        found = (state.get("feature_version"), state.get("contract_version"))
        if found != (FEATURE_VERSION, CONTRACT_VERSION):
            raise FeatureVersionError(
                f"model features are version {found[0]!r} (data contract {found[1]!r}) but this "
                f"code computes feature version {FEATURE_VERSION!r} (data contract "
                f"{CONTRACT_VERSION!r}); retrain the model with this version"
            )
        params = state["params"]
        self = cls(
            label_policy=LabelPolicy(**params["label_policy"]),
            prior_strength=params["prior_strength"],
            recent_days=params["recent_days"],
        )
        learned = state["learned"]
        self.prior_success_rate_ = learned["prior_success_rate"]
        self.prior_rating_ = learned["prior_rating"]
        self.feature_names_ = list(learned["feature_names"])
        if self.feature_names_ != list(FEATURES):
            raise FeatureVersionError("saved feature names differ from this code's features")
        self.feature_version_ = state["feature_version"]
        return self

    def to_json(self) -> str:
        return json.dumps(self.get_state(), indent=2, sort_keys=True)

    # -- context --------------------------------------------------------------------------
    def prepare(self, programme: Programme, encoder: TextEncoder) -> FeatureContext:
        """Embed the programme's people and index its history (the same call at training,
        evaluation and serving time)."""
        mentors = programme.mentors.set_index("mentor_id", drop=False)
        mentees = programme.mentees.set_index("mentee_id", drop=False)
        mentor_profile, mentor_skills = encode_mentors(encoder, mentors)
        goals, profile, wanted = encode_mentees(encoder, mentees)
        history = self.history_index(programme.pairings, mentees, goals, encoder.dimension)
        return FeatureContext(
            mentors=mentors,
            mentees=mentees,
            encoder=encoder,
            history=history,
            mentor_profile=mentor_profile,
            mentor_skills=mentor_skills,
            mentee_goals=goals,
            mentee_profile=profile,
            mentee_wanted=wanted,
            mentor_tz=offset_hours_series(mentors["timezone"]),
            mentee_tz=offset_hours_series(mentees["timezone"]),
            pairings=programme.pairings,
        )

    def history_index(
        self, pairings: pd.DataFrame, mentees: pd.DataFrame, goals: np.ndarray, dimension: int
    ) -> HistoryIndex:
        """The point-in-time history index of ``pairings``, as :meth:`prepare` builds it
        (``mentees`` indexed by id; ``goals`` their goal vectors, in the same order)."""
        return HistoryIndex(
            pairings,
            self.policy,
            mentee_vectors=dict(zip(mentees.index, goals, strict=True)),
            mentee_skills=dict(zip(mentees.index, mentees["skills_wanted"], strict=True)),
            dimension=dimension,
        )

    # -- features -------------------------------------------------------------------------
    def transform(self, pairs: pd.DataFrame, context: FeatureContext) -> pd.DataFrame:
        """Features for each (mentee_id, mentor_id, as_of) row, in :attr:`feature_names_`
        order (float32; NaN means unknown)."""
        missing = [c for c in PAIR_COLUMNS if c not in pairs.columns]
        if missing:
            raise ValueError(f"pairs need columns {PAIR_COLUMNS}, missing {missing}")
        mi = context.mentor_positions(pairs["mentor_id"])
        ei = context.mentee_positions(pairs["mentee_id"])
        secs = to_seconds(pairs["as_of"])
        mentors = _person_columns(context, "mentors")
        mentees = _person_columns(context, "mentees")
        codes = history_codes(context)[mi]
        f: dict[str, np.ndarray] = {}

        f["sim_goals_profile"] = _rowwise_dot(context.mentee_goals, ei, context.mentor_profile, mi)
        f["sim_profiles"] = _rowwise_dot(context.mentee_profile, ei, context.mentor_profile, mi)
        f["sim_wanted_skills"] = _rowwise_dot(context.mentee_wanted, ei, context.mentor_skills, mi)
        f["sim_goals_skills"] = _rowwise_dot(context.mentee_goals, ei, context.mentor_skills, mi)
        f["sim_goals_history"] = context.history.centroid_similarity(
            None, secs, context.mentee_goals[ei], codes=codes
        )

        wanted = _gather(person_sets(context, "mentees", "skills_wanted"), ei)
        offered = _gather(person_sets(context, "mentors", "skills"), mi)
        n_wanted = np.array([len(w) for w in wanted], dtype=np.float64)
        covered = np.array([len(w & o) for w, o in zip(wanted, offered, strict=True)], float)
        has_wanted = n_wanted > 0
        f["skills_wanted_count"] = n_wanted
        f["skill_gap_covered"] = covered
        f["skill_gap_coverage"] = np.where(has_wanted, covered / np.maximum(n_wanted, 1), np.nan)
        f["skill_gap_coverage_soft"] = self._soft_coverage(wanted, offered, mi, context)
        f["history_skill_coverage"], f["history_skill_evidence"] = context.history.skill_evidence(
            None, secs, wanted, codes=codes
        )

        ia = _gather(person_sets(context, "mentees", "interests"), ei)
        ib = _gather(person_sets(context, "mentors", "interests"), mi)
        shared = np.array([len(a & b) for a, b in zip(ia, ib, strict=True)], float)
        union = np.array([len(a | b) for a, b in zip(ia, ib, strict=True)], float)
        f["shared_interests"] = shared
        f["interests_jaccard"] = np.where(union > 0, shared / np.maximum(union, 1), np.nan)
        la = _gather(person_sets(context, "mentees", "languages"), ei)
        lb = _gather(person_sets(context, "mentors", "languages"), mi)
        shared_l = np.array([len(a & b) for a, b in zip(la, lb, strict=True)], float)
        both = np.array([bool(a) and bool(b) for a, b in zip(la, lb, strict=True)], dtype=bool)
        f["shared_languages"] = shared_l
        f["no_shared_language"] = np.where(both, (shared_l == 0).astype(float), np.nan)

        ms = mentors["seniority"][mi]
        es = mentees["seniority"][ei]
        f["seniority_gap"] = ms - es
        f["mentor_seniority"] = ms
        f["mentee_seniority"] = es
        f["mentor_years_experience"] = mentors["years_experience"][mi]
        d = np.abs(context.mentor_tz[mi] - context.mentee_tz[ei])
        f["timezone_diff_hours"] = np.minimum(d, 24 - d)
        f["same_department"] = _same(mentees, ei, mentors, mi, "department")
        f["same_location"] = _same(mentees, ei, mentors, mi, "location")
        want = mentees["type_code"][ei]
        offers = mentors["offers"][mi]
        offered_type = (offers >> np.clip(want, 0, None)) & 1
        fit = np.where((want == -1) | (offers < 0), np.nan, offered_type.astype(np.float64))
        # Values outside MENTORING_TYPES (frames built in code; files and the API refuse them)
        # are compared as given, as a plain membership test would.
        for i in np.flatnonzero((want == -2) & (offers >= 0)):
            fit[i] = float(mentees["type_text"][ei[i]] in mentors["offers_list"][mi[i]])
        f["mentoring_type_fit"] = fit
        f["mentoring_type_wanted"] = np.where(want >= 0, want.astype(np.float64), np.nan)
        capacity = mentors["capacity"][mi]
        f["mentor_capacity"] = capacity
        f["mentor_has_profile"] = mentors["has_profile"][mi]

        st = context.history.stat_sums(None, secs, codes=codes)
        column = {name: st[:, j] for j, name in enumerate(STATS)}
        k = self.prior_strength
        outcomes = column["labelled"]
        f["hist_pairings"] = column["count"]
        f["hist_outcomes"] = outcomes
        f["hist_success_rate"] = (column["success"] + k * self.prior_success_rate_) / (outcomes + k)
        f["hist_mean_label"] = np.where(
            outcomes > 0, column["label_sum"] / np.maximum(outcomes, 1), np.nan
        )
        rn = column["rating_n"]
        f["hist_mean_rating"] = (column["rating_sum"] + k * self.prior_rating_) / (rn + k)
        f["hist_ratings"] = rn
        load = column["load"]
        f["hist_load"] = load
        f["hist_load_ratio"] = np.where(
            capacity > 0, load / np.where(capacity > 0, capacity, 1), np.nan
        )
        last = context.history.last_created(None, secs, codes=codes)
        f["hist_days_since_last"] = (secs - last) / 86400.0
        f["hist_recent_pairings"] = context.history.created_between(
            None, secs, self.recent_days * 86400, codes=codes
        )
        f["mentor_tenure_days"] = (secs - mentors["joined_secs"][mi]) / 86400.0

        values = np.empty((len(pairs), len(self.feature_names_)), dtype=np.float32)
        for j, name in enumerate(self.feature_names_):
            values[:, j] = f[name]
        return pd.DataFrame(values, columns=list(self.feature_names_), index=pairs.index)

    def _soft_coverage(
        self,
        wanted: list[frozenset[str]],
        offered: list[frozenset[str]],
        mentor_positions: np.ndarray,
        context: FeatureContext,
    ) -> np.ndarray:
        n = len(wanted)
        out = np.full(n, np.nan)
        w_vocab = sorted(set().union(*wanted)) if n else []
        o_vocab = sorted(set().union(*offered)) if n else []
        if not w_vocab or not o_vocab:
            return out
        w_pos = {s: i for i, s in enumerate(w_vocab)}
        o_pos = {s: i for i, s in enumerate(o_vocab)}
        sim = context.skill_matrix(w_vocab, "query") @ context.skill_matrix(o_vocab, "document").T
        # Best match per (mentor, wanted skill), computed once per distinct mentor.
        codes, first = np.unique(mentor_positions, return_inverse=True)
        best = np.full((len(codes), len(w_vocab)), np.nan)
        seen = np.zeros(len(codes), dtype=bool)
        for c, o in zip(first, offered, strict=True):
            if not seen[c] and o:
                best[c] = sim[:, [o_pos[s] for s in o]].max(axis=1)
            seen[c] = True
        # Mean over each row's wanted skills as one gather + bincount (no per-row numpy call).
        rows = np.repeat(np.arange(n), [len(w) for w in wanted])
        # Sorted so sums do not depend on set order (PYTHONHASHSEED): same data, same model.
        cols = np.fromiter(
            (w_pos[s] for w in wanted for s in sorted(w)), dtype=np.int64, count=len(rows)
        )
        values = best[first[rows], cols]
        sums = np.bincount(rows, weights=np.nan_to_num(values), minlength=n)
        counts = np.bincount(rows, minlength=n)
        known = np.zeros(n, dtype=bool)
        known[rows[~np.isnan(values)]] = True
        ok = known & (counts > 0)
        out[ok] = sums[ok] / counts[ok]
        return out
