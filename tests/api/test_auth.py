"""API keys: 401 without a valid key, 403 for the wrong role; keys stored only as hashes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from api_support import encoder, make_settings
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from recommender.store.keys import (
    Role,
    create_api_key,
    hash_key,
    list_api_keys,
    parse_static_keys,
    revoke_api_key,
)
from serve.app import create_app

ADMIN_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/v1/matchings", {"mentee_ids": ["x"]}),
    ("GET", "/v1/matchings/abc", None),
    ("POST", "/v1/matchings/abc/confirm", None),
    ("GET", "/v1/mentors", None),
    ("POST", "/v1/mentors", {"mentor_id": "m"}),
    ("GET", "/v1/mentors/m", None),
    ("PUT", "/v1/mentors/m", {}),
    ("PATCH", "/v1/mentors/m", {"capacity": 2}),
    ("DELETE", "/v1/mentors/m", None),
    ("GET", "/v1/mentees", None),
    ("POST", "/v1/mentees", {"mentee_id": "e"}),
    ("GET", "/v1/mentees/e", None),
    ("PUT", "/v1/mentees/e", {}),
    ("PATCH", "/v1/mentees/e", {"goals": "x"}),
    ("DELETE", "/v1/mentees/e", None),
    ("POST", "/v1/pairings", {"mentor_id": "m", "mentee_id": "e"}),
    ("GET", "/v1/pairings/p", None),
    ("PATCH", "/v1/pairings/p", {"status": "completed"}),
    ("POST", "/v1/admin/reload", None),
]
VIEWER_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/v1/recommendations", {"mentee_id": "x"}),
    ("GET", "/v1/model", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES + VIEWER_ROUTES)
def test_every_v1_route_needs_a_key(client: TestClient, method: str, path: str, body) -> None:
    response = client.request(method, path, json=body)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    unknown = {"X-API-Key": "mr_0123456789ab_" + "x" * 43}
    bad = client.request(method, path, json=body, headers=unknown)
    assert bad.status_code == 401
    assert bad.json()["detail"] == "invalid or revoked API key"


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
def test_viewer_keys_may_not_write_or_match(
    client: TestClient, viewer: dict[str, str], method: str, path: str, body
) -> None:
    response = client.request(method, path, json=body, headers=viewer)
    assert response.status_code == 403, response.text
    assert "needs an admin key" in response.json()["detail"]


def test_viewer_keys_read_recommendations_and_model(
    client: TestClient, viewer: dict[str, str], service
) -> None:
    mentee = service.snapshot.context.mentees.index[3]
    assert client.post("/v1/recommendations", json={"mentee_id": mentee}, headers=viewer).is_success
    assert client.get("/v1/model", headers=viewer).is_success


def test_bearer_and_header_keys_both_work(client: TestClient, seed) -> None:
    for headers in ({"Authorization": f"Bearer {seed.admin_key}"}, {"X-API-Key": seed.admin_key}):
        assert client.get("/v1/mentors?limit=1", headers=headers).status_code == 200


def test_keys_are_stored_hashed_and_revocable(client: TestClient, db_url: str) -> None:
    created = create_api_key(db_url, Role.ADMIN, "ops")
    headers = {"X-API-Key": created.key}
    assert client.get("/v1/mentors?limit=1", headers=headers).status_code == 200
    engine = create_engine(db_url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT key_hash, key_id FROM api_keys")).all()
    engine.dispose()
    assert (hash_key(created.key), created.key_id) in [tuple(r) for r in stored]
    assert all(created.key not in tuple(r) for r in stored)
    assert revoke_api_key(db_url, created.key_id)
    assert not revoke_api_key(db_url, created.key_id)  # already revoked
    assert client.get("/v1/mentors?limit=1", headers=headers).status_code == 401  # cache 0 s
    listed = {k.key_id: k for k in list_api_keys(db_url)}
    assert listed[created.key_id].revoked_at is not None


def test_static_hashed_keys_from_settings(tmp_path: Path, db_url: str, model_dir: Path) -> None:
    key = "mr_00112233aabb_" + "s" * 43
    settings = make_settings(tmp_path, db_url, model_dir, api_keys=[f"viewer:{hash_key(key)}"])
    with TestClient(create_app(settings, encoder=encoder(), background=False)) as client:
        assert client.get("/v1/model", headers={"X-API-Key": key}).status_code == 200
        assert client.get("/v1/mentors", headers={"X-API-Key": key}).status_code == 403


def test_static_keys_must_be_hashes() -> None:
    with pytest.raises(ValueError, match=r"api_keys\[0\]: expected ROLE:SHA256HEX"):
        parse_static_keys(["admin:mr_plaintext_key"])
    with pytest.raises(ValueError, match="role must be one of viewer, admin"):
        parse_static_keys(["root:" + "0" * 64])


def test_keys_cli_creates_a_key_once(db_url: str) -> None:
    from typer.testing import CliRunner

    from recommender.cli import app

    args = ["keys", "create", "--role", "viewer", "--database-url", db_url]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("mr_")
    listed = CliRunner().invoke(app, ["keys", "list", "--json", "--database-url", db_url])
    assert key not in listed.stdout
    assert hash_key(key) not in listed.stdout
    bad = CliRunner().invoke(app, ["keys", "create", "--role", "owner", "--database-url", db_url])
    assert bad.exit_code == 2
