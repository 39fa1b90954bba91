"""API keys of the HTTP service: generated once, stored only as SHA-256 hashes, with a role.

A key looks like ``mr_<key_id>_<secret>``: ``key_id`` (12 hex digits) names the key in listings
and revocations, ``secret`` carries 256 random bits. Only ``sha256(key)`` is stored. A fast hash
is the right tool here (unlike passwords): the secret is random and long, so there is nothing to
guess, and a slow hash would cost every request.

Roles: ``admin`` may do everything (write profiles and outcomes, run and confirm matchings,
reload the model); ``viewer`` may read recommendations and the model's description.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Engine, Table, select, update
from sqlalchemy.engine import URL

from recommender.store.db import engine_for, require_current_schema, upgrade
from recommender.store.models import ApiKey, utcnow

KEY_PREFIX = "mr_"
_KEY_PATTERN = re.compile(r"^mr_([0-9a-f]{12})_([A-Za-z0-9_-]{20,128})$")
_HASH_PATTERN = re.compile(r"^[0-9a-f]{64}$")
_TABLE: Table = ApiKey.__table__  # type: ignore[assignment]


class Role(StrEnum):
    """What a key may do; every role may do what the roles below it may."""

    VIEWER = "viewer"
    ADMIN = "admin"

    def allows(self, needed: Role) -> bool:
        """Whether this role may do what ``needed`` may."""
        order = (Role.VIEWER, Role.ADMIN)
        return order.index(self) >= order.index(needed)


@dataclass(frozen=True)
class Principal:
    """Who made a request: the key's public id and role."""

    key_id: str
    role: Role


@dataclass(frozen=True)
class CreatedKey:
    """A new key. ``key`` is shown once and never stored."""

    key_id: str
    key: str
    role: Role
    name: str
    created_at: datetime


@dataclass(frozen=True)
class KeyInfo:
    """A stored key as listings show it (no secret, no hash)."""

    key_id: str
    role: Role
    name: str
    created_at: datetime
    revoked_at: datetime | None

    def to_dict(self) -> dict[str, str | None]:
        return {
            "key_id": self.key_id,
            "role": self.role.value,
            "name": self.name,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def hash_key(key: str) -> str:
    """The stored form of a key: SHA-256 of its UTF-8 bytes, hex."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def parse_role(value: str) -> Role:
    """``value`` as a :class:`Role`, or ValueError naming the allowed roles."""
    try:
        return Role(value.strip().lower())
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise ValueError(f"role must be one of {allowed}, got {value!r}") from None


def generate_key() -> tuple[str, str]:
    """A new (key_id, key) pair."""
    key_id = secrets.token_hex(6)
    return key_id, f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"


def create_api_key(
    database_url_or_engine: str | URL | Engine, role: Role | str, name: str = ""
) -> CreatedKey:
    """Store a new key for ``role`` (the database is migrated first) and return it, the only
    time its secret is visible."""
    role = parse_role(role) if isinstance(role, str) else role
    if len(name) > 200:
        raise ValueError(f"a key name has at most 200 characters, got {len(name)}")
    key_id, key = generate_key()
    created = utcnow()
    with engine_for(database_url_or_engine) as engine:
        upgrade(engine)
        with engine.begin() as connection:
            connection.execute(
                _TABLE.insert().values(
                    key_id=key_id,
                    key_hash=hash_key(key),
                    role=role.value,
                    name=name,
                    created_at=created,
                )
            )
    return CreatedKey(key_id=key_id, key=key, role=role, name=name, created_at=created)


def list_api_keys(database_url_or_engine: str | URL | Engine) -> list[KeyInfo]:
    """Every stored key, oldest first (revoked ones included)."""
    with engine_for(database_url_or_engine, create=False) as engine:
        require_current_schema(engine)
        with engine.connect() as connection:
            rows = connection.execute(select(_TABLE).order_by(_TABLE.c.id)).mappings().all()
    return [
        KeyInfo(
            key_id=r["key_id"],
            role=Role(r["role"]),
            name=r["name"],
            created_at=r["created_at"],
            revoked_at=r["revoked_at"],
        )
        for r in rows
    ]


def revoke_api_key(database_url_or_engine: str | URL | Engine, key_id: str) -> bool:
    """Revoke a key; False when no active key has that id. Services notice within their key
    cache time (``api_key_cache_s``)."""
    with engine_for(database_url_or_engine, create=False) as engine:
        require_current_schema(engine)
        with engine.begin() as connection:
            result = connection.execute(
                update(_TABLE)
                .where(_TABLE.c.key_id == key_id, _TABLE.c.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
    return bool(result.rowcount)


def parse_static_keys(entries: list[str]) -> dict[str, Role]:
    """``ROLE:SHA256HEX`` entries (settings' ``api_keys``) as hash -> role; ValueError naming
    the bad entry."""
    out: dict[str, Role] = {}
    for position, entry in enumerate(entries):
        role, sep, digest = entry.partition(":")
        digest = digest.strip().lower()
        if not sep or not _HASH_PATTERN.match(digest):
            raise ValueError(
                f"api_keys[{position}]: expected ROLE:SHA256HEX (64 hex digits, the hash of a "
                "key, never the key itself)"
            )
        out[digest] = parse_role(role)
    return out


class KeyVerifier:
    """Checks presented keys against the database (and the configured static hashes).

    Verified keys are cached for ``cache_s`` seconds so a request costs no database round trip;
    a revocation takes effect within that time. Unknown keys are not cached (a flood of bad keys
    must not fill memory), but they cost one indexed lookup each.
    """

    def __init__(
        self, engine: Engine, *, cache_s: float = 30.0, static: dict[str, Role] | None = None
    ) -> None:
        self.engine = engine
        self.cache_s = cache_s
        self.static = dict(static or {})
        self._cache: dict[str, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    def verify(self, key: str) -> Principal | None:
        """The key's principal, or None when it is malformed, unknown or revoked."""
        match = _KEY_PATTERN.match(key)
        if match is None:
            return None
        digest = hash_key(key)
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(digest)
        if cached is not None and cached[1] > now:
            return cached[0]
        principal = self._lookup(match.group(1), digest)
        if principal is not None:
            with self._lock:
                if len(self._cache) > 10_000:  # many distinct valid keys: start over
                    self._cache.clear()
                self._cache[digest] = (principal, now + self.cache_s)
        return principal

    def _lookup(self, key_id: str, digest: str) -> Principal | None:
        for stored, role in self.static.items():
            if hmac.compare_digest(stored, digest):
                return Principal(key_id=key_id, role=role)
        with self.engine.connect() as connection:
            row = (
                connection.execute(
                    select(_TABLE.c.key_hash, _TABLE.c.role).where(
                        _TABLE.c.key_id == key_id, _TABLE.c.revoked_at.is_(None)
                    )
                )
                .mappings()
                .first()
            )
        if row is None or not hmac.compare_digest(row["key_hash"], digest):
            return None
        return Principal(key_id=key_id, role=Role(row["role"]))
