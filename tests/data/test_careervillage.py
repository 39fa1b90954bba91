"""The CareerVillage converter, on hand-written synthetic exports of both layouts.

The fixtures imitate the files' names, columns and date formats only; no real data is used
except in the ``realdata`` test, which reads ../shared/datasets/careervillage when present.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from recommender.cli import app
from recommender.data.careervillage import (
    GROUP_AFFILIATED,
    GROUP_UNAFFILIATED,
    MENTOR_CAPACITY,
    CareerVillageError,
    convert_careervillage,
    normalise_tag,
    read_askers,
    tags_goal_text,
)

REAL_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "careervillage"

PROFESSIONALS = [
    # id, location, industry, headline, date_joined
    (
        "p1",
        "Boston, Massachusetts",
        "Hospital and Health Care",
        "Registered Nurse at MGH",
        "2015-01-10 09:00:00 UTC+0000",
    ),
    ("p2", "", "Computer Software", "--", "2015-02-01 12:00:00 UTC+0000"),
    ("p3", "Austin, Texas", "", "Attorney", "2016-06-01 08:00:00 UTC+0000"),
    ("p4", "", "", "", "2016-07-01 08:00:00 UTC+0000"),  # never answers
]
STUDENTS = [
    ("s1", "New York, New York", "2014-12-01 10:00:00 UTC+0000"),
    ("s2", "", "2015-03-01 10:00:00 UTC+0000"),
]
TAGS = [("10", "#Nursing"), ("11", "nursing"), ("12", "health-care,"), ("13", "law"), ("14", "#")]
TAG_QUESTIONS = [("10", "q1"), ("11", "q1"), ("12", "q1"), ("13", "q2"), ("14", "q2")]
# q1: asked by s1, answered by p1 twice (the repeat must merge, earliest kept) and by p2.
# q2: asked by s2, answered by p3 (who answered before their join date) and p1.
# q3: asked by s1, no tags, answered by p2 only.
ANSWER_PAIRS = [
    ("q1", "s1", "p1", "2016-01-05 10:00:00"),
    ("q1", "s1", "p1", "2016-01-04 09:30:00"),
    ("q1", "s1", "p2", "2016-01-06 11:00:00"),
    ("q2", "s2", "p3", "2016-05-01 08:00:00"),
    ("q2", "s2", "p1", "2016-05-02 08:00:00"),
    ("q3", "s1", "p2", "2017-02-01 00:00:00"),
]
GROUPS = [("g1", "youth program")]
GROUP_MEMBERSHIPS = [("g1", "s1"), ("g1", "p3")]
SCHOOL_MEMBERSHIPS = [("900", "p1")]


def _write(path: Path, columns: list[str], rows: Sequence[tuple[str, ...]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False)


def _write_common(base: Path) -> None:
    _write(
        base / "professionals.csv",
        [
            "professionals_id",
            "professionals_location",
            "professionals_industry",
            "professionals_headline",
            "professionals_date_joined",
        ],
        PROFESSIONALS,
    )
    _write(
        base / "students.csv",
        ["students_id", "students_location", "students_date_joined"],
        STUDENTS,
    )
    _write(base / "tags.csv", ["tags_tag_id", "tags_tag_name"], TAGS)
    _write(
        base / "tag_questions.csv",
        ["tag_questions_tag_id", "tag_questions_question_id"],
        TAG_QUESTIONS,
    )
    _write(base / "groups.csv", ["groups_id", "groups_group_type"], GROUPS)
    _write(
        base / "group_memberships.csv",
        ["group_memberships_group_id", "group_memberships_user_id"],
        GROUP_MEMBERSHIPS,
    )
    _write(
        base / "school_memberships.csv",
        ["school_memberships_school_id", "school_memberships_user_id"],
        SCHOOL_MEMBERSHIPS,
    )


@pytest.fixture
def partial(tmp_path: Path) -> Path:
    """The partial copy's layout: Kaggle files under raw/, answer pairs under derived_dataroot/."""
    src = tmp_path / "careervillage"
    _write_common(src / "raw")
    _write(
        src / "derived_dataroot" / "answer_pairs.csv",
        ["questions_id", "students_id", "professionals_id", "answers_date_added_utc"],
        ANSWER_PAIRS,
    )
    return src


