"""Feedback sentiment: a score in [-1, 1] for each feedback text, learned from rated feedback.

:class:`FeedbackSentiment` follows the fitted-object style of
:class:`~recommender.features.pairs.PairFeaturizer`: ``__init__`` only stores settings,
:meth:`~FeedbackSentiment.fit` learns the attributes that end in ``_``, and
:meth:`~FeedbackSentiment.get_state` / :meth:`~FeedbackSentiment.from_state` round-trip it
through JSON (no pickles in a model folder).

Two models, one scale:

- **learned** (``kind_ == "learned"``): the feedback's sentence embedding, a logistic
  regression telling low ratings (<= ``low_rating``) from high ones (>= ``high_rating``), and
  Platt calibration by cross-validation (scikit-learn ``CalibratedClassifierCV``, method
  ``sigmoid``; the fold models are averaged as scikit-learn does). The score is
  ``2 * P(high) - 1``: 0 is a coin flip, +-1 certainty.
- **lexicon** (``kind_ == "lexicon"``): VADER's compound score (``vaderSentiment``, which ships
  its lexicon and works offline). Used when fewer than ``min_rated`` feedbacks with a low or high
  rating exist (or fewer than ``min_per_class`` of either), because a classifier fitted on a
  handful of texts is worse than a general-purpose lexicon (bench/README.md has the curve).

Text without content (empty, only spaces, punctuation or markup) has no score: NaN, never 0.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, Self

import numpy as np
import pandas as pd

from recommender.feedback.text import MAX_FEEDBACK_CHARS, clean_many, has_content

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from recommender.features.embeddings import TextEncoder

__all__ = [
    "SENTIMENT_FORMAT",
    "FeedbackSentiment",
    "SentimentCache",
    "SentimentModelError",
    "fit_on_pairings",
    "lexicon_scores",
]

#: Version of :meth:`FeedbackSentiment.get_state`'s layout.
SENTIMENT_FORMAT = "feedback-sentiment/1"

Kind = Literal["learned", "lexicon"]


class SentimentModelError(ValueError):
    """A sentiment state is corrupt or from another format, or the encoder does not match."""


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def lexicon_scores(texts: Sequence[str]) -> np.ndarray:
    """VADER compound scores in [-1, 1] of already cleaned texts (NaN where no content)."""
    analyzer = _analyzer()
    out = np.full(len(texts), np.nan)
    for i, text in enumerate(texts):
        if has_content(text):
            out[i] = float(analyzer.polarity_scores(text)["compound"])
    return out


def _expit(x: np.ndarray) -> np.ndarray:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * x)), dtype=np.float64)


class FeedbackSentiment:
    """Scores feedback text in [-1, 1] (negative to positive); see the module docstring.

    Parameters are plain settings; everything learned ends in ``_`` and is set by :meth:`fit`.
    """

    def __init__(
        self,
        min_rated: int = 100,
        min_per_class: int = 20,
        low_rating: float = 2.0,
        high_rating: float = 4.0,
        C: float = 1.0,
        folds: int = 5,
        max_chars: int = MAX_FEEDBACK_CHARS,
        seed: int = 42,
    ) -> None:
        self.min_rated = min_rated
        self.min_per_class = min_per_class
        self.low_rating = low_rating
        self.high_rating = high_rating
        self.C = C
        self.folds = folds
        self.max_chars = max_chars
        self.seed = seed

    @classmethod
    def lexicon(cls) -> FeedbackSentiment:
        """A fitted lexicon model (what :meth:`fit` picks with no rated feedback)."""
        return cls().fit([], [])

    # -- learning ---------------------------------------------------------------------------
    def fit(
        self,
        texts: Sequence[Any] | pd.Series,
        ratings: Sequence[Any] | pd.Series,
        encoder: TextEncoder | None = None,
    ) -> Self:
        """Learn from feedback texts and their ratings (missing ratings and texts are ignored).

        Without ``encoder``, or with too few low or high ratings, the lexicon model is chosen.
        """
        if self.low_rating >= self.high_rating:
            raise ValueError(
                f"low_rating ({self.low_rating}) must be below high_rating ({self.high_rating})"
            )
        cleaned = clean_many(list(texts), self.max_chars)
        rating = pd.to_numeric(pd.Series(list(ratings), dtype=object), errors="coerce")
        if len(rating) != len(cleaned):
            raise ValueError(f"{len(cleaned)} texts but {len(rating)} ratings")
        values = rating.to_numpy(dtype=np.float64, na_value=np.nan)
        content = np.array([has_content(t) for t in cleaned], dtype=bool)
        low = content & (values <= self.low_rating)
        high = content & (values >= self.high_rating)
        self.n_low_ = int(low.sum())
        self.n_high_ = int(high.sum())
        self.n_rated_ = self.n_low_ + self.n_high_
        self.encoder_id_: str | None = None
        self.dimension_: int | None = None
        self.folds_: list[dict[str, Any]] = []
        self.kind_: Kind = "lexicon"
        enough = (
            self.n_rated_ >= self.min_rated and min(self.n_low_, self.n_high_) >= self.min_per_class
        )
        if encoder is None or not enough:
            return self
        rated = low | high
        texts_rated = [t for t, keep in zip(cleaned, rated, strict=True) if keep]
        features = np.asarray(encoder.encode_documents(texts_rated), dtype=np.float64)
        target = high[rated].astype(np.int64)
        self.folds_ = self._fit_folds(features, target)
        self.encoder_id_ = encoder.model_id
        self.dimension_ = int(features.shape[1])
        self.kind_ = "learned"
        return self

    def _fit_folds(self, features: np.ndarray, target: np.ndarray) -> list[dict[str, Any]]:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold

        n_splits = max(2, min(self.folds, int(np.bincount(target, minlength=2).min())))
        model = CalibratedClassifierCV(
            LogisticRegression(C=self.C, max_iter=2000),
            method="sigmoid",
            cv=StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=self.seed),
            ensemble=True,
        ).fit(features, target)
        folds = []
        for calibrated in model.calibrated_classifiers_:
            estimator, calibrator = calibrated.estimator, calibrated.calibrators[0]
            folds.append(
                {
                    "coef": [float(v) for v in estimator.coef_[0]],
                    "intercept": float(estimator.intercept_[0]),
                    "a": float(calibrator.a_),
                    "b": float(calibrator.b_),
                }
            )
        return folds

    # -- scoring ----------------------------------------------------------------------------
    def transform(
        self, texts: Sequence[Any] | pd.Series, encoder: TextEncoder | None = None
    ) -> np.ndarray:
        """Scores in [-1, 1] for raw feedback values (NaN where the text has no content).

        The learned model needs ``encoder``: the embedding model it was fitted with.
        """
        cleaned = clean_many(list(texts), self.max_chars)
        if self.kind_ == "lexicon":
            return lexicon_scores(cleaned)
        if encoder is None:
            raise SentimentModelError(
                "this sentiment model was learned on sentence embeddings: pass the encoder "
                f"{self.encoder_id_!r}"
            )
        if encoder.model_id != self.encoder_id_:
            raise SentimentModelError(
                f"this sentiment model was learned with embedding model {self.encoder_id_!r}, "
                f"got {encoder.model_id!r}"
            )
        out = np.full(len(cleaned), np.nan)
        keep = np.array([has_content(t) for t in cleaned], dtype=bool)
        if keep.any():
            kept = [t for t, k in zip(cleaned, keep, strict=True) if k]
            out[keep] = 2.0 * self._probability(encoder.encode_documents(kept)) - 1.0
        return out

    def _probability(self, vectors: np.ndarray) -> np.ndarray:
        features = np.asarray(vectors, dtype=np.float64)
        total = np.zeros(len(features))
        for fold in self.folds_:
            decision = features @ np.asarray(fold["coef"]) + fold["intercept"]
            total += _expit(-(fold["a"] * decision + fold["b"]))
        return np.asarray(total / len(self.folds_), dtype=np.float64)

    def score_pairings(
        self, pairings: pd.DataFrame, encoder: TextEncoder | None = None
    ) -> pd.Series:
        """Each pairing's feedback score, indexed like ``pairings`` (NaN without feedback)."""
        if "feedback" not in pairings or len(pairings) == 0:
            return pd.Series(np.nan, index=pairings.index, dtype="float64", name="sentiment")
        values = self.transform(pairings["feedback"].tolist(), encoder)
        return pd.Series(values, index=pairings.index, dtype="float64", name="sentiment")

    # -- persistence ------------------------------------------------------------------------
    def get_state(self) -> dict[str, Any]:
        """JSON-serialisable settings and learned state."""
        return {
            "format": SENTIMENT_FORMAT,
            "params": {
                "min_rated": self.min_rated,
                "min_per_class": self.min_per_class,
                "low_rating": self.low_rating,
                "high_rating": self.high_rating,
                "C": self.C,
                "folds": self.folds,
                "max_chars": self.max_chars,
                "seed": self.seed,
            },
            "learned": {
                "kind": self.kind_,
                "n_rated": self.n_rated_,
                "n_low": self.n_low_,
                "n_high": self.n_high_,
                "encoder_id": self.encoder_id_,
                "dimension": self.dimension_,
                "folds": self.folds_,
            },
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> FeedbackSentiment:
        """Rebuild a fitted model; :class:`SentimentModelError` names what is wrong."""
        if not isinstance(state, dict) or state.get("format") != SENTIMENT_FORMAT:
            found = state.get("format") if isinstance(state, dict) else type(state).__name__
            raise SentimentModelError(
                f"sentiment state format {found!r}, expected {SENTIMENT_FORMAT!r}"
            )
        try:
            self = cls(**state["params"])
            learned = state["learned"]
            kind = learned["kind"]
            if kind not in ("learned", "lexicon"):
                raise SentimentModelError(f"unknown sentiment model kind {kind!r}")
            self.kind_ = kind
            self.n_rated_ = int(learned["n_rated"])
            self.n_low_ = int(learned["n_low"])
            self.n_high_ = int(learned["n_high"])
            self.encoder_id_ = learned["encoder_id"]
            self.dimension_ = learned["dimension"]
            self.folds_ = [
                {
                    "coef": [float(v) for v in f["coef"]],
                    "intercept": float(f["intercept"]),
                    "a": float(f["a"]),
                    "b": float(f["b"]),
                }
                for f in learned["folds"]
            ]
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, SentimentModelError):
                raise
            raise SentimentModelError(f"corrupt sentiment state ({exc!r})") from exc
        if kind == "learned":
            sizes = {len(f["coef"]) for f in self.folds_}
            values = [v for f in self.folds_ for v in (*f["coef"], f["intercept"], f["a"], f["b"])]
            if (
                not self.folds_
                or sizes != {self.dimension_}
                or not self.encoder_id_
                or not all(math.isfinite(v) for v in values)
            ):
                raise SentimentModelError(
                    "corrupt sentiment state (learned model without consistent finite folds)"
                )
        return self

    def to_json(self) -> str:
        return json.dumps(self.get_state(), indent=2, sort_keys=True)

    @property
    def description(self) -> str:
        """One line for reports: which model and what it learned from."""
        if self.kind_ == "learned":
            return (
                f"learned from {self.n_rated_} rated feedbacks ({self.n_low_} low, "
                f"{self.n_high_} high) on {self.encoder_id_}"
            )
        return (
            f"VADER lexicon ({self.n_rated_} rated feedbacks; a learned model needs "
            f"{self.min_rated}, with {self.min_per_class} low and high)"
        )


