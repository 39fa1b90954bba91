"""Health, readiness, the model description, metrics, request ids and the OpenAPI document."""

from __future__ import annotations

from pathlib import Path

from api_support import encoder, make_settings
from fastapi.testclient import TestClient

from recommender.config import Settings
from serve.app import create_app


def test_healthz_answers_without_a_key(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_model_and_database(client: TestClient, service) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["ready"] is True
    assert body["database"] == {"ok": True, "error": None}
    assert body["model"]["loaded"] is True
    assert body["model"]["scorer"] == "lightgbm-lambdarank"
    assert body["mentors"] == len(service.snapshot.context.mentors)


def test_readyz_without_a_model_is_ready_on_rules_unless_a_model_is_required(
    tmp_path: Path, db_url: str
) -> None:
    cold = make_settings(tmp_path, db_url, None)
    with TestClient(create_app(cold, encoder=encoder(), background=False)) as client:
        body = client.get("/readyz").json()
        assert body["ready"] is True
        assert body["model"]["loaded"] is False
        assert body["model"]["scorer"] == "embedding+rules"
        assert "cannot load" in body["model"]["last_reload"]["error"]
    strict = make_settings(tmp_path, db_url, None, require_model=True)
    with TestClient(create_app(strict, encoder=encoder(), background=False)) as client:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["problems"] == ["no trained model loaded (require_model is set)"]
        assert client.get("/healthz").status_code == 200  # alive, just not ready


def test_model_names_version_training_time_and_metrics(
    client: TestClient, viewer: dict[str, str], settings: Settings
) -> None:
    body = client.get("/v1/model", headers=viewer).json()
    assert body["is_model"] is True
    assert body["source"] == settings.model_uri
    assert body["trained_at"]
    assert body["feature_version"]
    assert body["embedding_model"] == encoder().model_id
    assert set(body["metrics"]) >= {"valid_ndcg@10"}
    assert body["last_reload"]["ok"] is True


def test_metrics_count_requests_by_route_template(
    client: TestClient, viewer: dict[str, str], service
) -> None:
    mentee = service.snapshot.context.mentees.index[0]
    client.post("/v1/recommendations", json={"mentee_id": mentee, "k": 2}, headers=viewer)
    client.get("/v1/mentors/nobody", headers=viewer)
    text = client.get("/metrics").text
    assert (
        'recommender_http_requests_total{method="POST",route="/v1/recommendations",status="200"} '
        "1.0" in text
    )
    # Ids in paths are folded into the route template (bounded label values).
    assert 'route="/v1/mentors/{mentor_id}",status="403"' in text
    assert "recommender_model_loaded 1.0" in text
    assert 'recommender_people{role="mentors"} 120.0' in text


def test_request_ids_are_returned_and_used_in_error_bodies(client: TestClient) -> None:
    response = client.post("/v1/recommendations", json={}, headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    assert response.json()["request_id"] == "abc-123"
    odd = client.get("/healthz", headers={"X-Request-ID": "no spaces allowed!"})
    assert odd.headers["x-request-id"] != "no spaces allowed!"
    assert len(odd.headers["x-request-id"]) == 32


def test_access_log_has_request_id_but_no_body(
    client: TestClient, viewer: dict[str, str], caplog
) -> None:
    secret = "my very private career goals about leaving the company"
    with caplog.at_level("INFO", logger="recommender"):
        client.post(
            "/v1/recommendations",
            json={"profile": {"goals": secret}, "k": 1},
            headers={**viewer, "X-Request-ID": "req-42"},
        )
    access = [r for r in caplog.records if r.name == "recommender.api.access"]
    assert access
    assert "/v1/recommendations 200" in access[-1].getMessage()
    assert all(secret not in r.getMessage() for r in caplog.records)


def test_every_route_is_documented(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            assert operation.get("description"), where
            ok = [c for c in operation["responses"] if c.startswith("2")]
            assert ok, where
            content = operation["responses"][ok[0]].get("content", {})
            if path != "/metrics":
                assert "$ref" in str(content), f"{where} has no response model"
            if path.startswith("/v1/"):
                assert "401" in operation["responses"], where
    assert {"APIKeyHeader", "HTTPBearer"} <= set(schema["components"]["securitySchemes"])


def test_body_size_limit(tmp_path: Path, db_url: str, model_dir: Path, viewer) -> None:
    small = make_settings(tmp_path, db_url, model_dir, max_body_bytes=2048)
    with TestClient(create_app(small, encoder=encoder(), background=False)) as client:
        big = {"profile": {"goals": "x" * 4000}, "k": 1}
        response = client.post("/v1/recommendations", json=big, headers=viewer)
        assert response.status_code == 413
