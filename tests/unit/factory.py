"""Builders of small hand-made programmes for unit tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from recommender.data.contract import MENTEES, MENTORS, PAIRINGS, Programme
from recommender.data.frames import coerce_frame

T0 = pd.Timestamp("2024-01-01", tz="UTC")
SKILLS = ["sql", "python", "people management", "negotiation", "ux research", "budgeting"]


def build(
    mentors: list[dict[str, Any]], mentees: list[dict[str, Any]], pairings: list[dict[str, Any]]
) -> Programme:
    return Programme(
        coerce_frame(MENTORS, mentors),
        coerce_frame(MENTEES, mentees),
        coerce_frame(PAIRINGS, pairings),
    )


def synthetic_programme() -> Programme:
    """40 mentors, 240 mentees over two years; mentors who list a mentee's wanted skill succeed
    far more often, so a ranker has something real to learn."""
    rng = np.random.default_rng(7)
    mentors = [
        {
            "mentor_id": f"m{i}",
            "profile": f"Years of work in {SKILLS[i % 6]} and {SKILLS[(i + 2) % 6]}.",
            "skills": [SKILLS[i % 6], SKILLS[(i + 2) % 6]],
            "languages": ["English"],
            "seniority": 5,
            "capacity": 50,
            "timezone": "Europe/London",
            "created_at": "2023-01-01",
        }
        for i in range(40)
    ]
    mentees, pairings = [], []
    for j in range(240):
        want = SKILLS[j % 6]
        t = T0 + pd.Timedelta(days=3 * j)
        mentees.append(
            {
                "mentee_id": f"e{j}",
                "goals": f"I want to learn {want}",
                "skills_wanted": [want],
                "languages": ["English"],
                "seniority": 2,
                "timezone": "UTC",
                "created_at": t,
            }
        )
        for r in rng.choice(40, 3, replace=False):
            good = want in mentors[r]["skills"]
            ok = rng.random() < (0.85 if good else 0.1)
            pairings.append(
                {
                    "mentor_id": f"m{r}",
                    "mentee_id": f"e{j}",
                    "created_at": t,
                    "status": "completed" if ok else "ended_early",
                    "ended_at": t + pd.Timedelta(days=60),
                    "rating": 5.0 if ok else 2.0,
                }
            )
    return build(mentors, mentees, pairings)
