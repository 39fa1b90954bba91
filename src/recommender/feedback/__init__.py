"""Feedback: a sentiment score for each pairing's feedback text, and pairings at risk.

- :class:`FeedbackSentiment` scores feedback in [-1, 1], learned from the programme's own rated
  feedback (sentence embeddings + calibrated logistic regression), or VADER's lexicon when too
  few feedbacks are rated (:mod:`recommender.feedback.sentiment`).
- :func:`pairings_at_risk` flags running pairings whose latest feedback is negative or whose
  check-ins stopped (:mod:`recommender.feedback.risk`).
- :func:`clean_feedback` is what both read: plain text, markup removed, length bounded.

docs/feedback.md describes the models, the rule and their settings.
"""

from recommender.feedback.risk import (
    CHECKINS_STOPPED,
    NEGATIVE_FEEDBACK,
    RiskRule,
    pairings_at_risk,
    running_at,
)
from recommender.feedback.sentiment import (
    FeedbackSentiment,
    SentimentCache,
    SentimentModelError,
    fit_on_pairings,
    lexicon_scores,
)
from recommender.feedback.text import MAX_FEEDBACK_CHARS, clean_feedback, has_content

__all__ = [
    "CHECKINS_STOPPED",
    "MAX_FEEDBACK_CHARS",
    "NEGATIVE_FEEDBACK",
    "FeedbackSentiment",
    "RiskRule",
    "SentimentCache",
    "SentimentModelError",
    "clean_feedback",
    "fit_on_pairings",
    "has_content",
    "lexicon_scores",
    "pairings_at_risk",
    "running_at",
]