def fit_on_pairings(
    pairings: pd.DataFrame,
    encoder: TextEncoder | None,
    *,
    as_of: pd.Timestamp | None = None,
    model: FeedbackSentiment | None = None,
) -> FeedbackSentiment:
    """Fit ``model`` (default settings when None) on the pairings' rated feedback.

    With ``as_of``, only ratings known by then count: those of pairings that ended by ``as_of``
    (or, without an end date, were created by then), so a report for a past date does not learn
    from later opinions.
    """
    model = model or FeedbackSentiment()
    if len(pairings) == 0 or "feedback" not in pairings or "rating" not in pairings:
        return model.fit([], [], encoder)
    rated = pairings
    if as_of is not None:
        created = pd.to_datetime(pairings["created_at"], utc=True, errors="coerce")
        ended = pd.to_datetime(
            pairings["ended_at"]
            if "ended_at" in pairings
            else pd.Series(pd.NaT, index=pairings.index),
            utc=True,
            errors="coerce",
        )
        dated = ended.where(ended.notna(), created)
        rated = pairings[dated.notna() & (dated <= as_of)]
    return model.fit(rated["feedback"].tolist(), rated["rating"].tolist(), encoder)


class SentimentCache:
    """Scores of a fitted model, memoised by feedback text (thread-safe).

    A service scores the same pairings' feedback on every at-risk list and KPI request; each
    distinct text is scored once per model. Bounded: past ``max_texts`` the memo starts over.
    """

    def __init__(
        self,
        model: FeedbackSentiment,
        encoder: TextEncoder | None = None,
        max_texts: int = 200_000,
    ) -> None:
        self.model = model
        self.encoder = encoder
        self.max_texts = max_texts
        self._memo: dict[str, float] = {}
        self._lock = threading.Lock()

    def score_pairings(self, pairings: pd.DataFrame) -> pd.Series:
        """Like :meth:`FeedbackSentiment.score_pairings`, from the memo where possible."""
        if "feedback" not in pairings or len(pairings) == 0:
            return pd.Series(np.nan, index=pairings.index, dtype="float64", name="sentiment")
        texts = ["" if not isinstance(t, str) else t for t in pairings["feedback"].tolist()]
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._memo))
        if missing:
            scores = self.model.transform(missing, self.encoder)
            with self._lock:
                if len(self._memo) + len(missing) > self.max_texts:
                    self._memo.clear()
                self._memo.update(zip(missing, (float(v) for v in scores), strict=True))
                values = [self._memo.get(t, np.nan) for t in texts]
        else:
            with self._lock:
                values = [self._memo[t] for t in texts]
        return pd.Series(values, index=pairings.index, dtype="float64", name="sentiment")
