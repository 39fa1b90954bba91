"""Realistic sample programmes with a hidden success model and an oracle.

``generate_programme(out, GeneratorConfig(...))`` writes a contract-valid programme that looks
like a real company's (see ``recommender data generate --help``)::

    OUT/mentors.csv, mentees.csv, pairings.csv     (or .parquet)
    OUT/oracle/success_probability.parquet         mentee_id, mentor_id, p_success, eligible
    OUT/oracle/pairing_factors.parquet             the hidden factors behind every pairing
    OUT/oracle/meta.json                           holdout start, seed, sizes, hidden model

The company: ten functions (engineering, data, product, design, sales, marketing, finance, HR,
operations, legal) with titles per seniority level 1-7 and a skill vocabulary each, plus
cross-functional skills; 24 offices in 19 IANA time zones with their languages (some people
speak no English); interests; an audit ``group`` with unequal shares, slightly tilted by
department and used by nothing else.

Hidden truth (never a column): every mentor has 1-3 expertise *themes* (people leadership,
career switch into data, public speaking, product strategy, fundraising, system design, sales
leadership, ... 34 in all), *true skills* (their listed skills are an incomplete and sometimes
misspelt subset, with the odd overclaim) and a latent *quality*; every mentee a goal theme
(sometimes two), the skills they want, and an *engagement*. Profiles and goals are written from
many phrasings per theme ("wants to become a people manager" / "has led teams of twelve"), so
word overlap recovers only part of the fit.

History: mentees arrive over ``years`` (growing, with January and September cohort peaks). Each
request gets 0-3 proposals among the mentors eligible then, picked by perceived fit (see
:mod:`recommender.data.generator.simulate`), and each proposal succeeds with the probability of
the hidden success model (:mod:`recommender.data.generator.hidden`): a logistic function of
skill-gap coverage (exact and via related skills), theme fit, seniority gap by mentoring type,
time-zone overlap, shared language, mentor quality, mentee engagement, mentor load versus
capacity, mentoring-type fit, same function and shared interests. Successes are accepted /
active / completed (with a rating) depending on how long ago they started; failures are declined
or ended_early (recent ones still look active); proposals not yet answered at the end date are
``proposed``. Feedback text follows the outcome and names the factor that hurt; pairs log
check-ins while they run, and failing ones fade out
(:mod:`recommender.data.generator.followup`).

Oracle: for every mentee whose request falls in the final ``holdout_fraction`` of the history
(at or after ``holdout_start`` in ``meta.json``) and every mentor other than themself, the
hidden model's success probability as of the request (mentor loads at that time), and whether
the mentor was eligible then. Ranking a held-out mentee's candidates by ``p_success`` is the
best possible ranking of who ends up successfully paired; the pairings of held-out mentees are
exactly the pairings created at or after the cut-off.

Deterministic: one numpy Generator seeded once, a fixed end date, no set-order dependence; the
same config writes byte-identical files.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from recommender.data import vocab
from recommender.data.contract import MENTEES, MENTORING_TYPES, MENTORS, PAIRINGS, Programme
from recommender.data.frames import coerce_frame, write_programme
from recommender.data.generator.config import DEFAULT_END, GeneratorConfig
from recommender.data.generator.hidden import (
    DEFAULT_HIDDEN_MODEL,
    HiddenModel,
    success_probability,
    tz_overlap_hours,
)
from recommender.data.generator.people import (
    Mentees,
    Mentors,
    allocate_ids,
    make_mentees,
    make_mentors,
)
from recommender.data.generator.simulate import FACTOR_COLUMNS, History, simulate
from recommender.data.generator.text import RandomStream
from recommender.data.labels import DEFAULT_LABEL_POLICY

__all__ = [
    "DEFAULT_END",
    "DEFAULT_HIDDEN_MODEL",
    "GenerateSummary",
    "GeneratorConfig",
    "HiddenModel",
    "Oracle",
    "SyntheticProgramme",
    "build_programme",
    "generate_programme",
    "success_probability",
    "tz_overlap_hours",
]

GENERATOR_VERSION = "1"
ORACLE_DIR = "oracle"
ORACLE_FILE = "success_probability.parquet"
FACTORS_FILE = "pairing_factors.parquet"
META_FILE = "meta.json"

_SECONDS_PER_YEAR = 365.25 * 86_400


@dataclass
class Oracle:
    """The hidden success probability of every (held-out mentee, mentor) pair.

    Rows are grouped by mentee (in request order), then mentors in table order; the mentee
    themself is left out when they are also a mentor.
    """

    mentee_ids: list[str]  # per held-out mentee
    mentor_ids: list[str]  # the mentor table's ids
    mentee_index: np.ndarray  # per row: position in mentee_ids
    mentor_index: np.ndarray  # per row: position in mentor_ids
    p_success: np.ndarray
    eligible: np.ndarray

    def __len__(self) -> int:
        return len(self.p_success)

    def to_arrow(self) -> pa.Table:
        """Columns mentee_id, mentor_id (strings), p_success (float64), eligible (bool)."""
        return pa.table(
            {
                "mentee_id": pa.array(self.mentee_ids, pa.string()).take(
                    pa.array(self.mentee_index, pa.int64())
                ),
                "mentor_id": pa.array(self.mentor_ids, pa.string()).take(
                    pa.array(self.mentor_index, pa.int64())
                ),
                "p_success": pa.array(self.p_success, pa.float64()),
                "eligible": pa.array(self.eligible, pa.bool_()),
            }
        )

    def to_frame(self) -> pd.DataFrame:
        """The oracle as a pandas frame (same columns as the parquet file)."""
        return self.to_arrow().to_pandas()


@dataclass
class SyntheticProgramme:
    """A generated programme in memory, with the hidden truth behind it."""

    config: GeneratorConfig
    programme: Programme
    oracle: Oracle
    #: One row per pairing (same order as ``programme.pairings``): the hidden factors and the
    #: true success probability at proposal time.
    pairing_factors: pd.DataFrame
    history_start: datetime
    holdout_start: datetime
    mentors: Mentors
    mentees: Mentees
    model: HiddenModel = field(default=DEFAULT_HIDDEN_MODEL)

    def meta(self) -> dict[str, Any]:
        """What ``oracle/meta.json`` holds (deterministic: no timings, no paths)."""
        held_out = len(self.oracle.mentee_ids)
        return {
            "description": (
                "Hidden truth of a generated mentoring programme. success_probability.parquet "
                "holds, for every mentee whose request is at or after holdout_start and every "
                "mentor except themself, the hidden success model's probability that the pair "
                "succeeds (accepted/active/completed) if proposed, computed at the request time "
                "with the mentor loads of that time; 'eligible' says whether the mentor could "
                "be proposed then (had joined, was available, had capacity left). Ranking a "
                "mentee's candidates by p_success is the best possible ranking. "
                "pairing_factors.parquet holds the hidden factors of every pairing. Never use "
                "these files as model input."
            ),
            "generator_version": GENERATOR_VERSION,
            "seed": self.config.seed,
            "n_mentors": len(self.mentors.ids),
            "n_mentees": len(self.mentees.ids),
            "n_pairings": len(self.programme.pairings),
            "years": self.config.years,
            "history_start": _iso(self.history_start),
            "reference_end": _iso(self.config.end),
            "holdout_fraction": self.config.holdout_fraction,
            "holdout_start": _iso(self.holdout_start),
            "holdout_mentees": held_out,
            "oracle_rows": len(self.oracle),
            "selection_temperature": self.config.selection_temperature,
            "label_policy": "accepted, active and completed count as success",
            "hidden_model": self.model.describe(),
            "files": {
                "success_probability": f"{ORACLE_DIR}/{ORACLE_FILE}",
                "pairing_factors": f"{ORACLE_DIR}/{FACTORS_FILE}",
            },
        }


@dataclass
class GenerateSummary:
    """What :func:`generate_programme` wrote."""

    out: Path
    fmt: str
    mentors: int
    mentees: int
    dual_role: int
    pairings: int
    status_counts: dict[str, int]
    success_rate: float
    proposals_per_mentee: float
    holdout_mentees: int
    oracle_rows: int
    holdout_start: datetime
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "out": str(self.out),
            "format": self.fmt,
            "mentors": self.mentors,
            "mentees": self.mentees,
            "dual_role": self.dual_role,
            "pairings": self.pairings,
            "status_counts": dict(self.status_counts),
            "success_rate": self.success_rate,
            "proposals_per_mentee": self.proposals_per_mentee,
            "holdout_mentees": self.holdout_mentees,
            "oracle_rows": self.oracle_rows,
            "holdout_start": _iso(self.holdout_start),
            "seconds": self.seconds,
        }

    def format_text(self) -> str:
        """A few readable lines for the command line."""
        statuses = ", ".join(f"{k} {v}" for k, v in self.status_counts.items())
        return "\n".join(
            [
                f"Generated a sample programme in {self.out} ({self.fmt}) in {self.seconds:.1f} s",
                f"  mentors: {self.mentors}   mentees: {self.mentees} "
                f"({self.dual_role} also mentors)",
                f"  pairings: {self.pairings} ({self.proposals_per_mentee:.2f} per mentee; "
                f"{self.success_rate:.0%} successful): {statuses}",
                f"  oracle: {self.oracle_rows} (mentee, mentor) pairs for "
                f"{self.holdout_mentees} held-out mentees, holdout from "
                f"{_iso(self.holdout_start)}",
            ]
        )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _timestamps(seconds: np.ndarray | Sequence[int | None]) -> pd.Series:
    values = pd.array([None if s is None else int(s) for s in seconds], dtype="Int64")
    return pd.Series(pd.to_datetime(values, unit="s", utc=True))


def build_programme(
    config: GeneratorConfig | None = None,
    *,
    model: HiddenModel = DEFAULT_HIDDEN_MODEL,
    on_progress: Callable[[int], None] | None = None,
) -> SyntheticProgramme:
    """Generate a programme in memory (canonical frames, oracle, hidden factors)."""
    config = config or GeneratorConfig()
    # Independent streams for attributes, words and the simulation: changing how text is
    # written (or how the history unfolds) never reshuffles who the people are.
    # spawn(4) gives the same first three children as spawn(3): adding the follow-up stream
    # left every earlier draw as it was.
    people_seed, text_seed, sim_seed, followup_seed = np.random.SeedSequence(config.seed).spawn(4)
    rng = np.random.default_rng(people_seed)
    rs = RandomStream(rng)
    trs = RandomStream(np.random.default_rng(text_seed))
    sim_rng = np.random.default_rng(sim_seed)
    end = int(config.end.timestamp())
    start = end - round(config.years * _SECONDS_PER_YEAR)
    # The cut-off is a whole day (midnight UTC), so that it reads well in reports.
    cutoff = end - round(config.holdout_fraction * config.years * _SECONDS_PER_YEAR)
    cutoff -= cutoff % 86_400
    if cutoff <= start:
        raise ValueError("holdout_fraction leaves no history before the hold-out period")

    n_dual = min(
        round(config.dual_role_fraction * config.n_mentees), config.n_mentors, config.n_mentees
    )
    ids = allocate_ids(rng, config.n_mentors + config.n_mentees - n_dual)
    mentors = make_mentors(rng, rs, trs, config, model, ids[: config.n_mentors], start, cutoff)
    mentees = make_mentees(
        rng, rs, trs, config, model, mentors, ids[config.n_mentors :], start, end
    )
    history = simulate(
        sim_rng,
        RandomStream(sim_rng),
        config,
        model,
        mentors,
        mentees,
        cutoff,
        end,
        on_progress=on_progress,
        followup=RandomStream(np.random.default_rng(followup_seed)),
    )
    programme, factors = _frames(mentors, mentees, history)
    return SyntheticProgramme(
        config=config,
        programme=programme,
        oracle=_oracle(mentors, mentees, history),
        pairing_factors=factors,
        history_start=datetime.fromtimestamp(start, UTC),
        holdout_start=datetime.fromtimestamp(cutoff, UTC),
        mentors=mentors,
        mentees=mentees,
        model=model,
    )


def _frames(mentors: Mentors, mentees: Mentees, history: History) -> tuple[Programme, pd.DataFrame]:
    offices = vocab.OFFICES
    functions = vocab.FUNCTIONS
    mentor_frame = pd.DataFrame(
        {
            "mentor_id": mentors.ids,
            "profile": mentors.profile,
            "skills": mentors.listed_skills,
            "interests": mentors.interests,
            "title": mentors.title,
            "department": [functions[f].department for f in mentors.function],
            "location": [offices[o].city for o in mentors.office],
            "timezone": [offices[o].timezone for o in mentors.office],
            "languages": mentors.languages,
            "seniority": mentors.level,
            "years_experience": mentors.years_experience,
            "capacity": mentors.capacity,
            "available": mentors.available,
            "mentoring_types": [
                [MENTORING_TYPES[j] for j in range(len(MENTORING_TYPES)) if row[j]]
                for row in mentors.offers
            ],
            "group": [vocab.GROUPS[g] for g in mentors.group],
            "created_at": _timestamps(mentors.created),
        }
    )
    mentor_frame = mentor_frame.sort_values("mentor_id", kind="stable").reset_index(drop=True)
    mentee_frame = pd.DataFrame(
        {
            "mentee_id": mentees.ids,
            "profile": mentees.profile,
            "goals": mentees.goals,
            "skills_wanted": mentees.wanted_text,
            "skills": mentees.skills,
            "interests": mentees.interests,
            "title": mentees.title,
            "department": [functions[f].department for f in mentees.function],
            "location": [offices[o].city for o in mentees.office],
            "timezone": [offices[o].timezone for o in mentees.office],
            "languages": mentees.languages,
            "seniority": mentees.level,
            "mentoring_type": [MENTORING_TYPES[t] for t in mentees.mentoring_type],
            "group": [vocab.GROUPS[g] for g in mentees.group],
            "created_at": _timestamps(mentees.created),
            "_order": mentees.created,
        }
    )
    mentee_frame = (
        mentee_frame.sort_values(["_order", "mentee_id"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )
    mentor_ids = np.array(mentors.ids, dtype=object)
    mentee_ids = np.array(mentees.ids, dtype=object)
    n = len(history.mentor)
    pair_mentor: list[str] = list(mentor_ids[np.array(history.mentor, dtype=np.int64)]) if n else []
    pair_mentee: list[str] = list(mentee_ids[np.array(history.mentee, dtype=np.int64)]) if n else []
    created = np.array(history.created, dtype=np.int64)
    order = (
        np.lexsort(
            (np.asarray(pair_mentor, dtype=str), np.asarray(pair_mentee, dtype=str), created)
        )
        if n
        else np.array([], dtype=np.int64)
    )
    pairing_ids = [f"PR{k + 1:07d}" for k in range(n)]
    raw = pd.DataFrame(
        {
            "mentor_id": pair_mentor,
            "mentee_id": pair_mentee,
            "created_at": _timestamps(history.created),
            "status": history.status,
            "rating": pd.array(history.rating, dtype="Float64"),
            "feedback": history.feedback,
            "ended_at": _timestamps(history.ended),
            "last_checkin_at": _timestamps(history.last_checkin),
        }
    )
    raw = raw.iloc[order].reset_index(drop=True)
    raw.insert(0, "pairing_id", pairing_ids)
    factors = pd.DataFrame(
        {k: np.asarray(v, dtype=float)[order] if n else [] for k, v in history.factors.items()}
    )
    factors = factors.astype({c: "float64" for c in FACTOR_COLUMNS})
    factors["success"] = factors["success"].astype(bool)
    factors["shared_language"] = factors["shared_language"].astype(bool)
    factors["type_offered"] = factors["type_offered"].astype(bool)
    factors["same_function"] = factors["same_function"].astype(bool)
    factors.insert(0, "pairing_id", pairing_ids)
    factors.insert(1, "mentee_id", raw["mentee_id"].to_numpy())
    factors.insert(2, "mentor_id", raw["mentor_id"].to_numpy())
    programme = Programme(
        mentors=coerce_frame(MENTORS, mentor_frame),
        mentees=coerce_frame(MENTEES, mentee_frame),
        pairings=coerce_frame(PAIRINGS, raw),
    )
    return programme, factors


def _oracle(mentors: Mentors, mentees: Mentees, history: History) -> Oracle:
    held = history.oracle_mentee
    counts = [len(p) for p in history.oracle_p]
    return Oracle(
        mentee_ids=[mentees.ids[i] for i in held],
        mentor_ids=list(mentors.ids),
        mentee_index=np.repeat(np.arange(len(held), dtype=np.int64), counts),
        mentor_index=np.concatenate(history.oracle_mentor).astype(np.int64)
        if held
        else np.zeros(0, dtype=np.int64),
        p_success=np.concatenate(history.oracle_p) if held else np.zeros(0),
        eligible=np.concatenate(history.oracle_eligible) if held else np.zeros(0, dtype=bool),
    )


def write_oracle(synthetic: SyntheticProgramme, directory: Path) -> Path:
    """Write ``directory/oracle/`` (success probabilities, pairing factors, meta.json)."""
    folder = Path(directory) / ORACLE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    _write_parquet(synthetic.oracle.to_arrow(), folder / ORACLE_FILE)
    _write_parquet(
        pa.Table.from_pandas(synthetic.pairing_factors, preserve_index=False), folder / FACTORS_FILE
    )
    meta = folder / META_FILE
    tmp = meta.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(synthetic.meta(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(meta)
    return folder


def _write_parquet(table: pa.Table, target: Path) -> None:
    tmp = target.with_suffix(target.suffix + ".tmp")
    pq.write_table(table, tmp)
    tmp.replace(target)


def generate_programme(
    out: Path | str, config: GeneratorConfig | None = None, fmt: str = "csv"
) -> GenerateSummary:
    """Generate a sample programme and write it (tables in ``fmt``, plus ``oracle/``) to ``out``.

    Shows a progress bar on stderr while simulating (``RECOMMENDER_PROGRESS=0`` hides it).
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"format must be csv or parquet, got {fmt!r}")
    from recommender.progress import task

    config = config or GeneratorConfig()
    began = time.perf_counter()
    with task("Simulating the programme", total=config.n_mentees) as progress:
        task_id = progress.task_ids[0]
        synthetic = build_programme(config, on_progress=lambda n: progress.advance(task_id, n))
    out = Path(out)
    write_programme(synthetic.programme, out, fmt=fmt)
    write_oracle(synthetic, out)
    pairings = synthetic.programme.pairings
    counts = pairings["status"].value_counts()
    success = DEFAULT_LABEL_POLICY.is_success(pairings)
    return GenerateSummary(
        out=out,
        fmt=fmt,
        mentors=len(synthetic.programme.mentors),
        mentees=len(synthetic.programme.mentees),
        dual_role=int((synthetic.mentees.mentor_index >= 0).sum()),
        pairings=len(pairings),
        status_counts={s: int(counts.get(s, 0)) for s in PAIRINGS.column("status").choices},
        success_rate=float(success.mean()) if len(pairings) else 0.0,
        proposals_per_mentee=len(pairings) / max(len(synthetic.programme.mentees), 1),
        holdout_mentees=len(synthetic.oracle.mentee_ids),
        oracle_rows=len(synthetic.oracle),
        holdout_start=synthetic.holdout_start,
        seconds=time.perf_counter() - began,
    )
