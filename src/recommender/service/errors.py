"""Errors the service raises. They say what went wrong and which input caused it, in the
service's own terms; callers decide what that means to them (the HTTP layer maps each class to
a status code and each ``field`` to a JSON path in ``serve/errors.py``)."""

from __future__ import annotations

from typing import Any

__all__ = [
    "ConflictError",
    "InvalidInputError",
    "NotFoundError",
    "NotReadyError",
    "ServiceError",
]

#: Where an input lives among a call's arguments: ``("mentee_ids", 3)`` is the fourth of
#: ``mentee_ids``; ``()`` is the call as a whole.
Field = tuple[str | int, ...]


class ServiceError(Exception):
    """A request the service cannot fulfil.

    ``field`` names the offending input (see :data:`Field`), when one input is to blame;
    ``details`` carries structured facts for the caller (e.g. a plan's ``conflicts``).
    """

    def __init__(
        self,
        message: str,
        *,
        field: Field | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}


class NotFoundError(ServiceError):
    """The named mentor, mentee, pairing or plan does not exist."""


class ConflictError(ServiceError):
    """The request contradicts the current state (duplicate id, plan already confirmed, ...)."""


class InvalidInputError(ServiceError):
    """The request is well-formed but its content is unusable (unknown ids in a list, ...)."""


class NotReadyError(ServiceError):
    """The service has not finished starting (or lost its database)."""
