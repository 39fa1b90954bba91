"""Liveness, readiness, the served model, metrics and reloads."""

from __future__ import annotations

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
    readiness = service.readiness()
    payload = Readiness.model_validate(readiness, from_attributes=True).model_dump(mode="json")
    return JSONResponse(payload, status_code=200 if readiness.ready else 503)


@router.get("/metrics", response_class=PlainTextResponse, response_model=None)
async def metrics(request: Request) -> Response:
    """Prometheus metrics (text exposition format)."""
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE)


@router.get("/v1/model", response_model=ModelInfo, responses=AUTH_ERRORS)
async def model(service: ServiceDep, _: ViewerKey) -> ModelInfo:
    """The model being served: version, alias, training time and metrics."""
    return ModelInfo.model_validate(service.model_info(), from_attributes=True)


@router.post("/v1/admin/reload", response_model=ReloadResponse, responses=AUTH_ERRORS)
def reload(service: ServiceDep, _: AdminKey) -> ReloadResponse:
    """Load the model source now and swap it in; the old model stays if loading fails."""
    return ReloadResponse.model_validate(service.reload("admin"), from_attributes=True)
