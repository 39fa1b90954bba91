"""Data for the model-lifecycle tests: generated programmes whose outcomes can be scrambled.

Scrambling outcomes is a data-driven way to get a model that is reliably worse than one
trained on the real history: it learns noise.
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


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