@pytest.fixture
def kaggle(tmp_path: Path) -> Path:
    """The full Kaggle download: flat, with questions.csv, answers.csv and tag_users.csv."""
    src = tmp_path / "kaggle"
    _write_common(src)
    _write(
        src / "questions.csv",
        [
            "questions_id",
            "questions_author_id",
            "questions_date_added",
            "questions_title",
            "questions_body",
        ],
        [
            (
                "q1",
                "s1",
                "2016-01-03 08:00:00 UTC+0000",
                "How do I become a nurse?",
                "I like helping people.\nWhat should I study? #nursing",
            ),
            ("q2", "s2", "2016-04-30 08:00:00 UTC+0000", "Is law school worth it?", ""),
            ("q3", "s9", "2017-01-31 00:00:00 UTC+0000", "Unanswered question", "Anyone?"),
        ],
    )
    _write(
        src / "answers.csv",
        [
            "answers_id",
            "answers_author_id",
            "answers_question_id",
            "answers_date_added",
            "answers_body",
        ],
        [
            ("a1", "p1", "q1", "2016-01-05 10:00:00 UTC+0000", "Study nursing."),
            ("a2", "p1", "q1", "2016-01-04 09:30:00 UTC+0000", "Also biology."),
            ("a3", "p3", "q2", "2016-05-01 08:00:00 UTC+0000", "Yes."),
            ("a4", "ghost", "q2", "2016-05-03 08:00:00 UTC+0000", "Deleted user."),
            ("a5", "p2", "q404", "2016-05-03 08:00:00 UTC+0000", "Orphan answer."),
        ],
    )
    _write(
        src / "tag_users.csv",
        ["tag_users_tag_id", "tag_users_user_id"],
        [("10", "p1"), ("12", "p1"), ("13", "s2")],
    )
    return src


