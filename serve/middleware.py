"""Request ids, access logs and request metrics, as one plain ASGI middleware (no per-request
task or body copying, so it adds microseconds, not milliseconds).

Each request gets an id (the client's ``X-Request-ID`` when it is a short token, else a new
one), returned in the response's ``X-Request-ID`` and attached to every log record written while
the request runs (:class:`RequestIdFilter`). The access log line names method, path, status,
duration and the API key's id; never a body, so never profile text.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from serve.metrics import Metrics

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
access_log = logging.getLogger("recommender.api.access")


def current_request_id() -> str | None:
    """The id of the request being handled (None outside a request)."""
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record ("-" outside requests); install on handlers."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get() or "-"
        return True


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = incoming if incoming and _VALID_ID.match(incoming) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        # Also in the scope: error handlers outside this middleware (500s) still find it.
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            self.metrics.observe(method, template, status, elapsed)
            state = scope.get("state") or {}
            access_log.info(
                "%s %s %d %.1fms key=%s",
                method,
                scope.get("path", ""),
                status,
                elapsed * 1000,
                state.get("key_id", "-"),
            )
            _request_id.reset(token)
