"""Profiles and outcomes: CRUD into the same database the retraining job reads, applied to the
serving index without a restart."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from fastapi.testclient import TestClient

from recommender.data.frames import write_programme
from recommender.service import RecommenderService
from recommender.store.io import import_programme, read_programme_from_db

MENTOR = {
    "mentor_id": "ada",
    "profile": "Compiler engineer who loves teaching.",
    "skills": ["Rust", "compiler design"],
    "languages": ["English", "French"],
    "timezone": "Europe/Paris",
    "capacity": 2,
    "mentoring_types": ["traditional", "peer"],
    "seniority": 6,
    "created_at": "2024-01-01T00:00:00Z",
}


def test_mentor_crud(
    client: TestClient, admin: dict[str, str], service: RecommenderService
) -> None:
    created = client.post("/v1/mentors", json=MENTOR, headers=admin)
    assert created.status_code == 201
    assert created.json()["timezone"] == "Europe/Paris"
    assert client.post("/v1/mentors", json=MENTOR, headers=admin).status_code == 409
    got = client.get("/v1/mentors/ada", headers=admin).json()
    assert got["skills"] == ["Rust", "compiler design"]
    assert got["available"] is True
    patched = client.patch("/v1/mentors/ada", json={"capacity": 3}, headers=admin).json()
    assert patched["capacity"] == 3
    assert patched["skills"] == MENTOR["skills"]
    replaced = client.put(
        "/v1/mentors/ada", json={"skills": ["Go"], "profile": "Go programmer."}, headers=admin
    ).json()
    assert replaced["skills"] == ["Go"]
    assert replaced["capacity"] == 1
    assert service.snapshot.context.mentors.at["ada", "skills"] == ["Go"]
    assert client.delete("/v1/mentors/ada", headers=admin).json() == {"deleted": "ada"}
    assert client.get("/v1/mentors/ada", headers=admin).status_code == 404
    assert client.delete("/v1/mentors/ada", headers=admin).status_code == 404
    assert client.put("/v1/mentors/ada", json={}, headers=admin).status_code == 404
    assert client.patch("/v1/mentors/ada", json={"capacity": 1}, headers=admin).status_code == 404
    assert "ada" not in service.snapshot.context.mentors.index


def test_mentee_crud_and_pages(
    client: TestClient, admin: dict[str, str], service: RecommenderService
) -> None:
    body = {"mentee_id": "newbie", "goals": "learn Rust", "skills_wanted": ["Rust"]}
    assert client.post("/v1/mentees", json=body, headers=admin).status_code == 201
    patched = client.patch("/v1/mentees/newbie", json={"goals": "learn Go"}, headers=admin)
    assert patched.json()["goals"] == "learn Go"
    assert patched.json()["skills_wanted"] == ["Rust"]
    page = client.get("/v1/mentees?offset=400&limit=5", headers=admin).json()
    assert page["total"] == 401
    assert [m["mentee_id"] for m in page["items"]] == ["newbie"]
    mentors = client.get("/v1/mentors?limit=3", headers=admin).json()
    assert mentors["total"] == 120
    assert len(mentors["items"]) == 3
    assert client.get("/v1/mentors?limit=501", headers=admin).status_code == 422
    assert client.delete("/v1/mentees/newbie", headers=admin).status_code == 200
    assert "newbie" not in service.snapshot.context.mentees.index


def test_people_with_pairings_cannot_be_deleted(
    client: TestClient, admin: dict[str, str], service: RecommenderService
) -> None:
    pairings = service.snapshot.context.pairings
    mentor, mentee = pairings["mentor_id"].iloc[0], pairings["mentee_id"].iloc[0]
    response = client.delete(f"/v1/mentors/{mentor}", headers=admin)
    assert response.status_code == 409
    assert "set available to false" in response.json()["detail"]
    assert client.delete(f"/v1/mentees/{mentee}", headers=admin).status_code == 409


def test_profile_update_reembeds_and_reindexes_without_restart(
    client: TestClient, admin: dict[str, str], viewer: dict[str, str]
) -> None:
    profile = {
        "goals": "master quantum origami",
        "skills_wanted": ["quantum origami"],
        "languages": ["English"],
    }
    request = {"profile": profile, "k": 3}

    def top() -> dict:
        result: dict = client.post("/v1/recommendations", json=request, headers=viewer).json()[
            "results"
        ][0]
        return result

    assert (
        client.post(
            "/v1/mentors", json={**MENTOR, "mentor_id": "folder"}, headers=admin
        ).status_code
        == 201
    )
    assert top()["mentor_id"] != "folder"
    update = {"skills": ["quantum origami"], "profile": "I teach quantum origami."}
    assert client.patch("/v1/mentors/folder", json=update, headers=admin).status_code == 200
    best = top()
    assert best["mentor_id"] == "folder"
    skills = next(r for r in best["reasons"] if r["code"] == "skills")
    assert skills["evidence"]["covered_skills"] == ["quantum origami"]


def test_writes_land_in_the_database_with_the_importers_hashes(
    client: TestClient, admin: dict[str, str], db_url: str, tmp_path: Path
) -> None:
    assert client.post("/v1/mentors", json=MENTOR, headers=admin).status_code == 201
    pairing = {
        "mentor_id": "ada",
        "mentee_id": client.get("/v1/mentees?limit=1", headers=admin).json()["items"][0][
            "mentee_id"
        ],
        "created_at": "2026-01-05T10:00:00Z",
        "status": "active",
    }
    created = client.post("/v1/pairings", json=pairing, headers=admin).json()
    outcome = {
        "status": "completed",
        "rating": 4.5,
        "feedback": "great",
        "ended_at": "2026-03-01T00:00:00Z",
    }
    assert (
        client.patch(
            f"/v1/pairings/{created['pairing_id']}", json=outcome, headers=admin
        ).status_code
        == 200
    )
    programme = read_programme_from_db(db_url)
    stored = programme.pairings.set_index("pairing_id").loc[created["pairing_id"]]
    assert stored["status"] == "completed"
    assert stored["rating"] == 4.5
    assert stored["ended_at"] == pd.Timestamp("2026-03-01T00:00:00Z")
    # Re-importing the database's own export changes nothing: the API wrote the same content
    # hashes the importer computes.
    write_programme(programme, tmp_path / "export")
    counts = import_programme(tmp_path / "export", db_url)
    assert counts.updated == 0
    assert counts.inserted == 0


def test_pairings_record_and_update(
    client: TestClient, admin: dict[str, str], viewer: dict[str, str], service: RecommenderService
) -> None:
    context = service.snapshot.context
    mentee = str(context.mentees.index[-1])
    top = client.post(
        "/v1/recommendations", json={"mentee_id": mentee, "k": 1}, headers=viewer
    ).json()["results"][0]["mentor_id"]
    created = client.post(
        "/v1/pairings", json={"mentor_id": top, "mentee_id": mentee}, headers=admin
    )
    assert created.status_code == 201
    record = created.json()
    assert record["pairing_id"].startswith("p-")
    assert record["status"] == "accepted"
    # A current mentor is never suggested again.
    shown = client.post(
        "/v1/recommendations", json={"mentee_id": mentee, "k": 100}, headers=viewer
    ).json()["results"]
    assert top not in {r["mentor_id"] for r in shown}
    duplicate = client.post(
        "/v1/pairings",
        json={"mentor_id": top, "mentee_id": mentee, "pairing_id": record["pairing_id"]},
        headers=admin,
    )
    assert duplicate.status_code == 409
    got = client.get(f"/v1/pairings/{record['pairing_id']}", headers=admin).json()
    assert got == record
    updated = client.patch(
        f"/v1/pairings/{record['pairing_id']}", json={"rating": 5}, headers=admin
    ).json()
    assert updated["rating"] == 5
    assert updated["status"] == "accepted"
    service.flush()
    assert not service.snapshot.history_stale


def test_bad_pairings(
    client: TestClient, admin: dict[str, str], service: RecommenderService
) -> None:
    mentor = str(service.snapshot.context.mentors.index[0])
    mentee = str(service.snapshot.context.mentees.index[0])
    cases = [
        ({"mentor_id": "ghost", "mentee_id": mentee}, "$.mentor_id"),
        ({"mentor_id": mentor, "mentee_id": "ghost"}, "$.mentee_id"),
        ({"mentor_id": mentor, "mentee_id": mentee, "status": "great"}, "$.status"),
        ({"mentor_id": mentor, "mentee_id": mentee, "rating": 6}, "$.rating"),
        (
            {
                "mentor_id": mentor,
                "mentee_id": mentee,
                "created_at": "2025-02-01T00:00:00Z",
                "ended_at": "2025-01-01T00:00:00Z",
            },
            "$",
        ),
        ({"mentor_id": mentor}, "$.mentee_id"),
    ]
    for body, path in cases:
        response = client.post("/v1/pairings", json=body, headers=admin)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["detail"][0]["path"] == path
    dual = next(
        m
        for m in service.snapshot.context.mentees.index
        if m in service.snapshot.context.mentors.index
    )
    self_pair = client.post(
        "/v1/pairings", json={"mentor_id": dual, "mentee_id": dual}, headers=admin
    )
    assert self_pair.status_code == 422
    assert client.patch("/v1/pairings/ghost", json={"rating": 3}, headers=admin).status_code == 404
    assert client.get("/v1/pairings/ghost", headers=admin).status_code == 404
    pairing_id = service.snapshot.context.pairings["pairing_id"].iloc[0]
    empty = client.patch(f"/v1/pairings/{pairing_id}", json={}, headers=admin)
    assert empty.status_code == 422
    early = client.patch(
        f"/v1/pairings/{pairing_id}", json={"ended_at": "1999-01-01T00:00:00Z"}, headers=admin
    )
    assert early.status_code == 422
    assert early.json()["detail"][0]["path"] == "$.ended_at"
