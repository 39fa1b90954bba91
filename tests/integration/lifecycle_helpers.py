"""Data for the model-lifecycle tests: generated programmes whose history can be scrambled.

Scrambling the history is a data-driven way to get a model that is worse than one trained on
the real history. Shuffling outcomes alone keeps *who was proposed*, which the generator picks
by true fit, so such a model still ranks well; reassigning each pairing to a random mentor
leaves nothing real to learn.
"""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pandas as pd

from recommender.data.generate import GeneratorConfig, generate_programme


def generate(
    out: Path, *, mentors: int = 80, mentees: int = 400, seed: int = 5, years: float = 2.0
) -> Path:
    """A small generated programme (CSV) without its oracle folder."""
    generate_programme(
        out, GeneratorConfig(n_mentors=mentors, n_mentees=mentees, seed=seed, years=years)
    )
    return out


def latest_pairing(directory: Path) -> pd.Timestamp:
    created = pd.to_datetime(pd.read_csv(directory / "pairings.csv")["created_at"], utc=True)
    return pd.Timestamp(created.max())


def shuffle_outcomes(directory: Path, before: pd.Timestamp | None = None, seed: int = 0) -> int:
    """Scramble which pairing had which outcome (status, rating, feedback) among the pairings
    created before ``before`` (all when None), in place, as a broken import might; returns how
    many pairings were shuffled. A model trained on them has nothing real to learn."""
    path = directory / "pairings.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows = frame.index.to_numpy()
    if before is not None:
        rows = rows[(pd.to_datetime(frame["created_at"], utc=True) < before).to_numpy()]
    columns = ["status", "rating", "feedback"]
    shuffled = np.random.default_rng(seed).permutation(rows)
    frame.loc[rows, columns] = frame.loc[shuffled, columns].to_numpy()
    frame.to_csv(path, index=False)
    return len(rows)


def scramble_mentors(directory: Path, seed: int = 0) -> None:
    """Give every pairing a random mentor of the programme, in place (never the mentee
    themself, each (mentor, mentee, time) once): the history says nothing about fit."""
    path = directory / "pairings.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    mentors = pd.read_csv(directory / "mentors.csv", dtype=str)["mentor_id"].to_numpy()
    rng = np.random.default_rng(seed)
    chosen = rng.choice(mentors, size=len(frame))
    clash = chosen == frame["mentee_id"].to_numpy()
    while clash.any():
        chosen[clash] = rng.choice(mentors, size=int(clash.sum()))
        clash = chosen == frame["mentee_id"].to_numpy()
    frame["mentor_id"] = chosen
    frame = frame.drop_duplicates(["mentor_id", "mentee_id", "created_at"])
    frame.to_csv(path, index=False)


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
