"""Point-in-time index of each mentor's pairing history.

Every question is asked "as of t": only pairings created before t count, and their outcome is
the one *known at t*. A pairing that was accepted at c and completed at e counts as ongoing
(the label policy's ``active`` label, one unit of load) between c and e, and with its final label
and rating from e on. Without this the history features leak the answer into training and offline
metrics lie.

The index turns the pairings into signed events sorted by (mentor, time) with cumulative sums,
so a batch of (mentor, t) questions is answered with two ``searchsorted`` calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from recommender.data.labels import LabelPolicy
from recommender.features.text import skill_set

#: Seconds since the epoch fit in 33 bits until the year 2242; mentor codes go above them.
_SHIFT = np.int64(1 << 33)
STATS = ("count", "labelled", "label_sum", "success", "rating_sum", "rating_n", "load")
_ENDING_STATUSES = {"completed", "ended_early"}


def _utc_array(times: pd.Series | pd.DatetimeIndex | np.ndarray) -> Any:
    """UTC datetimes as a pandas datetime array (missing values refused)."""
    # pandas input stays a pandas datetime array: np.asarray of tz-aware values would build one
    # Timestamp object per element (about 20x slower on the serving path).
    raw = times if isinstance(times, pd.Series | pd.Index) else np.asarray(times)
    dtype = getattr(raw, "dtype", None)
    if not (isinstance(dtype, pd.DatetimeTZDtype) and str(dtype.tz) == "UTC"):
        raw = pd.to_datetime(raw, utc=True)
    values = raw.array if isinstance(raw, pd.Series) else pd.Index(raw).array
    if values.isna().any():
        raise ValueError("cannot convert missing datetimes (NaT) to a number")
    return values


def _since_epoch(times: pd.Series | pd.DatetimeIndex | np.ndarray, per_second: int) -> np.ndarray:
    values = _utc_array(times)
    # The integers are in the array's own unit (pandas 3 may hold s, ms, us or ns).
    unit = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[values.unit]
    ticks = values.asi8.astype(np.int64)
    if unit >= per_second:
        return ticks // (unit // per_second)
    return ticks * (per_second // unit)


def to_seconds(times: pd.Series | pd.DatetimeIndex | np.ndarray) -> np.ndarray:
    """UTC datetimes -> int64 seconds since the epoch (clipped at 0)."""
    return np.clip(_since_epoch(times, 1), 0, None).astype(np.int64)


def to_millis(times: pd.Series | pd.DatetimeIndex | np.ndarray) -> np.ndarray:
    """UTC datetimes -> int64 milliseconds since the epoch."""
    return _since_epoch(times, 1000).astype(np.int64)


def _keys(codes: np.ndarray, secs: np.ndarray) -> np.ndarray:
    return codes.astype(np.int64) * _SHIFT + secs.astype(np.int64)


@dataclass
class _EventTable:
    keys: np.ndarray  # sorted int64 (code << 33 | seconds)
    cum: np.ndarray  # (n + 1, m) cumulative sums, leading zero row

    @classmethod
    def build(cls, codes: np.ndarray, secs: np.ndarray, values: np.ndarray) -> _EventTable:
        keys = _keys(codes, secs)
        order = np.argsort(keys, kind="stable")
        vals = values[order].astype(np.float64 if values.dtype != np.float32 else np.float32)
        cum = np.zeros((len(keys) + 1, vals.shape[1]), dtype=vals.dtype)
        np.cumsum(vals, axis=0, out=cum[1:])
        return cls(keys=keys[order], cum=cum)

    def bounds(self, codes: np.ndarray, secs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row ranges [start, stop) of each code's events strictly before its time."""
        start = np.searchsorted(self.keys, _keys(codes, np.zeros_like(secs)), side="left")
        stop = np.searchsorted(self.keys, _keys(codes, secs), side="left")
        return start, stop

    def sums(self, codes: np.ndarray, secs: np.ndarray) -> np.ndarray:
        start, stop = self.bounds(codes, secs)
        return self.cum[stop] - self.cum[start]


