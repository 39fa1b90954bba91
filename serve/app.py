"""The FastAPI application: ``create_app()`` builds it; the lifespan loads everything.

Nothing is loaded at import time. The lifespan connects the database (migrating it), loads the
model and builds the mentor index (:class:`recommender.service.RecommenderService`), pins the
numerical thread pools, and starts the background threads (model polling, database sync, history
refresh); shutdown stops them. Run it with ``recommender serve`` or
``uvicorn --factory serve.app:create_app``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import metadata

import anyio
from anyio import CapacityLimiter
from fastapi import FastAPI

from recommender.config import Settings, get_settings
from recommender.features.embeddings import TextEncoder
from recommender.service import RecommenderService
from recommender.service.threads import limit_threads
from recommender.service.watcher import ModelLoader
from serve import errors
from serve.metrics import Metrics
from serve.middleware import RequestContextMiddleware
from serve.routes import matchings, ops, pairings, people, recommendations

log = logging.getLogger("recommender.api")

DESCRIPTION = """
Ranked mentor suggestions with the evidence behind each one, capacity-aware cohort matching,
and the profiles and pairing outcomes the ranker learns from.

**Authentication**: every `/v1` route needs an API key (`recommender keys create --role ROLE`),
sent as `Authorization: Bearer <key>` or `X-API-Key: <key>`. `viewer` keys may read
recommendations and the model; `admin` keys may do everything. Errors carry a `request_id`
(also in the `X-Request-ID` header) that the service's logs use too.
"""

TAGS = [
    {"name": "recommendations", "description": "Ranked mentors with reasons."},
    {"name": "matching", "description": "Cohort matching under capacity and hard rules."},
    {"name": "people", "description": "Mentor and mentee profiles."},
    {"name": "pairings", "description": "Pairings and their outcomes."},
    {"name": "operations", "description": "Health, readiness, model, metrics, reload."},
]


def _version() -> str:
    try:
        return metadata.version("mentor-recommender")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0.0.0"


def create_app(
    settings: Settings | None = None,
    *,
    encoder: TextEncoder | None = None,
    service: RecommenderService | None = None,
    model_loader: ModelLoader | None = None,
    background: bool = True,
) -> FastAPI:
    """The API application.

    ``settings`` default to the environment's. ``encoder`` overrides the embedding model and
    ``model_loader`` the model loader (tests inject fast ones); ``service`` replaces the whole
    serving state (it is started by the lifespan unless already started). ``background=False``
    skips the polling and sync threads (history refreshes then run on :meth:`flush`).
    """
    settings = settings or get_settings()
    state: dict[str, RecommenderService] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc = service or RecommenderService(settings, encoder=encoder, model_loader=model_loader)
        if not svc.is_started:
            await anyio.to_thread.run_sync(svc.start)
        limit_threads()  # after start: loading an encoder may have set torch's own count
        if background:
            svc.start_background()
        state["service"] = svc
        app.state.service = svc
        # Ranking is mostly Python holding the GIL: computing several at once only makes each
        # slower (measured, docs/api.md), so requests queue for a slot instead. A matching gets
        # its own slot so a long one never blocks recommendations.
        app.state.compute_limiter = CapacityLimiter(settings.compute_concurrency)
        app.state.matching_limiter = CapacityLimiter(1)
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(svc.close)

    app = FastAPI(
        title="Mentor Recommender API",
        version=_version(),
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        max_body_size=settings.max_body_bytes,
    )
    app.state.settings = settings
    app.state.metrics = Metrics(lambda: state.get("service"))
    app.add_middleware(RequestContextMiddleware, metrics=app.state.metrics)
    errors.install(app)
    for module in (recommendations, matchings, people, pairings, ops):
        app.include_router(module.router)
    return app
