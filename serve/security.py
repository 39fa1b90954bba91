"""API-key authentication and role checks.

A key is sent as ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. No key (or an unknown
or revoked one) is a 401; a key whose role may not do what the route does is a 403.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from recommender.store.keys import Principal, Role

api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="An API key from `recommender keys create --role ROLE`.",
)
bearer = HTTPBearer(
    auto_error=False,
    description="The same API key as a bearer token: `Authorization: Bearer <key>`.",
)

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


async def authenticate(
    request: Request,
    header_key: Annotated[str | None, Security(api_key_header)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> Principal:
    """The caller's principal; 401 without a valid key."""
    presented = header_key or (credentials.credentials if credentials else None)
    if not presented:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "an API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
            headers=_CHALLENGE,
        )
    verifier = request.app.state.service.keys
    principal = verifier.verify(presented) if verifier is not None else None
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "invalid or revoked API key", headers=_CHALLENGE
        )
    request.state.key_id = principal.key_id  # for the access log
    return principal


def require(role: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that admits keys whose role includes ``role``."""

    async def check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not principal.role.allows(role):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"this needs an {role.value} key; this key's role is {principal.role.value}",
            )
        return principal

    return check