def _utc(text: Any) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def _tables(out: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    read = {
        name: pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in ("mentors", "mentees", "pairings")
    }
    return (
        read["mentors"].set_index("mentor_id"),
        read["mentees"].set_index("mentee_id"),
        read["pairings"],
    )


def test_tag_normalisation() -> None:
    assert normalise_tag("#Nursing") == "nursing"
    assert normalise_tag(" journalism, ") == "journalism"
    assert normalise_tag("nicu-") == "nicu"
    assert normalise_tag("a;b c") == "a-b-c"  # the list separator can never leak into a cell
    assert normalise_tag("#") == ""
    assert tags_goal_text(["health-care", "nursing"]) == "Questions about: health care, nursing"
    assert tags_goal_text([]) == ""


def test_partial_layout_mapping(partial: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = convert_careervillage(partial, out)
    mentors, mentees, pairings = _tables(out)

    assert summary.layout == "partial"
    assert (summary.mentors, summary.mentees, summary.pairings) == (4, 3, 5)
    assert summary.answers_read == 6
    assert summary.repeat_answers_merged == 1
    assert summary.questions_without_tags == 1

    # Every professional is a mentor, answered or not; "--" headlines carry no information.
    assert sorted(mentors.index) == ["p1", "p2", "p3", "p4"]
    assert (
        mentors.loc["p1", "profile"] == "Registered Nurse at MGH. Industry: Hospital and "
        "Health Care"
    )
    assert mentors.loc["p1", "title"] == "Registered Nurse at MGH"
    assert mentors.loc["p1", "department"] == "Hospital and Health Care"
    assert mentors.loc["p1", "location"] == "Boston, Massachusetts"
    assert mentors.loc["p2", "profile"] == "Industry: Computer Software"
    assert mentors.loc["p2", "title"] == ""
    assert mentors.loc["p3", "profile"] == "Attorney"
    assert mentors.loc["p4", "profile"] == ""
    assert set(mentors["capacity"]) == {str(MENTOR_CAPACITY)}
    assert set(mentors["available"]) == {"true"}
    assert _utc(mentors.loc["p1", "created_at"]) == _utc("2015-01-10 09:00:00")
    # p3 answered on 2016-05-01 but "joined" 2016-06-01: joined at their first answer instead.
    assert _utc(mentors.loc["p3", "created_at"]) == _utc("2016-05-01 08:00:00")
    assert summary.join_dates_moved_to_first_answer == 1

    # One mentee per question; time = earliest answer - 1 s (the repeat's earlier time counts).
    assert _utc(mentees.loc["q1", "created_at"]) == _utc("2016-01-04 09:29:59")
    assert _utc(mentees.loc["q2", "created_at"]) == _utc("2016-05-01 07:59:59")
    assert mentees.loc["q1", "skills_wanted"] == "health-care;nursing"  # "#Nursing" == "nursing"
    assert mentees.loc["q1", "goals"] == "Questions about: health care, nursing"
    assert mentees.loc["q2", "skills_wanted"] == "law"  # the empty tag "#" is dropped
    assert mentees.loc["q3", "skills_wanted"] == ""
    assert mentees.loc["q3", "goals"] == ""
    assert mentees.loc["q1", "location"] == "New York, New York"
    assert mentees.loc["q1", "profile"] == "Student in New York, New York."
    assert mentees.loc["q2", "profile"] == ""
    assert mentees.loc["q2", "location"] == ""
    assert mentees.loc["q1", "group"] == GROUP_AFFILIATED
    assert mentees.loc["q2", "group"] == GROUP_UNAFFILIATED

    # Distinct (question, professional) answers, dated by the first answer, all completed.
    pairs = pairings.set_index("pairing_id")
    assert sorted(pairs.index) == ["q1:p1", "q1:p2", "q2:p1", "q2:p3", "q3:p2"]
    assert _utc(pairs.loc["q1:p1", "created_at"]) == _utc("2016-01-04 09:30:00")
    assert set(pairs["status"]) == {"completed"}
    assert set(pairs["rating"]) == {""}
    assert (pairs["mentee_id"] + ":" + pairs["mentor_id"]).tolist() == pairs.index.tolist()

    provenance = json.loads((out / "conversion.json").read_text())
    assert provenance["layout"] == "partial"
    assert provenance["pairings"] == 5

    # Who asked what, beside the contract tables (a mentee is a question, not a student).
    assert read_askers(out).sort_index().to_dict() == {"q1": "s1", "q2": "s2", "q3": "s1"}
    assert summary.files["askers"] == out / "askers.csv"


def test_reading_askers_of_an_older_conversion_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(CareerVillageError, match=r"askers\.csv: not found .*convert"):
        read_askers(tmp_path)


def test_conversion_is_deterministic(partial: Path, tmp_path: Path) -> None:
    convert_careervillage(partial, tmp_path / "a")
    convert_careervillage(partial, tmp_path / "b")
    for name in ("mentors", "mentees", "pairings"):
        assert (tmp_path / "a" / f"{name}.csv").read_bytes() == (
            tmp_path / "b" / f"{name}.csv"
        ).read_bytes()


def test_kaggle_layout_uses_question_text_and_time(kaggle: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = convert_careervillage(kaggle, out)
    mentors, mentees, pairings = _tables(out)

    assert summary.layout == "kaggle"
    assert summary.answers_read == 5
    assert summary.answers_unknown_professional == 1  # "ghost"
    assert summary.answers_unknown_question == 1  # "q404"
    assert summary.repeat_answers_merged == 1
    assert summary.questions_without_answers == 1  # q3 is kept as a request nobody answered
    assert sorted(mentees.index) == ["q1", "q2", "q3"]
    assert mentees.loc["q1", "goals"] == (
        "How do I become a nurse?\n\nI like helping people.\nWhat should I study? #nursing"
    )
    assert mentees.loc["q2", "goals"] == "Is law school worth it?"
    assert _utc(mentees.loc["q1", "created_at"]) == _utc("2016-01-03 08:00:00")
    assert mentees.loc["q3", "group"] == ""  # asker unknown: no audit group rather than a guess
    # tag_users.csv: followed tags become the mentor's skills and the student's interests.
    assert mentors.loc["p1", "skills"] == "health-care;nursing"
    assert mentees.loc["q2", "interests"] == "law"
    assert sorted(pairings["pairing_id"]) == ["q1:p1", "q2:p3"]
    assert _utc(pairings.set_index("pairing_id").loc["q1:p1", "created_at"]) == _utc(
        "2016-01-04 09:30:00"
    )


def test_since_keeps_later_questions_and_all_mentors(partial: Path, tmp_path: Path) -> None:
    summary = convert_careervillage(partial, tmp_path / "out", since=datetime(2016, 3, 1))
    mentors, mentees, pairings = _tables(tmp_path / "out")
    assert sorted(mentees.index) == ["q2", "q3"]
    assert sorted(pairings["pairing_id"]) == ["q2:p1", "q2:p3", "q3:p2"]
    assert len(mentors) == 4
    assert summary.questions_before_since == 1
    assert summary.since == datetime(2016, 3, 1, tzinfo=UTC)

    with pytest.raises(CareerVillageError, match="no question on or after 2030"):
        convert_careervillage(partial, tmp_path / "none", since=datetime(2030, 1, 1))


def test_min_answers_restricts_the_pool(partial: Path, tmp_path: Path) -> None:
    summary = convert_careervillage(partial, tmp_path / "out", min_answers=2)
    mentors, mentees, pairings = _tables(tmp_path / "out")
    assert sorted(mentors.index) == ["p1", "p2"]  # p1: q1, q2; p2: q1, q3
    assert summary.professionals_below_min_answers == 2
    assert summary.pairings_dropped_min_answers == 1  # q2:p3
    assert "q2:p3" not in set(pairings["pairing_id"])
    assert len(mentees) == 3


def test_parquet_output(partial: Path, tmp_path: Path) -> None:
    convert_careervillage(partial, tmp_path / "out", fmt="parquet")
    mentees = pd.read_parquet(tmp_path / "out" / "mentees.parquet").set_index("mentee_id")
    wanted: Any = mentees.loc["q1", "skills_wanted"]
    assert list(wanted) == ["health-care", "nursing"]
    assert str(mentees["created_at"].dtype) == "datetime64[ns, UTC]"


def test_output_passes_the_contract_validator(partial: Path, kaggle: Path, tmp_path: Path) -> None:
    load = pytest.importorskip("recommender.data.load", reason="contract loader not built yet")
    for name, src in (("partial", partial), ("kaggle", kaggle)):
        convert_careervillage(src, tmp_path / name)
        result = load.read_programme(tmp_path / name)
        assert result.report.ok, result.report.format_text()


def test_missing_file_is_named(partial: Path, tmp_path: Path) -> None:
    (partial / "raw" / "tags.csv").unlink()
    with pytest.raises(CareerVillageError, match=r"tags\.csv: not found"):
        convert_careervillage(partial, tmp_path / "out")


def test_no_answers_file_is_named(partial: Path, tmp_path: Path) -> None:
    (partial / "derived_dataroot" / "answer_pairs.csv").unlink()
    with pytest.raises(CareerVillageError, match=r"answer_pairs\.csv: not found"):
        convert_careervillage(partial, tmp_path / "out")


def test_empty_export_is_refused(partial: Path, tmp_path: Path) -> None:
    _write(
        partial / "derived_dataroot" / "answer_pairs.csv",
        ["questions_id", "students_id", "professionals_id", "answers_date_added_utc"],
        [],
    )
    with pytest.raises(CareerVillageError, match="no questions or answers to convert"):
        convert_careervillage(partial, tmp_path / "out")


def test_kaggle_layout_needs_both_questions_and_answers(kaggle: Path, tmp_path: Path) -> None:
    (kaggle / "answers.csv").unlink()
    with pytest.raises(CareerVillageError, match=r"answers\.csv: not found"):
        convert_careervillage(kaggle, tmp_path / "out")


def test_missing_column_is_named(partial: Path, tmp_path: Path) -> None:
    path = partial / "raw" / "professionals.csv"
    frame = pd.read_csv(path, dtype=str).drop(columns=["professionals_headline"])
    frame.to_csv(path, index=False)
    with pytest.raises(
        CareerVillageError,
        match=r"professionals\.csv: missing column\(s\) "
        r"professionals_headline",
    ):
        convert_careervillage(partial, tmp_path / "out")


def test_bad_date_names_file_row_and_column(partial: Path, tmp_path: Path) -> None:
    rows = list(ANSWER_PAIRS)
    rows[2] = ("q1", "s1", "p2", "yesterday")
    _write(
        partial / "derived_dataroot" / "answer_pairs.csv",
        ["questions_id", "students_id", "professionals_id", "answers_date_added_utc"],
        rows,
    )
    with pytest.raises(
        CareerVillageError,
        match=r"answer_pairs\.csv, row 4, column answers_date_added_utc: "
        r"'yesterday' is not a date",
    ):
        convert_careervillage(partial, tmp_path / "out")


def test_unknown_tag_and_duplicate_ids_are_reported(partial: Path, tmp_path: Path) -> None:
    _write(
        partial / "raw" / "tag_questions.csv",
        ["tag_questions_tag_id", "tag_questions_question_id"],
        [*TAG_QUESTIONS, ("99", "q1")],
    )
    with pytest.raises(
        CareerVillageError,
        match=r"row 7, column tag_questions_tag_id: tag id "
        r"'99' is not in tags\.csv",
    ):
        convert_careervillage(partial, tmp_path / "out")

    _write(
        partial / "raw" / "students.csv",
        ["students_id", "students_location", "students_date_joined"],
        [*STUDENTS, STUDENTS[0]],
    )
    with pytest.raises(
        CareerVillageError,
        match=r"students\.csv, row 4, column students_id: "
        r"duplicate id 's1'",
    ):
        convert_careervillage(partial, tmp_path / "out")


def test_cli_converts_and_reports_errors(partial: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "data",
            "convert-careervillage",
            str(partial),
            "--out",
            str(out),
            "--since",
            "2016-03-01",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["mentees"] == 2

    result = runner.invoke(
        app, ["data", "convert-careervillage", str(tmp_path / "nowhere"), "--out", str(out)]
    )
    assert result.exit_code == 1
    assert "not a directory" in result.output

    result = runner.invoke(
        app,
        ["data", "convert-careervillage", str(partial), "--out", str(out), "--since", "someday"],
    )
    assert result.exit_code == 2
    assert "--since must be an ISO date" in result.output


@pytest.mark.realdata
def test_real_careervillage_data(tmp_path: Path) -> None:
    if not (REAL_DATA / "derived_dataroot" / "answer_pairs.csv").is_file():
        pytest.skip(f"CareerVillage data not found at {REAL_DATA} (see docs/careervillage.md)")
    out = tmp_path / "cv"
    summary = convert_careervillage(REAL_DATA, out, since=datetime(2018, 1, 1))
    assert summary.layout == "partial"
    assert summary.mentors == 28_152  # every professional stays a candidate
    assert 5_000 < summary.mentees < 12_000
    assert 10_000 < summary.pairings < 20_000
    assert summary.answers_read == 49_723
    assert summary.first_question_at is not None
    assert summary.first_question_at >= datetime(2018, 1, 1, tzinfo=UTC)
    assert summary.seconds < 60
    mentees = pd.read_csv(out / "mentees.csv", dtype=str, keep_default_na=False)
    tagged = (mentees["skills_wanted"] != "").mean()
    assert tagged > 0.9
    pairings = pd.read_csv(out / "pairings.csv", dtype=str, keep_default_na=False)
    assert not pairings["pairing_id"].duplicated().any()
    try:
        from recommender.data.load import read_programme
    except ImportError:
        return
    assert read_programme(out).report.ok
