"""The sample-programme generator: determinism, contract validity, the oracle, realism of the
text, and outcomes that really follow the documented hidden success model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from pydantic import ValidationError

from recommender.data import vocab
from recommender.data.generate import (
    GeneratorConfig,
    SyntheticProgramme,
    build_programme,
    generate_programme,
    success_probability,
    tz_overlap_hours,
)
from recommender.data.generator.hidden import DEFAULT_HIDDEN_MODEL
from recommender.data.generator.people import vocabulary
from recommender.data.generator.text import (
    RandomStream,
    TemplateError,
    _Choice,
    _Optional,
    parse_template,
    render,
)
from recommender.data.labels import DEFAULT_LABEL_POLICY
from recommender.data.load import read_programme

SMALL = GeneratorConfig(n_mentors=60, n_mentees=150, seed=7)


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECOMMENDER_PROGRESS", "0")


@pytest.fixture(scope="module")
def small_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small")
    generate_programme(out, SMALL)
    return out


@pytest.fixture(scope="module")
def mid() -> SyntheticProgramme:
    """Big enough for outcome statistics, small enough to build in about a second."""
    return build_programme(GeneratorConfig(n_mentors=300, n_mentees=2000, seed=11))


def _files(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


# --- determinism and files ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_same_seed_gives_identical_files(tmp_path: Path, fmt: str) -> None:
    generate_programme(tmp_path / "a", SMALL, fmt=fmt)
    generate_programme(tmp_path / "b", SMALL, fmt=fmt)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert sorted(a) == sorted(
        [
            f"mentees.{fmt}",
            f"mentors.{fmt}",
            f"pairings.{fmt}",
            "oracle/meta.json",
            "oracle/pairing_factors.parquet",
            "oracle/success_probability.parquet",
        ]
    )
    assert a == b


def test_different_seed_gives_different_programme(tmp_path: Path, small_dir: Path) -> None:
    generate_programme(tmp_path, SMALL.model_copy(update={"seed": 8}))
    for name in ("mentors.csv", "mentees.csv", "pairings.csv"):
        assert (tmp_path / name).read_bytes() != (small_dir / name).read_bytes()


def test_output_passes_the_contract(small_dir: Path) -> None:
    result = read_programme(small_dir)
    assert result.report.ok, result.report.format_text()
    assert len(result.programme.mentors) == SMALL.n_mentors
    assert len(result.programme.mentees) == SMALL.n_mentees
    assert len(result.programme.pairings) > SMALL.n_mentees  # more than one proposal each


def test_parquet_output_passes_the_contract(tmp_path: Path) -> None:
    generate_programme(tmp_path, SMALL, fmt="parquet")
    result = read_programme(tmp_path)
    assert result.report.ok, result.report.format_text()


def test_summary_counts_what_was_written(tmp_path: Path) -> None:
    summary = generate_programme(tmp_path, SMALL)
    pairings = pd.read_csv(tmp_path / "pairings.csv")
    assert summary.pairings == len(pairings)
    assert summary.status_counts == {
        s: int((pairings["status"] == s).sum()) for s in summary.status_counts
    }
    assert (
        summary.oracle_rows
        == pq.read_metadata(tmp_path / "oracle" / "success_probability.parquet").num_rows
    )
    text = summary.format_text()
    assert f"mentors: {SMALL.n_mentors}" in text
    assert "holdout from" in text
    assert summary.to_dict()["holdout_start"].endswith("Z")


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="csv or parquet"):
        generate_programme(tmp_path, SMALL, fmt="xlsx")
    with pytest.raises(ValidationError, match="holdout_fraction"):
        GeneratorConfig(holdout_fraction=1.5)
    with pytest.raises(ValidationError, match="n_mentors"):
        GeneratorConfig(n_mentors=1)


def test_cli_generates_and_reports(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from recommender.cli import app

    result = CliRunner().invoke(
        app,
        [
            "data",
            "generate",
            "--out",
            str(tmp_path),
            "--mentors",
            "20",
            "--mentees",
            "40",
            "--seed",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "mentors: 20" in result.output
    assert read_programme(tmp_path).report.ok


# --- structure of the programme -----------------------------------------------------------------


def test_people_look_like_a_company(mid: SyntheticProgramme) -> None:
    mentors, mentees = mid.programme.mentors, mid.programme.mentees
    assert set(mentors["capacity"]) <= {1, 2, 3, 4}
    assert set(mentors["capacity"]) == {1, 2, 3, 4}
    assert 0.03 < (~mentors["available"].astype(bool)).mean() < 0.2
    assert mentors["seniority"].mean() > mentees["seniority"].mean() + 1
    assert set(mentors["department"]) == {f.department for f in vocab.FUNCTIONS}
    # Years of experience grow with seniority.
    by_level = mentors.groupby("seniority")["years_experience"].mean()
    assert by_level.is_monotonic_increasing
    # Time zones are real IANA names matching the city.
    office_zone = {o.city: o.timezone for o in vocab.OFFICES}
    assert (mentees["timezone"] == mentees["location"].map(office_zone)).all()
    # Some people cannot be mentored in English.
    assert (~mentees["languages"].map(lambda langs: "English" in langs)).sum() > 10
    # Mostly traditional mentoring, some peer and reverse.
    kinds = mentees["mentoring_type"].value_counts(normalize=True)
    assert kinds["traditional"] > 0.7
    assert kinds["peer"] > 0.02
    assert kinds["reverse"] > 0.005
    # Audit groups have unequal shares.
    shares = mentors["group"].value_counts(normalize=True)
    assert shares.index[0] == "group_a"
    assert shares.iloc[0] > 2 * shares.iloc[-1]


def test_some_people_are_both_mentor_and_mentee_but_never_paired_with_themselves(
    mid: SyntheticProgramme,
) -> None:
    programme = mid.programme
    both = set(programme.mentors["mentor_id"]) & set(programme.mentees["mentee_id"])
    assert len(both) == round(mid.config.dual_role_fraction * mid.config.n_mentees)
    pairings = programme.pairings
    assert not (pairings["mentor_id"] == pairings["mentee_id"]).any()
    assert pairings["mentee_id"].isin(both).any()  # they do get other mentors


def test_text_is_varied(mid: SyntheticProgramme) -> None:
    goals = mid.programme.mentees["goals"]
    written = goals[goals != ""]
    assert len(written) > 0.9 * len(goals)
    assert written.nunique() > 0.85 * len(written)
    profiles = mid.programme.mentors["profile"]
    assert profiles[profiles != ""].nunique() > 0.95 * (profiles != "").sum()
    # One theme, many phrasings: people who want the same thing rarely write the same words.
    theme = vocab.THEME_KEYS.index("people_leadership")
    leaders = goals[mid.mentees.theme[_row_to_mentee(mid)] == theme]
    assert leaders.nunique() > 0.8 * len(leaders)


def _row_to_mentee(mid: SyntheticProgramme) -> np.ndarray:
    """Position in the hidden arrays of each row of the mentees table."""
    position = {m: i for i, m in enumerate(mid.mentees.ids)}
    return np.array([position[m] for m in mid.programme.mentees["mentee_id"]])


def test_listed_skills_are_a_noisy_view_of_true_skills(mid: SyntheticProgramme) -> None:
    voc = vocabulary()
    listed = sum(len(s) for s in mid.mentors.listed_skills)
    true = int(mid.mentors.true_skills.sum())
    assert 0.6 * true < listed < true  # incomplete
    variants = {v for vs in vocab.SKILL_VARIANTS.values() for v in vs}
    written = [s for skills in mid.mentors.listed_skills for s in skills]
    assert any(s in variants for s in written)  # "sql", "k8s", ...
    assert all(s in voc.skills or s in variants for s in written)


def test_statuses_dates_and_ratings_are_consistent(mid: SyntheticProgramme) -> None:
    p = mid.programme.pairings
    end = pd.Timestamp(mid.config.end)
    assert (p["created_at"] < end).all()
    finished = p["status"].isin(["completed", "ended_early"])
    assert p.loc[finished, "ended_at"].notna().all()
    assert p.loc[~finished, "ended_at"].isna().all()
    assert (p.loc[finished, "ended_at"] > p.loc[finished, "created_at"]).all()
    assert (p.loc[finished, "ended_at"] <= end).all()
    assert p.loc[~finished, "rating"].isna().all()
    assert p.loc[finished, "rating"].isna().any()
    assert p.loc[finished, "rating"].notna().any()
    ratings = p["rating"].dropna()
    assert ((ratings >= 0) & (ratings <= 5)).all()
    # Completed pairings are rated higher than those that ended early.
    completed = p.loc[p["status"] == "completed", "rating"].mean()
    assert completed > p.loc[p["status"] == "ended_early", "rating"].mean() + 1.5
    # Recent pairings have not finished yet; old ones have.
    recent = p["created_at"] > end - pd.Timedelta(days=60)
    assert not (p.loc[recent, "status"] == "completed").any()
    assert p.loc[recent, "status"].isin(["active", "accepted", "proposed"]).any()
    old = p["created_at"] < end - pd.Timedelta(days=400)
    assert not p.loc[old, "status"].isin(["active", "accepted", "proposed"]).any()


def test_checkins_and_mid_course_feedback_follow_how_pairings_go(
    mid: SyntheticProgramme,
) -> None:
    p = mid.programme.pairings
    end = pd.Timestamp(mid.config.end)
    checkin = p["last_checkin_at"]
    assert checkin.notna().any()
    assert p.loc[p["status"].isin(["proposed", "declined"]), "last_checkin_at"].isna().all()
    dated = checkin.notna()
    assert (checkin[dated] > p.loc[dated, "created_at"]).all()
    assert (checkin[dated] <= end).all()
    ended = dated & p["ended_at"].notna()
    assert (checkin[ended] <= p.loc[ended, "ended_at"]).all()
    # Failing pairings still running at the end have gone quiet more often than working ones.
    success = mid.pairing_factors.set_index("pairing_id")["success"]
    running = p[p["status"] == "active"].set_index("pairing_id")
    last = running["last_checkin_at"].fillna(running["created_at"])
    quiet = (end - last) > pd.Timedelta(days=42)
    failing = ~success.reindex(running.index).astype(bool)
    assert quiet[failing].mean() > 1.5 * quiet[~failing].mean()
    # Unrated completed pairings write like rated ones: not all glowing.
    unrated = p[(p["status"] == "completed") & p["rating"].isna() & (p["feedback"] != "")]
    assert unrated["feedback"].isin([f for f in p.loc[p["rating"] <= 2, "feedback"] if f]).any()


def test_success_rate_and_volume_are_realistic(mid: SyntheticProgramme) -> None:
    p = mid.programme.pairings
    assert 1.5 <= len(p) / mid.config.n_mentees <= 3.0
    rate = DEFAULT_LABEL_POLICY.is_success(p).mean()
    assert 0.35 <= rate <= 0.65
    assert set(p["status"]) == {
        "proposed",
        "accepted",
        "declined",
        "active",
        "completed",
        "ended_early",
    }
    # Feedback text follows the outcome.
    good = p.loc[(p["status"] == "completed") & (p["rating"] >= 4), "feedback"]
    assert (
        good.str.contains("helpful|valuable|advice|feedback|highlight|needed|Helped").mean()
        > 0.5 * (good != "").mean()
    )


# --- the hidden model ---------------------------------------------------------------------------


def test_success_probability_is_monotone_in_each_factor() -> None:
    grid = np.linspace(0.0, 1.0, 11)
    for factor in ("coverage", "theme_fit"):
        factors: dict[str, Any] = {factor: grid}
        assert np.all(np.diff(success_probability(**factors)) > 0)
    assert np.all(np.diff(success_probability(tz_overlap=np.linspace(0, 10, 11))) > 0)
    assert np.all(np.diff(success_probability(mentor_quality=np.linspace(-2, 2, 9))) > 0)
    assert np.all(np.diff(success_probability(load=np.arange(4), capacity=4)) < 0)
    assert np.all(np.diff(success_probability(shared_interests=np.arange(3))) > 0)
    assert success_probability(shared_language=False) < 0.5 * success_probability()
    assert success_probability(type_offered=False) < success_probability()
    # A mentor at capacity is much less likely to work out than one with room.
    good: dict[str, Any] = {"coverage": 1.0, "theme_fit": 1.0}
    assert (
        success_probability(load=2, capacity=2, **good)
        < success_probability(load=1, capacity=2, **good) - 0.1
    )


def test_seniority_effect_depends_on_mentoring_type() -> None:
    gaps = np.arange(-4, 7)
    traditional = success_probability(seniority_gap=gaps, mentoring_type="traditional")
    best = gaps[np.argmax(traditional)]
    assert 1 <= best <= 3
    assert np.all(np.diff(traditional[gaps <= best]) >= 0)  # junior mentors are bad
    assert traditional[gaps == -1] < 0.5 * traditional[gaps == best]
    assert traditional[gaps == 6] < traditional[gaps == best]  # too distant is worse
    peer = success_probability(seniority_gap=gaps, mentoring_type="peer")
    assert abs(gaps[np.argmax(peer)]) <= 1
    reverse = success_probability(seniority_gap=gaps, mentoring_type="reverse")
    assert gaps[np.argmax(reverse)] < 0
    with pytest.raises(ValueError, match="unknown mentoring type"):
        success_probability(mentoring_type="group")


def test_contributions_add_up_to_the_logit() -> None:
    factors: dict[str, Any] = dict(
        coverage=[0.2, 0.9],
        theme_fit=[1.0, 0.0],
        seniority_gap=[2, -1],
        tz_overlap=[3.0, 10.0],
        shared_language=[True, False],
        load=[0, 2],
        capacity=[2, 2],
        mentor_quality=[0.3, -0.5],
    )
    parts = DEFAULT_HIDDEN_MODEL.contributions(**factors)
    total = DEFAULT_HIDDEN_MODEL.intercept + sum(parts.values())
    assert np.allclose(total, DEFAULT_HIDDEN_MODEL.logit(**factors))
    assert set(parts) >= {
        "coverage",
        "theme",
        "seniority",
        "timezone",
        "language",
        "quality",
        "load",
    }


def test_tz_overlap_is_circular() -> None:
    assert tz_overlap_hours(0, 0) == 10
    assert tz_overlap_hours(-8, 0) == 2  # San Francisco and London
    assert tz_overlap_hours(-8, 10) == tz_overlap_hours(-8, -14)  # wraps around the date line
    assert tz_overlap_hours(-5, 7) == 0


def test_outcomes_follow_the_documented_factors(mid: SyntheticProgramme) -> None:
    """Measured on what the files show, not on the hidden variables."""
    p = mid.programme.pairings
    success = DEFAULT_LABEL_POLICY.is_success(p).to_numpy()
    decided = (p["status"] != "proposed").to_numpy()
    mentors = mid.programme.mentors.set_index("mentor_id")
    mentees = mid.programme.mentees.set_index("mentee_id")
    wanted = mentees.loc[p["mentee_id"], "skills_wanted"].to_numpy()
    listed = mentors.loc[p["mentor_id"], "skills"].to_numpy()
    covered = np.array(
        [
            len({s.lower() for s in w} & {s.lower() for s in m}) / max(len(w), 1)
            for w, m in zip(wanted, listed, strict=True)
        ]
    )
    low, high = covered <= 0.25, covered >= 0.5
    assert success[decided & high].mean() > success[decided & low].mean() + 0.05

    langs_e = mentees.loc[p["mentee_id"], "languages"].to_numpy()
    langs_m = mentors.loc[p["mentor_id"], "languages"].to_numpy()
    shared = np.array([bool(set(a) & set(b)) for a, b in zip(langs_e, langs_m, strict=True)])
    assert (~shared).sum() >= 5
    assert success[decided & ~shared].mean() < success[decided & shared].mean() - 0.2

    gap = (
        mentors.loc[p["mentor_id"], "seniority"].to_numpy()
        - mentees.loc[p["mentee_id"], "seniority"].to_numpy()
    )
    traditional = (mentees.loc[p["mentee_id"], "mentoring_type"] == "traditional").to_numpy()
    sweet = decided & traditional & (gap >= 1) & (gap <= 3)
    junior = decided & traditional & (gap <= 0)
    assert success[sweet].mean() > success[junior].mean() + 0.05


def test_hidden_factors_explain_outcomes(mid: SyntheticProgramme) -> None:
    f = mid.pairing_factors
    decided = (mid.programme.pairings["status"] != "proposed").to_numpy()
    f = f[decided]
    # Calibration: pairs succeed about as often as the hidden model says.
    bins = pd.qcut(f["p_success"], 5, labels=False)
    observed = f.groupby(bins)["success"].mean().to_numpy()
    expected = f.groupby(bins)["p_success"].mean().to_numpy()
    assert np.all(np.diff(observed) > 0)
    assert np.abs(observed - expected).max() < 0.1
    # Latent mentor quality matters although no column shows it.
    q = f["mentor_quality"]
    assert (
        f.loc[q > q.quantile(0.75), "success"].mean()
        > f.loc[q < q.quantile(0.25), "success"].mean() + 0.05
    )
    # So does the theme fit and the time-zone overlap.
    assert (
        f.loc[f["theme_fit"] >= 0.75, "success"].mean()
        > f.loc[f["theme_fit"] < 0.3, "success"].mean() + 0.1
    )
    assert (
        f.loc[f["tz_overlap_hours"] >= 8, "success"].mean()
        > f.loc[f["tz_overlap_hours"] <= 2, "success"].mean() + 0.05
    )


# --- the oracle ---------------------------------------------------------------------------------


def test_oracle_covers_exactly_the_held_out_mentees_and_all_other_mentors(
    small_dir: Path,
) -> None:
    meta = json.loads((small_dir / "oracle" / "meta.json").read_text(encoding="utf-8"))
    cutoff = pd.Timestamp(meta["holdout_start"])
    oracle = pd.read_parquet(small_dir / "oracle" / "success_probability.parquet")
    assert list(oracle.columns) == ["mentee_id", "mentor_id", "p_success", "eligible"]
    mentors = pd.read_csv(small_dir / "mentors.csv")["mentor_id"]
    mentees = pd.read_csv(small_dir / "mentees.csv", parse_dates=["created_at"])
    pairings = pd.read_csv(small_dir / "pairings.csv", parse_dates=["created_at"])

    held_out = set(mentees.loc[mentees["created_at"] >= cutoff, "mentee_id"])
    assert held_out
    assert set(oracle["mentee_id"]) == held_out
    assert set(pairings.loc[pairings["created_at"] >= cutoff, "mentee_id"]) <= held_out
    assert not set(pairings.loc[pairings["created_at"] < cutoff, "mentee_id"]) & held_out

    expected = {(e, m) for e in held_out for m in mentors if m != e}
    assert set(zip(oracle["mentee_id"], oracle["mentor_id"], strict=True)) == expected
    assert len(oracle) == len(expected)
    assert oracle["p_success"].between(0, 1, inclusive="neither").all()
    assert meta["seed"] == SMALL.seed
    assert meta["oracle_rows"] == len(oracle)
    assert meta["holdout_mentees"] == len(held_out)
    # The cut-off is the configured share of the history before the end.
    history = pd.Timestamp(meta["reference_end"]) - pd.Timestamp(meta["history_start"])
    share = (pd.Timestamp(meta["reference_end"]) - cutoff) / history
    assert abs(share - SMALL.holdout_fraction) < 0.01


def test_oracle_ranks_who_actually_paired_successfully_first(mid: SyntheticProgramme) -> None:
    oracle = mid.oracle.to_frame()
    p = mid.programme.pairings
    success = DEFAULT_LABEL_POLICY.is_success(p)
    held = p[p["created_at"] >= pd.Timestamp(mid.holdout_start)]
    winners = set(zip(held.loc[success, "mentee_id"], held.loc[success, "mentor_id"], strict=True))
    assert winners
    oracle["won"] = [
        pair in winners for pair in zip(oracle["mentee_id"], oracle["mentor_id"], strict=True)
    ]
    oracle = oracle[oracle["eligible"] | oracle["won"]]
    rank = oracle.groupby("mentee_id")["p_success"].rank(ascending=False)
    # Successful mentors sit near the top of their mentee's oracle ranking among hundreds.
    assert rank[oracle["won"]].median() <= 10
    # Mentors proposed in the simulation were eligible at the time.
    proposed = set(zip(held["mentee_id"], held["mentor_id"], strict=True))
    everyone = mid.oracle.to_frame().set_index(["mentee_id", "mentor_id"])
    assert everyone["eligible"].loc[sorted(proposed)].all()


# --- vocabulary and text machinery --------------------------------------------------------------


def test_vocabulary_is_rich_and_consistent() -> None:
    voc = vocabulary()  # raises on unknown skills or themes
    assert len(vocab.THEMES) >= 20
    for theme in vocab.THEMES:
        assert len(theme.mentor_phrases) >= 3, theme.key
        assert len(theme.mentee_phrases) >= 3, theme.key
    for function, skills in zip(vocab.FUNCTIONS, voc.function_skills, strict=True):
        assert len(skills) >= 15, function.key
        assert len(function.titles) == vocab.N_LEVELS
    assert abs(sum(f.share for f in vocab.FUNCTIONS) - 1) < 1e-9
    assert abs(sum(o.share for o in vocab.OFFICES) - 1) < 1e-9
    assert {
        "stakeholder management",
        "people management",
        "public speaking",
        "negotiation",
        "strategic planning",
    } <= {voc.skills[i] for i in voc.cross_skills}


def _all_templates() -> list[str]:
    templates = [t for theme in vocab.THEMES for t in theme.mentor_phrases + theme.mentee_phrases]
    templates += list(
        vocab.MENTOR_INTROS
        + vocab.MENTOR_CLOSERS
        + vocab.MENTOR_TOPIC_LINES
        + vocab.MENTEE_INTROS
        + vocab.MENTEE_BACKGROUNDS
        + vocab.GOAL_SKILL_ADDONS
        + vocab.GOAL_TIMELINES
        + vocab.GOAL_PREFERENCES
        + vocab.FEEDBACK_GREAT
        + vocab.FEEDBACK_OK
        + vocab.FEEDBACK_POOR
        + vocab.FEEDBACK_START
        + vocab.FEEDBACK_STRUGGLING
        + vocab.FEEDBACK_PROGRESS
        + vocab.FEEDBACK_MIXED
    )
    for reasons in (vocab.FEEDBACK_REASONS_ENDED, vocab.FEEDBACK_REASONS_DECLINED):
        templates += [t for pool in reasons.values() for t in pool]
    return templates


def _single_option_groups(nodes: tuple[object, ...]) -> int:
    """Groups "(x)" with one option: a literal parenthesis the template language swallows."""
    count = 0
    for node in nodes:
        if isinstance(node, _Choice):
            count += len(node.options) < 2
            count += sum(_single_option_groups(option) for option in node.options)
        elif isinstance(node, _Optional):
            count += _single_option_groups(node.body)
    return count


def test_every_template_expands() -> None:
    rs = RandomStream(np.random.default_rng(0))
    slots: dict[str, str | tuple[str, ...]] = dict(vocab.SLOT_VALUES)
    slots.update(
        title="Data Analyst",
        title_a="a Data Analyst",
        department="Data",
        dept_noun="data",
        other_dept_noun="finance",
        city="Lagos",
        years="4",
        interest="chess",
        interest2="music",
        skills="SQL",
        kinds="peer",
    )
    slots["topics"] = "becoming a manager"
    templates = _all_templates()
    assert set(vocab.THEME_TOPICS) == set(vocab.THEME_KEYS)
    for template in templates:
        assert _single_option_groups(parse_template(template)) == 0, template
        for _ in range(3):
            out = render(template, slots, rs)
            assert out, template
            assert not any(c in out for c in "()[]{}|"), (template, out)
            assert out[0].isupper() or out[0].isdigit(), out


def test_template_language() -> None:
    rs = RandomStream(np.random.default_rng(1))
    seen = {render("(a|b) [x ]{s}.", {"s": ("y", "z")}, rs) for _ in range(200)}
    assert seen == {f"{a} {x}{s}." for a in "AB" for x in ("", "x ") for s in "yz"}
    assert render("(a|(b|c)) d", {}, rs) in {"A d", "B d", "C d"}
    for bad in ("(a|b", "a]", "{}", "[a"):
        with pytest.raises(TemplateError):
            render(bad, {}, rs)
