"""The serving state behind the JSON API and the console: the programme's feature context, the
mentor index and the model, updated without restarts.

:class:`RecommenderService` (:mod:`recommender.service.service`) is the one entry point; its
methods return the dataclasses of :mod:`recommender.service.results` and raise the errors of
:mod:`recommender.service.errors`. Nothing here speaks HTTP.
"""

from recommender.service.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    NotReadyError,
    ServiceError,
)
from recommender.service.service import RecommenderService
from recommender.service.snapshot import Snapshot

__all__ = [
    "ConflictError",
    "InvalidInputError",
    "NotFoundError",
    "NotReadyError",
    "RecommenderService",
    "ServiceError",
    "Snapshot",
]
