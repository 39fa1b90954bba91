"""Error responses: one JSON shape (``detail`` plus the request id) for every failure.

The one place that maps the service's errors (:mod:`recommender.service.errors`) onto HTTP: each
class to a status code, and an error's ``field`` (an input among the call's arguments) to its
location in the request body. Validation errors list each problem with its location both as
FastAPI's ``loc`` and as a JSON path (``$.filters.k``). Submitted values are never echoed back
(they may be long profile text).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from recommender.service import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    NotReadyError,
    ServiceError,
)
from serve.middleware import current_request_id
from serve.schemas import ErrorResponse

log = logging.getLogger("recommender.api")


def _response(model: type[ErrorResponse], description: str) -> dict[str, Any]:
    return {"model": model, "description": description}


AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _response(ErrorResponse, "No API key, or an invalid or revoked one."),
    403: _response(ErrorResponse, "The key's role may not do this."),
}
Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: _response(ErrorResponse, "No such mentor, mentee, pairing or plan.")}
CONFLICT: Responses = {
    409: _response(ErrorResponse, "The request conflicts with the current data.")
}
INVALID: Responses = {
    422: _response(ErrorResponse, "The body or parameters are invalid (see loc/path).")
}


#: The status code of each service error (the first class in an error's MRO that is listed).
STATUS: dict[type[ServiceError], int] = {
    NotFoundError: 404,
    ConflictError: 409,
    InvalidInputError: 422,
    NotReadyError: 503,
}


def status_of(exc: ServiceError) -> int:
    """The HTTP status of a service error (500 for one this module does not know)."""
    return next((STATUS[cls] for cls in type(exc).__mro__ if cls in STATUS), 500)


def json_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """``("body", "filters", "languages", 0)`` -> ``$.filters.languages[0]``."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        where = parts.pop(0)
        if where != "body":
            return f"{where}:" + ".".join(str(p) for p in parts)
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _error(request: Request, status: int, detail: Any, **extra: Any) -> JSONResponse:
    request_id = current_request_id() or (request.scope.get("state") or {}).get("request_id")
    body = {"detail": detail, "request_id": request_id, **extra}
    return JSONResponse(body, status_code=status)


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    items = [
        {
            "loc": list(e.get("loc", ())),
            "path": json_path(e.get("loc", ())),
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in exc.errors()
    ]
    return _error(request, 422, items)


async def service_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    status = status_of(exc)
    extra = dict(exc.details)
    if exc.field is not None and status == 422:
        loc = ["body", *exc.field]  # every service input arrives in the request body
        detail: Any = [
            {"loc": loc, "path": json_path(loc), "msg": exc.message, "type": "value_error"}
        ]
        return _error(request, 422, detail, **extra)
    return _error(request, status, exc.message, **extra)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    response = _error(request, exc.status_code, exc.detail)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    request_id = (request.scope.get("state") or {}).get("request_id")
    log.exception(
        "unhandled error in %s %s (request %s)", request.method, request.url.path, request_id
    )
    return _error(request, 500, "internal error; the logs have the details under this request id")


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(ServiceError, service_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected_error)
