"""Liveness, readiness, the served model, metrics and reloads."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from serve.deps import AdminKey, ServiceDep, ViewerKey
from serve.errors import AUTH_ERRORS
from serve.metrics import CONTENT_TYPE
from serve.schemas import Health, ModelInfo, Readiness, ReloadResponse

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=Health)
async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready; `problems` says why."}},
)
def readyz(service: ServiceDep) -> JSONResponse:
    """Readiness: the database answers and a scorer serves (a trained model if required)."""
    ready, body = service.readiness()
    payload = Readiness.model_validate(body).model_dump(mode="json")
    return JSONResponse(payload, status_code=200 if ready else 503)


@router.get("/metrics", response_class=PlainTextResponse, response_model=None)
async def metrics(request: Request) -> Response:
    """Prometheus metrics (text exposition format)."""
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE)


@router.get("/v1/model", response_model=ModelInfo, responses=AUTH_ERRORS)
async def model(service: ServiceDep, _: ViewerKey) -> dict[str, Any]:
    """The model being served: version, alias, training time and metrics."""
    snap = service.snapshot
    return {
        **snap.model,
        "loaded_at": snap.loaded_at,
        "last_reload": service.reload_status.to_dict(),
    }


@router.post("/v1/admin/reload", response_model=ReloadResponse, responses=AUTH_ERRORS)
def reload(service: ServiceDep, _: AdminKey) -> dict[str, Any]:
    """Load the model source now and swap it in; the old model stays if loading fails."""
    return service.reload("admin")
