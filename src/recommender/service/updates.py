"""Copy-on-write updates of a serving :class:`~recommender.features.context.FeatureContext`.

A context is never changed in place while requests may read it: each function returns a new
context (:meth:`~recommender.features.context.FeatureContext.updated`) that shares every
unchanged array and frame with the old one, re-embeds only the people who changed, and keeps
the cached structures of the parts that did not change (their generations tell). The service
publishes the result with one reference assignment.
"""

from __future__ import annotations

import dataclasses
from collections import ChainMap
from collections.abc import Iterable
from typing import Any, cast

import numpy as np
import pandas as pd

from recommender.data.timezones import offset_hours_series
from recommender.features.context import FeatureContext, encode_mentees, encode_mentors
from recommender.features.embeddings import TextEncoder
from recommender.features.pairs import PairFeaturizer
from recommender.ranking.index import MentorRemap


@dataclasses.dataclass(frozen=True)
class _RowChange:
    frame: pd.DataFrame  # the new frame, indexed by id
    keep: np.ndarray  # bool over the old rows
    appended: int
    positions: np.ndarray  # new positions of the upserted rows, in their order


def _replace_rows(
    old: pd.DataFrame, rows: pd.DataFrame, id_column: str, delete_ids: Iterable[str]
) -> _RowChange:
    """Old rows minus deletions, upserted rows replacing theirs in place, new rows appended."""
    keep = ~old.index.isin(list(delete_ids))
    base = old[keep] if not keep.all() else old
    upserts = rows.drop_duplicates(id_column, keep="last").set_index(id_column, drop=False)
    existing = upserts.index.isin(base.index)
    new_ids = upserts.index[~existing]
    order = base.index.append(new_ids)
    if len(upserts):
        frame = pd.concat([base[~base.index.isin(upserts.index)], upserts]).loc[order]
    else:
        frame = base
    return _RowChange(
        frame=frame,
        keep=keep,
        appended=len(new_ids),
        positions=frame.index.get_indexer(upserts.index),
    )


def _patched(values: np.ndarray, change: _RowChange, new_rows: np.ndarray) -> np.ndarray:
    kept = values[change.keep] if not change.keep.all() else values.copy()
    if change.appended:
        pad = np.zeros((change.appended, *kept.shape[1:]), dtype=kept.dtype)
        kept = np.concatenate([kept, pad])
    kept[change.positions] = new_rows
    return kept


def upsert_mentors(
    context: FeatureContext,
    encoder: TextEncoder,
    rows: pd.DataFrame,
    delete_ids: Iterable[str] = (),
) -> tuple[FeatureContext, MentorRemap]:
    """``context`` with mentor ``rows`` (canonical frame) inserted or replaced and
    ``delete_ids`` removed; only the upserted mentors are embedded. Their history is untouched
    (it is keyed by id and lives in the pairings)."""
    change = _replace_rows(context.mentors, rows, "mentor_id", delete_ids)
    profile, skills = encode_mentors(encoder, change.frame.iloc[change.positions])
    updated = context.updated(
        mentors=change.frame,
        mentor_profile=_patched(context.mentor_profile, change, profile),
        mentor_skills=_patched(context.mentor_skills, change, skills),
        mentor_tz=_patched(
            context.mentor_tz,
            change,
            offset_hours_series(change.frame["timezone"].iloc[change.positions]),
        ),
    )
    remap = MentorRemap(keep=change.keep, appended=change.appended, changed=change.positions)
    return updated, remap


def upsert_mentees(
    context: FeatureContext,
    encoder: TextEncoder,
    rows: pd.DataFrame,
    delete_ids: Iterable[str] = (),
) -> FeatureContext:
    """``context`` with mentee ``rows`` (canonical frame) inserted or replaced and
    ``delete_ids`` removed; only the upserted mentees are embedded. The history index still
    holds the old goal vectors of changed mentees until it is rebuilt
    (:func:`with_history`)."""
    change = _replace_rows(context.mentees, rows, "mentee_id", delete_ids)
    goals, profile, wanted = encode_mentees(encoder, change.frame.iloc[change.positions])
    return context.updated(
        mentees=change.frame,
        mentee_goals=_patched(context.mentee_goals, change, goals),
        mentee_profile=_patched(context.mentee_profile, change, profile),
        mentee_wanted=_patched(context.mentee_wanted, change, wanted),
        mentee_tz=_patched(
            context.mentee_tz,
            change,
            offset_hours_series(change.frame["timezone"].iloc[change.positions]),
        ),
    )


def with_pairings(context: FeatureContext, pairings: pd.DataFrame) -> FeatureContext:
    """``context`` with a new pairings table for who-was-paired-with-whom; its history index is
    the old one until rebuilt (:func:`with_history`)."""
    updated = context.updated(pairings=pairings)
    updated.previous_pairs("")  # index the pairs now, not in the next request
    return updated


def with_history(context: FeatureContext, featurizer: PairFeaturizer) -> FeatureContext:
    """``context`` with its history index rebuilt from its pairings and mentees (by
    ``featurizer``'s label policy), exactly as :meth:`PairFeaturizer.prepare` builds it."""
    history = featurizer.history_index(
        context.pairings, context.mentees, context.mentee_goals, context.encoder.dimension
    )
    return context.updated(history=history)


def inline_mentee_context(
    context: FeatureContext, mentee: pd.DataFrame, encoder: TextEncoder | None = None
) -> FeatureContext:
    """A request-local context for mentees that are not in the programme (inline profiles):
    the same mentors, history and caches, with only ``mentee`` (canonical frame) as mentees.

    New skill names met while featurising land in a request-local layer over the shared skill
    vectors, so anonymous requests cannot grow the service's memory.
    """
    encoder = encoder or context.encoder
    frame = mentee.set_index("mentee_id", drop=False)
    goals, profile, wanted = encode_mentees(encoder, frame)
    skill_vectors = cast(dict[tuple[str, str], Any], ChainMap({}, context.skill_vectors))
    return context.updated(
        mentees=frame,
        mentee_goals=goals,
        mentee_profile=profile,
        mentee_wanted=wanted,
        mentee_tz=offset_hours_series(frame["timezone"]),
        skill_vectors=skill_vectors,
    )
