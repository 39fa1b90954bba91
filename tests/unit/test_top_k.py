"""Retrieval's top-k cut: exact, and the same on every machine when scores tie."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from recommender.ranking.retrieval import tie_offsets, top_k_columns


def reference(row: np.ndarray, k: int, offset: int) -> set[int]:
    """Sort by score (descending), then by position read from ``offset`` on (wrapping)."""
    n = len(row)
    keyed = sorted(range(n), key=lambda c: (-row[c], (c - offset) % n))
    return {c for c in keyed[:k] if np.isfinite(row[c])}


@settings(max_examples=200, deadline=None)
@given(
    scores=arrays(
        np.float64,
        st.tuples(st.integers(1, 4), st.integers(1, 12)),
        elements=st.sampled_from([-np.inf, np.nan, 0.0, 1.0, 2.0, 2.5]),
    ),
    k=st.integers(0, 14),
    seed=st.integers(0, 10**6),
)
def test_top_k_matches_a_sort_with_rotated_tie_break(scores, k, seed) -> None:
    offsets = np.arange(scores.shape[0]) * 7 + seed
    got = top_k_columns(scores, k, offsets)
    assert got.shape == (scores.shape[0], min(k, scores.shape[1]))
    for r, row in enumerate(np.where(np.isnan(scores), -np.inf, scores)):
        assert set(got[r][got[r] >= 0].tolist()) == reference(row, k, int(offsets[r]))


def test_ties_at_the_cut_are_deterministic_and_spread() -> None:
    scores = np.ones((1, 1000))
    scores[0, 10] = 2.0
    first = top_k_columns(scores, 3)
    assert sorted(first[0].tolist()) == [0, 1, 10]  # without offsets: the first columns
    np.testing.assert_array_equal(first, top_k_columns(scores.copy(), 3))
    # Different mentees start reading ties at different columns; the best score always wins.
    picks = {
        tuple(sorted(top_k_columns(scores, 3, tie_offsets([m]))[0].tolist()))
        for m in ("e1", "e2", "e3", "e4")
    }
    assert len(picks) == 4
    assert all(10 in p for p in picks)


def test_fewer_finite_scores_than_k_are_padded() -> None:
    scores = np.array([[-np.inf, 3.0, np.nan, 1.0]])
    got = top_k_columns(scores, 3)
    assert sorted(got[0].tolist()) == [-1, 1, 3]
    assert top_k_columns(scores, 0).shape == (1, 0)
