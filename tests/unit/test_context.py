"""FeatureContext caches: one generation id per part, derived structures follow them."""

from __future__ import annotations

import dataclasses

import pandas as pd

from recommender.features.context import FeatureContext
from recommender.features.embeddings import HashingEncoder
from recommender.features.pairs import PairFeaturizer, person_sets

from factory import T0, build


def _context() -> FeatureContext:
    programme = build(
        [{"mentor_id": "m1", "skills": ["SQL"]}, {"mentor_id": "m2", "skills": ["Go"]}],
        [{"mentee_id": "e1", "skills_wanted": ["Go"]}],
        [{"mentor_id": "m1", "mentee_id": "e1", "created_at": T0, "status": "active"}],
    )
    return PairFeaturizer().fit(programme).prepare(programme, HashingEncoder(16))


def test_each_update_bumps_only_its_part_and_keeps_the_rest_cached() -> None:
    context = _context()
    builds: list[str] = []

    def counted(name: str, parts: tuple, ctx: FeatureContext) -> object:
        def build() -> str:
            builds.append(name)
            return name

        return ctx.derive(name, parts, build)

    for ctx in (context,):
        counted("of-mentors", ("mentors",), ctx)
        counted("of-mentees", ("mentees",), ctx)
        counted("of-both", ("mentors", "history"), ctx)
    assert builds == ["of-mentors", "of-mentees", "of-both"]

    renamed = context.mentors.assign(
        skills=pd.Series([["SQL"], ["Rust"]], index=context.mentors.index)
    )
    updated = context.updated(mentors=renamed)
    assert updated.generations.mentors != context.generations.mentors
    assert updated.generations.mentees == context.generations.mentees
    assert updated.generations.history == context.generations.history
    builds.clear()
    counted("of-mentors", ("mentors",), updated)
    counted("of-mentees", ("mentees",), updated)
    counted("of-both", ("mentors", "history"), updated)
    assert builds == ["of-mentors", "of-both"]  # the mentee entry was carried over
    # The old context keeps its own entries: requests still reading it are unaffected.
    builds.clear()
    counted("of-mentors", ("mentors",), context)
    assert builds == []


def test_same_row_count_is_no_excuse_for_a_stale_cache() -> None:
    """A changed mentor frame of the same length rebuilds what derives from it."""
    context = _context()
    assert person_sets(context, "mentors", "skills")[1] == frozenset({"go"})
    updated = context.updated(
        mentors=context.mentors.assign(
            skills=pd.Series([["SQL"], ["Rust"]], index=context.mentors.index)
        )
    )
    assert person_sets(updated, "mentors", "skills")[1] == frozenset({"rust"})
    assert person_sets(context, "mentors", "skills")[1] == frozenset({"go"})


def test_generation_ids_are_never_reused_and_a_plain_copy_starts_afresh() -> None:
    first, second = _context(), _context()
    assert set(dataclasses.astuple(first.generations)).isdisjoint(
        dataclasses.astuple(second.generations)
    )
    person_sets(first, "mentors", "skills")
    copied = dataclasses.replace(first, mentors=first.mentors.iloc[::-1])
    assert copied.derived == {}
    assert copied.generations != first.generations
    assert person_sets(copied, "mentors", "skills")[0] == frozenset({"go"})


def test_pairings_part_drives_previous_pairs() -> None:
    context = _context()
    assert [m for m, _ in context.previous_pairs("e1")] == ["m1"]
    more = pd.concat(
        [
            context.pairings,
            context.pairings.assign(pairing_id="p2", mentor_id="m2"),
        ],
        ignore_index=True,
    )
    updated = context.updated(pairings=more)
    assert updated.generations.mentors == context.generations.mentors
    assert [m for m, _ in updated.previous_pairs("e1")] == ["m1", "m2"]
    assert [m for m, _ in context.previous_pairs("e1")] == ["m1"]
