"""Errors the service raises for callers to map onto responses (the HTTP layer maps each
class to one status code)."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A request the service cannot fulfil; ``loc`` names the offending input (a JSON path such
    as ``("body", "mentee_ids", 3)``), ``extra`` carries details for the response."""

    status_code = 500

    def __init__(
        self,
        message: str,
        *,
        loc: tuple[str | int, ...] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.loc = loc
        self.extra = extra or {}


class NotFoundError(ServiceError):
    """The named mentor, mentee, pairing or plan does not exist."""

    status_code = 404


class ConflictError(ServiceError):
    """The request contradicts the current state (duplicate id, plan already confirmed, ...)."""

    status_code = 409


class InvalidInputError(ServiceError):
    """The request is well-formed but its content is unusable (unknown ids in a list, ...)."""

    status_code = 422


class NotReadyError(ServiceError):
    """The service has not finished starting (or lost its database)."""

    status_code = 503
