"""Convert a CareerVillage.org export (Kaggle "Data Science for Good: CareerVillage.org") into
the data contract.

CareerVillage is a question-routing platform: students ask career questions, volunteer
professionals answer them. The mapping (documented in ``docs/careervillage.md``):

- every professional is a mentor (profile = headline + industry);
- every question is one mentee request (``mentee_id`` = question id), its tags the skills wanted;
- every distinct (question, professional) answer is a completed pairing at the answer's time.

Two layouts are read. The full Kaggle download has ``questions.csv`` and ``answers.csv``, which
give each question's text and creation time. The partial copy (``raw/`` plus
``derived_dataroot/answer_pairs.csv``) has neither: a question's goals are then its tag names and
its time is approximated by its earliest answer minus one second.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from recommender.data.contract import LIST_SEPARATOR, TABLES, Programme
from recommender.data.frames import coerce_frame, write_programme

#: Directories searched for each input file, in order (the Kaggle zip unpacks flat; the partial
#: copy keeps the Kaggle files under raw/ and DataRoot's derived files under derived_dataroot/).
SEARCH_DIRS: tuple[str, ...] = (".", "raw", "derived_dataroot")

#: Mentor capacity written for every professional. CareerVillage has no concurrency limit and the
#: most active professionals answered over a thousand questions, so capacity must never bind.
MENTOR_CAPACITY = 1000

#: A question's approximate creation time in the partial layout: its earliest answer minus this.
QUESTION_TIME_OFFSET = pd.Timedelta(seconds=1)

#: The provenance file written next to the tables.
CONVERSION_FILE = "conversion.json"
#: Who asked each question (``mentee_id,student_id``): not part of the data contract (a mentee
#: here is a question, not a person), kept beside it for analyses such as repeat askers.
ASKERS_FILE = "askers.csv"

_COLUMNS: dict[str, tuple[str, ...]] = {
    "professionals.csv": (
        "professionals_id",
        "professionals_location",
        "professionals_industry",
        "professionals_headline",
        "professionals_date_joined",
    ),
    "students.csv": ("students_id", "students_location"),
    "tags.csv": ("tags_tag_id", "tags_tag_name"),
    "tag_questions.csv": ("tag_questions_tag_id", "tag_questions_question_id"),
    "questions.csv": (
        "questions_id",
        "questions_author_id",
        "questions_date_added",
        "questions_title",
        "questions_body",
    ),
    "answers.csv": (
        "answers_id",
        "answers_author_id",
        "answers_question_id",
        "answers_date_added",
    ),
    "answer_pairs.csv": (
        "questions_id",
        "students_id",
        "professionals_id",
        "answers_date_added_utc",
    ),
    "group_memberships.csv": ("group_memberships_group_id", "group_memberships_user_id"),
    "school_memberships.csv": ("school_memberships_school_id", "school_memberships_user_id"),
    "tag_users.csv": ("tag_users_tag_id", "tag_users_user_id"),
}

#: Mentee audit group: does the student belong to any CareerVillage group or school?
GROUP_AFFILIATED = "affiliated"
GROUP_UNAFFILIATED = "unaffiliated"

_UTC_SUFFIX = re.compile(r"\s*UTC(?=(?:[+-]\d{2}:?\d{2})?$)")
_PLACEHOLDER = re.compile(r"^[\W_]*$")  # "--", "...", "" carry no information
_TAG_EDGES = "#,.;:-_ \t"


class CareerVillageError(ValueError):
    """The source directory is not a readable CareerVillage export (names file, row, column)."""


@dataclass
class ConversionSummary:
    """What :func:`convert_careervillage` read, kept, dropped and wrote."""

    source: Path
    out: Path
    layout: str  # "kaggle" (questions.csv + answers.csv) or "partial" (answer_pairs.csv)
    fmt: str
    mentors: int
    mentees: int
    pairings: int
    answers_read: int
    repeat_answers_merged: int
    answers_unknown_professional: int
    answers_unknown_question: int
    questions_without_answers: int
    questions_without_tags: int
    questions_before_since: int
    professionals_below_min_answers: int
    pairings_dropped_min_answers: int
    join_dates_moved_to_first_answer: int
    pairings_before_question: int
    min_answers: int
    since: datetime | None
    first_question_at: datetime | None
    last_question_at: datetime | None
    seconds: float
    files: dict[str, Path] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (paths and times as strings)."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if isinstance(value, Path):
                value = str(value)
            elif isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, dict):
                value = {k: str(v) for k, v in value.items()}
            out[key] = value
        return out

    def format_text(self) -> str:
        """A human summary: what was written and everything that was not carried over."""
        question_time = (
            "questions.csv" if self.layout == "kaggle" else "earliest answer - 1 s (approximate)"
        )
        lines = [
            f"CareerVillage ({self.layout} layout) {self.source} -> {self.out} "
            f"[{self.fmt}] in {self.seconds:.1f} s",
            f"  mentors (professionals): {self.mentors:,}",
            f"  mentees (questions):     {self.mentees:,}",
            f"  pairings (answers):      {self.pairings:,}",
            f"  question time from:      {question_time}",
        ]
        if self.first_question_at is not None and self.last_question_at is not None:
            lines.append(
                f"  questions dated:         {self.first_question_at:%Y-%m-%d} .. "
                f"{self.last_question_at:%Y-%m-%d}"
            )
        notes = [
            (self.answers_read, "answer rows read"),
            (
                self.repeat_answers_merged,
                "repeat answers to the same question merged (earliest kept)",
            ),
            (self.answers_unknown_professional, "answers skipped: author not in professionals.csv"),
            (self.answers_unknown_question, "answers skipped: question not in questions.csv"),
            (
                self.questions_without_answers,
                "questions left without any pairing (kept as mentees)",
            ),
            (self.questions_without_tags, "questions without tags (empty skills_wanted)"),
            (self.questions_before_since, "questions before --since skipped"),
            (self.professionals_below_min_answers, "professionals below --min-answers skipped"),
            (self.pairings_dropped_min_answers, "answers by those professionals skipped"),
            (
                self.join_dates_moved_to_first_answer,
                "professionals answered before their join date: created_at moved to first answer",
            ),
            (self.pairings_before_question, "answers dated before their question"),
        ]
        lines += [f"  {n:,} {text}" for n, text in notes if n]
        return "\n".join(lines)


def read_askers(directory: Path) -> pd.Series:
    """The student who asked each question of a converted programme (indexed by mentee_id)."""
    path = Path(directory) / ASKERS_FILE
    if not path.is_file():
        raise CareerVillageError(
            f"{path}: not found (written by convert_careervillage; convert the export again)"
        )
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return frame.set_index("mentee_id")["student_id"]


def normalise_tag(name: str) -> str:
    """Canonical tag name: lower case, no leading '#' or edge punctuation, no list separator.

    CareerVillage tags are free-form hashtags ("#Nursing", "nicu-", "journalism,"); the same
    topic must give the same skill so overlap features can match it.
    """
    tag = str(name).strip().lower().replace(LIST_SEPARATOR, " ").strip(_TAG_EDGES)
    return re.sub(r"\s+", "-", tag)


def tags_goal_text(tags: list[str]) -> str:
    """The goals text the partial layout uses for a question: its tags in words."""
    if not tags:
        return ""
    return "Questions about: " + ", ".join(t.replace("-", " ") for t in tags)


def convert_careervillage(
    src: Path,
    out: Path,
    *,
    min_answers: int = 0,
    since: datetime | None = None,
    fmt: str = "csv",
) -> ConversionSummary:
    """Convert the CareerVillage export in ``src`` into a contract programme in ``out``.

    ``min_answers`` keeps only professionals who answered at least that many distinct
    questions in the whole export. That uses future information (a professional's later
    answers decide whether they are a candidate earlier), so use it only to speed experiments
    up, never for a reported figure. ``since`` keeps only questions asked on or after it (naive
    values are UTC), with their answers; every professional is still written.

    Raises :class:`CareerVillageError` naming the file, row and column when ``src`` is not a
    CareerVillage export.
    """
    if fmt not in {"csv", "parquet"}:
        raise ValueError(f"format must be csv or parquet, got {fmt!r}")
    if min_answers < 0:
        raise ValueError(f"min_answers must be >= 0, got {min_answers}")
    started = time.perf_counter()
    src = Path(src)
    if not src.is_dir():
        raise CareerVillageError(f"{src}: not a directory (expected the CareerVillage files)")
    since_ts = _as_utc(since) if since is not None else None

    professionals = _read(src, "professionals.csv")
    students = _read(src, "students.csv")
    tags = _read(src, "tags.csv")
    tag_questions = _read(src, "tag_questions.csv")
    group_members = _read_optional(src, "group_memberships.csv")
    school_members = _read_optional(src, "school_memberships.csv")
    tag_users = _read_optional(src, "tag_users.csv")

    _check_ids(professionals, "professionals_id", unique=True)
    _check_ids(students, "students_id", unique=True)
    _check_ids(tags, "tags_tag_id", unique=True)
    professionals["joined"] = _parse_times(
        professionals, "professionals_date_joined", required=False
    )

    layout, questions, answers, counts = _questions_and_answers(src, professionals)
    if answers.empty and questions.empty:
        raise CareerVillageError(f"{src}: no questions or answers to convert")
    answers_read = counts["answers_read"]

    # Repeat answers (a professional answering the same question again) are one pairing, dated
    # by the first answer: that is when the pair formed.
    answers = answers.sort_values(["t", "p"], kind="stable")
    deduped = answers.drop_duplicates(["q", "p"], keep="first")
    repeat_answers = len(answers) - len(deduped)

    if layout == "partial":
        # The partial copy has no question time: the earliest answer bounds it from above.
        first = deduped.groupby("q", sort=True).agg(s=("s", "first"), t=("t", "min"))
        questions = pd.DataFrame(
            {
                "q": first.index.to_numpy(dtype=object),
                "s": first["s"].to_numpy(),
                "t": (first["t"] - QUESTION_TIME_OFFSET).to_numpy(),
                "title": "",
                "body": "",
            }
        ).reset_index(drop=True)

    # Activity counts over the whole export (see the docstring on min_answers).
    answered = deduped.groupby("p").size()
    first_answer = deduped.groupby("p")["t"].min()
    below = 0
    dropped_min = 0
    if min_answers > 0:
        keep_prof = professionals["professionals_id"].map(answered).fillna(0) >= min_answers
        below = int((~keep_prof).sum())
        professionals = professionals[keep_prof.to_numpy()]
        kept_pairs = deduped["p"].isin(professionals["professionals_id"])
        dropped_min = int((~kept_pairs).sum())
        deduped = deduped[kept_pairs.to_numpy()]

    before_since = 0
    if since_ts is not None:
        in_window = questions["t"] >= since_ts
        before_since = int((~in_window).sum())
        questions = questions[in_window.to_numpy()]
        if questions.empty:
            raise CareerVillageError(
                f"no question on or after {since_ts.isoformat()} in {src} (--since)"
            )
        deduped = deduped[deduped["q"].isin(questions["q"]).to_numpy()]

    tag_names = tags.set_index("tags_tag_id")["tags_tag_name"].map(normalise_tag)
    question_tags = _tags_by_owner(
        tag_questions, "tag_questions_tag_id", "tag_questions_question_id", tag_names
    )
    user_tags = (
        _tags_by_owner(tag_users, "tag_users_tag_id", "tag_users_user_id", tag_names)
        if tag_users is not None
        else {}
    )

    mentors, moved = _mentors(professionals, first_answer, user_tags)
    mentees, without_tags = _mentees(
        questions, students, question_tags, user_tags, group_members, school_members, layout
    )
    pairings = pd.DataFrame(
        {
            "pairing_id": (deduped["q"] + ":" + deduped["p"]).to_numpy(),
            "mentor_id": deduped["p"].to_numpy(),
            "mentee_id": deduped["q"].to_numpy(),
            "created_at": deduped["t"].to_numpy(),
            "status": "completed",
        }
    )
    clash = set(mentors["mentor_id"]) & set(mentees["mentee_id"])
    if clash:
        raise CareerVillageError(
            f"{len(clash)} question id(s) equal a professional id (e.g. {sorted(clash)[0]}): "
            "ids share one namespace in the contract"
        )
    question_time = questions.set_index("q")["t"]
    pairings_before = int((deduped["t"] < deduped["q"].map(question_time)).sum())

    programme = Programme(
        mentors=coerce_frame(TABLES["mentors"], _object_strings(mentors)),
        mentees=coerce_frame(TABLES["mentees"], _object_strings(mentees)),
        pairings=coerce_frame(TABLES["pairings"], _object_strings(pairings)),
    )
    out = Path(out)
    files = write_programme(programme, out, fmt=fmt)
    summary = ConversionSummary(
        source=src,
        out=out,
        layout=layout,
        fmt=fmt,
        mentors=len(mentors),
        mentees=len(mentees),
        pairings=len(pairings),
        answers_read=answers_read,
        repeat_answers_merged=repeat_answers,
        answers_unknown_professional=counts["unknown_professional"],
        answers_unknown_question=counts["unknown_question"],
        questions_without_answers=int((~questions["q"].isin(deduped["q"])).sum()),
        questions_without_tags=without_tags,
        questions_before_since=before_since,
        professionals_below_min_answers=below,
        pairings_dropped_min_answers=dropped_min,
        join_dates_moved_to_first_answer=moved,
        pairings_before_question=pairings_before,
        min_answers=min_answers,
        since=since_ts.to_pydatetime() if since_ts is not None else None,
        first_question_at=questions["t"].min().to_pydatetime(),
        last_question_at=questions["t"].max().to_pydatetime(),
        seconds=0.0,
        files=files,
    )
    askers = out / ASKERS_FILE
    pd.DataFrame(
        {"mentee_id": questions["q"].to_numpy(), "student_id": questions["s"].to_numpy()}
    ).to_csv(askers, index=False)
    summary.files["askers"] = askers
    summary.seconds = time.perf_counter() - started
    provenance = out / CONVERSION_FILE
    provenance.write_text(json.dumps(summary.to_dict(), indent=2) + "\n", encoding="utf-8")
    summary.files["conversion"] = provenance
    return summary


# --------------------------------------------------------------------------- reading


def _locate(src: Path, name: str) -> Path | None:
    for sub in SEARCH_DIRS:
        path = src / sub / name
        if path.is_file():
            return path
    return None


def _read(src: Path, name: str) -> pd.DataFrame:
    path = _locate(src, name)
    if path is None:
        where = ", ".join(str(src / d) for d in SEARCH_DIRS)
        raise CareerVillageError(f"{name}: not found in {where} (is {src} a CareerVillage export?)")
    return _read_path(path, name)


def _read_optional(src: Path, name: str) -> pd.DataFrame | None:
    path = _locate(src, name)
    return None if path is None else _read_path(path, name)


def _read_path(path: Path, name: str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise CareerVillageError(f"{path}: cannot be read as UTF-8 CSV: {exc}") from exc
    missing = [c for c in _COLUMNS[name] if c not in frame.columns]
    if missing:
        raise CareerVillageError(
            f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(frame.columns)}"
        )
    frame = frame.astype(object)
    for column in _COLUMNS[name]:
        frame[column] = frame[column].str.strip()
    frame.attrs["path"] = path
    return frame


def _row(frame: pd.DataFrame, position: int) -> int:
    # Spreadsheet numbering: the header is row 1. The frame may be filtered, so use its index.
    return int(frame.index[position]) + 2


def _check_ids(frame: pd.DataFrame, column: str, *, unique: bool) -> None:
    path = frame.attrs["path"]
    empty = (frame[column] == "").to_numpy().nonzero()[0]
    if len(empty):
        raise CareerVillageError(
            f"{path}, row {_row(frame, int(empty[0]))}, column {column}: empty id "
            f"({len(empty)} row(s)); expected a non-empty identifier"
        )
    if unique:
        dup = frame[column].duplicated().to_numpy().nonzero()[0]
        if len(dup):
            value = frame[column].iloc[int(dup[0])]
            raise CareerVillageError(
                f"{path}, row {_row(frame, int(dup[0]))}, column {column}: duplicate id "
                f"{value!r} ({len(dup)} duplicate row(s)); expected unique ids"
            )


def _parse_times(frame: pd.DataFrame, column: str, *, required: bool) -> pd.Series:
    """Parse CareerVillage timestamps ("2011-10-05 20:35:19 UTC+0000", naive = UTC)."""
    raw = frame[column]
    cleaned = raw.str.replace(_UTC_SUFFIX, "", regex=True)
    parsed = pd.to_datetime(cleaned, utc=True, format="ISO8601", errors="coerce")
    bad = parsed.isna() & ((raw != "") | required)
    if bad.any():
        pos = int(bad.to_numpy().nonzero()[0][0])
        value = raw.iloc[pos]
        what = "empty" if value == "" else f"{value!r} is not a date"
        raise CareerVillageError(
            f"{frame.attrs['path']}, row {_row(frame, pos)}, column {column}: {what} "
            f"({int(bad.sum())} row(s)); expected a time such as 2011-10-05 20:35:19 UTC+0000"
        )
    return parsed.astype("datetime64[ns, UTC]")


def _questions_and_answers(
    src: Path, professionals: pd.DataFrame
) -> tuple[str, pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """Questions (q, s, t, title, body) and answers (q, p, t[, s]) in either layout."""
    has_questions = _locate(src, "questions.csv") is not None
    has_answers = _locate(src, "answers.csv") is not None
    known = set(professionals["professionals_id"])
    if has_questions or has_answers:
        # The full Kaggle download: both files are needed together.
        qs = _read(src, "questions.csv")
        ans = _read(src, "answers.csv")
        _check_ids(qs, "questions_id", unique=True)
        _check_ids(ans, "answers_question_id", unique=False)
        _check_ids(ans, "answers_author_id", unique=False)
        questions = pd.DataFrame(
            {
                "q": qs["questions_id"],
                "s": qs["questions_author_id"],
                "t": _parse_times(qs, "questions_date_added", required=True),
                "title": qs["questions_title"],
                "body": qs["questions_body"],
            }
        ).reset_index(drop=True)
        t = _parse_times(ans, "answers_date_added", required=True)
        answers = pd.DataFrame(
            {"q": ans["answers_question_id"], "p": ans["answers_author_id"], "t": t}
        )
        # Kaggle's answers include some by users missing from professionals.csv (deleted or
        # student accounts) and none of those can be a mentor: counted and skipped.
        known_prof = answers["p"].isin(known)
        known_question = answers["q"].isin(questions["q"])
        counts = {
            "answers_read": len(answers),
            "unknown_professional": int((~known_prof).sum()),
            "unknown_question": int((known_prof & ~known_question).sum()),
        }
        return "kaggle", questions, answers[(known_prof & known_question).to_numpy()], counts

    pairs = _read(src, "answer_pairs.csv")
    for column in ("questions_id", "students_id", "professionals_id"):
        _check_ids(pairs, column, unique=False)
    askers = pairs.groupby("questions_id")["students_id"].nunique()
    if (askers > 1).any():
        qid = askers[askers > 1].index[0]
        pos = int((pairs["questions_id"] == qid).to_numpy().nonzero()[0][1])
        raise CareerVillageError(
            f"{pairs.attrs['path']}, row {_row(pairs, pos)}, column students_id: question "
            f"{qid} has answers under more than one student; expected one asker per question"
        )
    answers = pd.DataFrame(
        {
            "q": pairs["questions_id"],
            "p": pairs["professionals_id"],
            "t": _parse_times(pairs, "answers_date_added_utc", required=True),
            "s": pairs["students_id"],
        }
    )
    known_prof = answers["p"].isin(known)
    counts = {
        "answers_read": len(answers),
        "unknown_professional": int((~known_prof).sum()),
        "unknown_question": 0,
    }
    return "partial", pd.DataFrame(), answers[known_prof.to_numpy()], counts


def _tags_by_owner(
    links: pd.DataFrame, tag_column: str, owner_column: str, tag_names: pd.Series
) -> dict[str, list[str]]:
    """owner id -> sorted distinct normalised tag names (unknown tag ids are an error)."""
    names = links[tag_column].map(tag_names)
    unknown = names.isna().to_numpy().nonzero()[0]
    if len(unknown):
        pos = int(unknown[0])
        raise CareerVillageError(
            f"{links.attrs['path']}, row {_row(links, pos)}, column {tag_column}: tag id "
            f"{links[tag_column].iloc[pos]!r} is not in tags.csv ({len(unknown)} row(s))"
        )
    pairs = pd.DataFrame({"owner": links[owner_column], "tag": names})
    pairs = pairs[pairs["tag"] != ""].drop_duplicates().sort_values(["owner", "tag"])
    owners = pairs["owner"].to_numpy(dtype=object)
    tag_values = pairs["tag"].to_numpy(dtype=object)
    if len(owners) == 0:
        return {}
    # Sorted by owner: split at each change of owner (a groupby-to-list is ~20x slower here).
    starts = np.concatenate(([0], np.flatnonzero(owners[1:] != owners[:-1]) + 1))
    ends = np.append(starts[1:], len(owners))
    return {str(owners[a]): list(tag_values[a:b]) for a, b in zip(starts, ends, strict=True)}


# --------------------------------------------------------------------------- mapping


def _informative(value: str) -> str:
    return "" if _PLACEHOLDER.match(value) else value


def _mentors(
    professionals: pd.DataFrame,
    first_answer: pd.Series,
    user_tags: dict[str, list[str]],
) -> tuple[pd.DataFrame, int]:
    headline = professionals["professionals_headline"].map(_informative)
    industry = professionals["professionals_industry"].map(_informative)
    profile = [
        ". ".join(p for p in (h, f"Industry: {i}" if i else "") if p)
        for h, i in zip(headline, industry, strict=True)
    ]
    ids = professionals["professionals_id"]
    # A few professionals answered before their recorded join date; a mentor who answered was
    # evidently on the platform, and point-in-time candidate pools must contain them.
    joined = professionals["joined"]
    first = ids.map(first_answer).astype("datetime64[ns, UTC]")
    earlier = (first < joined).to_numpy()
    created = joined.where(~earlier, first)
    mentors = pd.DataFrame(
        {
            "mentor_id": ids.to_numpy(),
            "profile": profile,
            "skills": [user_tags.get(i, []) for i in ids],
            "title": headline.to_numpy(),
            "department": industry.to_numpy(),
            "location": professionals["professionals_location"].map(_informative).to_numpy(),
            "capacity": MENTOR_CAPACITY,
            "available": True,
            "created_at": created.to_numpy(),
        }
    )
    return mentors, int(earlier.sum())


def _mentees(
    questions: pd.DataFrame,
    students: pd.DataFrame,
    question_tags: dict[str, list[str]],
    user_tags: dict[str, list[str]],
    group_members: pd.DataFrame | None,
    school_members: pd.DataFrame | None,
    layout: str,
) -> tuple[pd.DataFrame, int]:
    location = students.set_index("students_id")["students_location"].map(_informative).to_dict()
    affiliated: set[str] = set()
    memberships_known = group_members is not None or school_members is not None
    if group_members is not None:
        affiliated |= set(group_members["group_memberships_user_id"])
    if school_members is not None:
        affiliated |= set(school_members["school_memberships_user_id"])

    rows: list[dict[str, Any]] = []
    without_tags = 0
    for q, s, t, title, body in zip(
        questions["q"],
        questions["s"],
        questions["t"],
        questions["title"],
        questions["body"],
        strict=True,
    ):
        wanted = question_tags.get(q, [])
        without_tags += not wanted
        if layout == "kaggle":
            goals = "\n\n".join(p for p in (str(title).strip(), str(body).strip()) if p)
        else:
            goals = tags_goal_text(wanted)
        where = location.get(s, "")
        group = None
        if memberships_known and s in location:
            group = GROUP_AFFILIATED if s in affiliated else GROUP_UNAFFILIATED
        rows.append(
            {
                "mentee_id": q,
                "profile": f"Student in {where}." if where else "",
                "goals": goals,
                "skills_wanted": wanted,
                "interests": user_tags.get(s, []),
                "location": where,
                "group": group,
                "created_at": t,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "mentee_id",
            "profile",
            "goals",
            "skills_wanted",
            "interests",
            "location",
            "group",
            "created_at",
        ],
    ), without_tags


def _object_strings(frame: pd.DataFrame) -> pd.DataFrame:
    # pandas 3 infers Arrow-backed strings from lists; the contract's writers iterate values in
    # Python, which is several times faster over plain object arrays.
    strings = [c for c in frame.columns if isinstance(frame[c].dtype, pd.StringDtype)]
    return frame.astype(dict.fromkeys(strings, object)) if strings else frame


def _as_utc(value: datetime) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize(UTC) if ts.tzinfo is None else ts.tz_convert(UTC)