class HistoryIndex:
    """Answers "what did mentor r's history look like just before time t" for many pairs."""

    def __init__(
        self,
        pairings: pd.DataFrame,
        policy: LabelPolicy,
        mentee_vectors: dict[str, np.ndarray] | None = None,
        mentee_skills: dict[str, list[str]] | None = None,
        dimension: int = 0,
    ) -> None:
        self.policy = policy
        self.dimension = dimension
        p = pairings.reset_index(drop=True)
        self._code_index = pd.Index(pd.unique(p["mentor_id"].astype(object)), dtype=object)
        self._mentor_codes = {m: i for i, m in enumerate(self._code_index)}
        n = len(p)
        codes = np.array([self._mentor_codes[m] for m in p["mentor_id"]], dtype=np.int64)
        created = to_seconds(p["created_at"]) if n else np.zeros(0, dtype=np.int64)
        ended_raw = p["ended_at"] if "ended_at" in p else pd.Series([pd.NaT] * n)
        has_end = ended_raw.notna().to_numpy()
        ended = np.where(has_end, to_seconds(ended_raw.fillna(pd.Timestamp(0, tz="UTC"))), 0)
        status = p["status"].astype(object).to_numpy()
        final = policy.labels(p).to_numpy(dtype=np.float64)
        active_label = float(policy.status_labels.get("active") or 1.0)
        thr = policy.success_threshold
        rating = pd.to_numeric(p["rating"], errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        has_rating = ~np.isnan(rating)

        labelled = ~np.isnan(final)
        # Ongoing between creation and a known end: provisional "active" outcome and one load.
        ongoing = labelled & (status != "declined") & has_end & (ended > created)
        ongoing |= labelled & np.isin(status, ["accepted", "active"]) & ~has_end
        settled_now = labelled & ~ongoing  # outcome known at creation (declined, or no end date)

        prov = np.where(ongoing, active_label, np.where(settled_now, final, np.nan))
        prov_success = np.nan_to_num(prov) >= thr
        prov_success &= labelled
        final_success = (np.nan_to_num(final, nan=-1.0) >= thr) & labelled
        ends_later = ongoing & has_end

        zeros = np.zeros(n)
        at_create = np.column_stack(
            [
                np.ones(n),
                labelled.astype(float),
                np.nan_to_num(prov),
                prov_success.astype(float),
                np.where(settled_now & has_rating, rating, 0.0),
                (settled_now & has_rating).astype(float),
                ongoing.astype(float),
            ]
        )
        at_end = np.column_stack(
            [
                zeros,
                zeros,
                np.where(ends_later, np.nan_to_num(final) - np.nan_to_num(prov), 0.0),
                np.where(ends_later, final_success.astype(float) - prov_success, 0.0),
                np.where(ends_later & has_rating, rating, 0.0),
                (ends_later & has_rating).astype(float),
                -ends_later.astype(float),
            ]
        )
        self._stats = _EventTable.build(
            np.concatenate([codes, codes[ends_later]]),
            np.concatenate([created, ended[ends_later]]),
            np.vstack([at_create, at_end[ends_later]]),
        )
        self._created = _EventTable.build(codes, created, np.ones((n, 1)))
        self._created_secs = self._created.keys - (self._created.keys // _SHIFT) * _SHIFT

        # Successful past mentees: their goal vectors (centroid) and their wanted skills.
        mentees = p["mentee_id"].astype(object).to_numpy()
        succ_add = prov_success
        succ_remove = ends_later & prov_success & ~final_success
        ev_codes = np.concatenate([codes[succ_add], codes[succ_remove]])
        ev_secs = np.concatenate([created[succ_add], ended[succ_remove]])
        ev_mentees = np.concatenate([mentees[succ_add], mentees[succ_remove]])
        ev_sign = np.concatenate([np.ones(succ_add.sum()), -np.ones(succ_remove.sum())])
        self._vectors: _EventTable | None = None
        if mentee_vectors is not None and dimension:
            zero = np.zeros(dimension, dtype=np.float32)
            vecs = np.array(
                [mentee_vectors.get(m, zero) for m in ev_mentees], dtype=np.float32
            ).reshape(len(ev_mentees), dimension)
            self._vectors = _EventTable.build(ev_codes, ev_secs, vecs * ev_sign[:, None])
        self._skill_codes: dict[tuple[int, str], int] = {}
        self._skills: _EventTable | None = None
        if mentee_skills is not None:
            rows_code, rows_secs, rows_sign = [], [], []
            for c, s, m, sign in zip(ev_codes, ev_secs, ev_mentees, ev_sign, strict=True):
                for skill in sorted(skill_set(mentee_skills.get(m))):
                    key = (int(c), skill)
                    code = self._skill_codes.setdefault(key, len(self._skill_codes))
                    rows_code.append(code)
                    rows_secs.append(s)
                    rows_sign.append(sign)
            self._skills = _EventTable.build(
                np.asarray(rows_code, dtype=np.int64),
                np.asarray(rows_secs, dtype=np.int64),
                np.asarray(rows_sign, dtype=np.float64).reshape(-1, 1),
            )

    def codes(self, mentor_ids: np.ndarray) -> np.ndarray:
        """Internal codes of mentor ids (pass them as ``codes=`` to skip the lookup when the
        same ids are queried many times)."""
        pos = self._code_index.get_indexer(pd.Index(np.asarray(mentor_ids, dtype=object)))
        # Mentors with no pairings get a code past every real one: their sums are all zero.
        return np.where(pos < 0, len(self._mentor_codes), pos).astype(np.int64)

    def stats(
        self, mentor_ids: np.ndarray | None, secs: np.ndarray, codes: np.ndarray | None = None
    ) -> pd.DataFrame:
        """Sums of each statistic in :data:`STATS` over the mentor's pairings before t (pass
        either ``mentor_ids`` or their ``codes``)."""
        return pd.DataFrame(self.stat_sums(mentor_ids, secs, codes), columns=list(STATS))

    def stat_sums(
        self, mentor_ids: np.ndarray | None, secs: np.ndarray, codes: np.ndarray | None = None
    ) -> np.ndarray:
        """:meth:`stats` as a plain (n, len(STATS)) array (no DataFrame: per-request paths)."""
        return self._stats.sums(self._codes_of(mentor_ids, codes), secs)

    def _codes_of(self, mentor_ids: np.ndarray | None, codes: np.ndarray | None) -> np.ndarray:
        if codes is not None:
            return codes
        if mentor_ids is None:
            raise ValueError("pass mentor_ids or codes")
        return self.codes(mentor_ids)

    def last_created(
        self, mentor_ids: np.ndarray | None, secs: np.ndarray, codes: np.ndarray | None = None
    ) -> np.ndarray:
        """Seconds of the mentor's latest pairing before t (NaN when none)."""
        start, stop = self._created.bounds(self._codes_of(mentor_ids, codes), secs)
        out = np.full(len(secs), np.nan)
        has = stop > start
        out[has] = self._created_secs[stop[has] - 1]
        return out

    def created_between(
        self,
        mentor_ids: np.ndarray | None,
        secs: np.ndarray,
        window_secs: int,
        codes: np.ndarray | None = None,
    ) -> np.ndarray:
        """Number of the mentor's pairings created in [t - window, t)."""
        codes = self._codes_of(mentor_ids, codes)
        before = self._created.sums(codes, secs)[:, 0]
        earlier = self._created.sums(codes, np.clip(secs - window_secs, 0, None))[:, 0]
        return before - earlier

    def centroid_similarity(
        self,
        mentor_ids: np.ndarray | None,
        secs: np.ndarray,
        queries: np.ndarray,
        chunk: int = 8192,
        codes: np.ndarray | None = None,
    ) -> np.ndarray:
        """Cosine between each query vector and the centroid of the mentor's successful past
        mentees' goal vectors before t (NaN when the mentor has none)."""
        out = np.full(len(secs), np.nan, dtype=np.float64)
        if self._vectors is None:
            return out
        codes = self._codes_of(mentor_ids, codes)
        for lo in range(0, len(secs), chunk):
            hi = min(lo + chunk, len(secs))
            start, stop = self._vectors.bounds(codes[lo:hi], secs[lo:hi])
            cent = self._vectors.cum[stop] - self._vectors.cum[start]
            norms = np.linalg.norm(cent, axis=1)
            dots = np.einsum("ij,ij->i", cent, queries[lo:hi])
            ok = norms > 1e-6
            out[lo:hi][ok] = dots[ok] / norms[ok]
        return out

    def skill_evidence(
        self,
        mentor_ids: np.ndarray | None,
        secs: np.ndarray,
        wanted: list[frozenset[str]],
        codes: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """For each pair: the fraction of the mentee's wanted skills that the mentor's successful
        past mentees also wanted before t, and the mean log1p count of such past mentees per
        wanted skill. NaN when the mentee wants nothing."""
        n = len(secs)
        frac = np.full(n, np.nan)
        evidence = np.full(n, np.nan)
        codes = self._codes_of(mentor_ids, codes)
        row_idx: list[int] = []
        code_list: list[int] = []
        for i, (c, skills) in enumerate(zip(codes, wanted, strict=True)):
            if not skills:
                continue
            frac[i] = 0.0
            evidence[i] = 0.0
            for s in sorted(skills):  # fixed order: sums must not depend on PYTHONHASHSEED
                code = self._skill_codes.get((int(c), s))
                if code is not None:
                    row_idx.append(i)
                    code_list.append(code)
        if self._skills is None or not row_idx:
            return frac, evidence
        rows = np.asarray(row_idx)
        counts = self._skills.sums(np.asarray(code_list, dtype=np.int64), secs[rows])[:, 0]
        sizes = np.array([len(w) for w in wanted], dtype=np.float64)
        np.add.at(frac, rows, (counts > 0.5).astype(float))
        np.add.at(evidence, rows, np.log1p(np.clip(counts, 0, None)))
        has = sizes > 0
        frac[has] /= sizes[has]
        evidence[has] /= sizes[has]
        return frac, evidence

    # -- snapshots: the whole pool at one time (retrieval, baselines) ------------------------
    def centroids_at(self, mentor_ids: np.ndarray, secs: int) -> np.ndarray:
        """Un-normalised sum of successful past mentees' goal vectors per mentor before t."""
        out = np.zeros((len(mentor_ids), max(self.dimension, 1)), dtype=np.float32)
        if self._vectors is None:
            return out
        codes = self.codes(mentor_ids)
        start, stop = self._vectors.bounds(codes, np.full(len(codes), secs, dtype=np.int64))
        return (self._vectors.cum[stop] - self._vectors.cum[start]).astype(np.float32)

    def skills_at(self, secs: int) -> list[tuple[str, str]]:
        """(mentor_id, skill) pairs that some successful past mentee wanted before t."""
        if self._skills is None or not self._skill_codes:
            return []
        keys = list(self._skill_codes)
        codes = np.arange(len(keys), dtype=np.int64)
        counts = self._skills.sums(codes, np.full(len(keys), secs, dtype=np.int64))[:, 0]
        by_code = {c: m for m, c in self._mentor_codes.items()}
        return [(by_code[keys[i][0]], keys[i][1]) for i in np.flatnonzero(counts > 0.5)]
