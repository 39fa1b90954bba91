"""Dependencies of the routes: the service, the compute limiter and the caller's role."""

from __future__ import annotations

from typing import Annotated

from anyio import CapacityLimiter
from fastapi import Depends, Request

from recommender.config import Settings
from recommender.service import RecommenderService
from recommender.store.keys import Principal, Role
from serve.security import require


def get_service(request: Request) -> RecommenderService:
    service: RecommenderService = request.app.state.service
    return service


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_limiter(request: Request) -> CapacityLimiter:
    """Bounds the recommendations computed at once (``compute_concurrency``; docs/api.md)."""
    limiter: CapacityLimiter = request.app.state.compute_limiter
    return limiter


def get_matching_limiter(request: Request) -> CapacityLimiter:
    """One cohort matching at a time, beside the recommendations."""
    limiter: CapacityLimiter = request.app.state.matching_limiter
    return limiter


ServiceDep = Annotated[RecommenderService, Depends(get_service)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
LimiterDep = Annotated[CapacityLimiter, Depends(get_limiter)]
MatchingLimiterDep = Annotated[CapacityLimiter, Depends(get_matching_limiter)]
AdminKey = Annotated[Principal, Depends(require(Role.ADMIN))]
ViewerKey = Annotated[Principal, Depends(require(Role.VIEWER))]
