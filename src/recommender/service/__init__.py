"""The serving state behind the HTTP API: the programme's feature context, the mentor index and
the model, updated without restarts (see :class:`recommender.service.state.RecommenderService`).
"""

from recommender.service.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    NotReadyError,
    ServiceError,
)
from recommender.service.state import RecommenderService, Snapshot

__all__ = [
    "ConflictError",
    "InvalidInputError",
    "NotFoundError",
    "NotReadyError",
    "RecommenderService",
    "ServiceError",
    "Snapshot",
]
