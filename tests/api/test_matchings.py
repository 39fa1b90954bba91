"""Cohort matching: the solver, capacities, hard rules, unmatched reasons, plans, confirming."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from scipy.optimize import linear_sum_assignment

from recommender.ranking.matching import solve_assignment
from recommender.service import RecommenderService


def _match(client: TestClient, admin: dict[str, str], **body) -> dict:
    response = client.post("/v1/matchings", json=body, headers=admin)
    assert response.status_code == 201, response.text
    plan: dict = response.json()
    return plan


def _cohort(service: RecommenderService, n: int) -> list[str]:
    return [str(m) for m in service.snapshot.context.mentees.index[-n:]]


@pytest.mark.parametrize("seed", range(6))
def test_solver_is_optimal_against_dense_linear_sum_assignment(seed: int) -> None:
    """Maximum matches first, then the maximum total score, under every capacity."""
    rng = np.random.default_rng(seed)
    mentees = [f"e{i}" for i in range(12)]
    mentors = [f"m{j}" for j in range(6)]
    slots = {m: int(rng.integers(0, 3)) for m in mentors}
    rows: list[dict[str, Any]] = [
        {"mentee_id": e, "mentor_id": m, "score": float(rng.normal())}
        for e in mentees
        for m in mentors
        if rng.random() < 0.5
    ]
    candidates = pd.DataFrame(rows)
    chosen = solve_assignment(candidates, slots, mentees)
    assert chosen["mentee_id"].is_unique
    load = Counter(chosen["mentor_id"])
    assert all(load[m] <= slots[m] for m in mentors)
    # Reference: dense assignment with a large reward per match.
    columns = [m for m in mentors for _ in range(slots[m])]
    big = 1_000.0
    cost = np.full((len(mentees), len(columns) + len(mentees)), 1e9)
    score = {(r["mentee_id"], r["mentor_id"]): r["score"] for r in rows}
    for i, e in enumerate(mentees):
        for j, m in enumerate(columns):
            if (e, m) in score:
                cost[i, j] = -score[(e, m)] - big
        cost[i, len(columns) + i] = 0.0  # unmatched
    r, c = linear_sum_assignment(cost)
    best = cost[r, c].sum()
    expected_matches = int((c < len(columns)).sum())
    assert len(chosen) == expected_matches
    assert -chosen["score"].sum() - big * len(chosen) == pytest.approx(best)


def test_capacities_hold_and_every_mentee_is_accounted_for(
    client: TestClient, admin: dict[str, str], service: RecommenderService
) -> None:
    cohort = _cohort(service, 80)
    plan = _match(client, admin, mentee_ids=cohort)
    matched = {p["mentee_id"] for p in plan["pairs"]}
    unmatched = {u["mentee_id"] for u in plan["unmatched"]}
    assert matched | unmatched == set(cohort)
    assert not matched & unmatched
    assert plan["stats"]["matched"] == len(matched)
    # Every mentor's resulting load within capacity, counted from the pairs themselves.
    assigned = Counter(p["mentor_id"] for p in plan["pairs"])
    loads = {m["mentor_id"]: m for m in plan["mentor_load"]}
    for mentor, count in assigned.items():
        row = loads[mentor]
        assert row["assigned"] == count
        assert row["load_after"] == row["load_before"] + count <= row["capacity"]
    # Hard rules: never self, never an earlier pair, a shared language when both list some.
    context = service.snapshot.context
    paired = set(zip(context.pairings["mentee_id"], context.pairings["mentor_id"], strict=True))
    for p in plan["pairs"]:
        assert p["mentee_id"] != p["mentor_id"]
        assert (p["mentee_id"], p["mentor_id"]) not in paired
        spoken = {s.lower() for s in context.mentees.at[p["mentee_id"], "languages"]}
        offered = {s.lower() for s in context.mentors.at[p["mentor_id"], "languages"]}
        assert not (spoken and offered) or spoken & offered
        assert p["reasons"] or p["cautions"]
    exposure = plan["exposure"]
    assert sum(g["pairs"] for g in exposure["mentor_groups"]) == len(plan["pairs"])
    assert sum(g["mentees"] for g in exposure["mentee_groups"]) == len(cohort)


def test_unmatched_mentees_name_the_blocking_constraint(
    client: TestClient, admin: dict[str, str], service: RecommenderService
) -> None:
    cohort = _cohort(service, 3)
    mentor = {"mentor_id": "solo", "capacity": 1, "languages": ["English"], "skills": ["SQL"]}
    assert client.post("/v1/mentors", json=mentor, headers=admin).status_code == 201
    klingon = {"mentee_id": "worf", "languages": ["Klingon"], "goals": "learn SQL"}
    assert client.post("/v1/mentees", json=klingon, headers=admin).status_code == 201
    plan = _match(
        client,
        admin,
        mentee_ids=[*cohort, "worf"],
        mentor_ids=["solo"],
        exclusions=[{"mentee_id": cohort[0], "mentor_id": "solo"}],
    )
    assert len(plan["pairs"]) == 1
    assert plan["pairs"][0]["mentor_id"] == "solo"
    reasons = {u["mentee_id"]: u["constraint"] for u in plan["unmatched"]}
    assert reasons["worf"] == "language"
    assert reasons[cohort[0]] == "exclusions"
    winner = plan["pairs"][0]["mentee_id"]
    losers = [m for m in cohort[1:] if m != winner]
    assert all(reasons[m] == "competition" for m in losers)
    worf = next(u for u in plan["unmatched"] if u["mentee_id"] == "worf")
    assert "Klingon" in worf["detail"]
    assert worf["mentors_remaining"]["capacity"] == 1
    assert worf["mentors_remaining"]["language"] == 0
    assert plan["mentor_load"] == [
        {
            "mentor_id": "solo",
            "group": None,
            "capacity": 1,
            "load_before": 0,
            "assigned": 1,
            "load_after": 1,
        }
    ]


def test_full_and_unavailable_mentors_block_with_their_own_reason(
    client: TestClient, admin: dict[str, str], service: RecommenderService
) -> None:
    cohort = _cohort(service, 2)
    for mentor_id, extra in (("full", {"capacity": 0}), ("away", {"available": False})):
        body = {"mentor_id": mentor_id, "languages": ["English"], **extra}
        assert client.post("/v1/mentors", json=body, headers=admin).status_code == 201
    plan = _match(client, admin, mentee_ids=cohort, mentor_ids=["away"])
    assert {u["constraint"] for u in plan["unmatched"]} == {"availability"}
    plan = _match(client, admin, mentee_ids=cohort, mentor_ids=["full", "away"])
    assert {u["constraint"] for u in plan["unmatched"]} == {"capacity"}


def test_nothing_is_written_until_confirmed(
    client: TestClient, admin: dict[str, str], service: RecommenderService
) -> None:
    before = len(service.snapshot.context.pairings)
    plan = _match(client, admin, mentee_ids=_cohort(service, 10))
    assert len(service.snapshot.context.pairings) == before
    fetched = client.get(f"/v1/matchings/{plan['plan_id']}", headers=admin).json()
    assert fetched["status"] == "pending"
    assert fetched["pairs"] == plan["pairs"]

    confirmed = client.post(f"/v1/matchings/{plan['plan_id']}/confirm", headers=admin)
    assert confirmed.status_code == 200, confirmed.text
    ids = confirmed.json()["pairing_ids"]
    assert len(ids) == len(plan["pairs"])
    assert len(service.snapshot.context.pairings) == before + len(ids)
    stored = client.get(f"/v1/pairings/{ids[0]}", headers=admin).json()
    assert stored["status"] == "proposed"
    assert client.get(f"/v1/matchings/{plan['plan_id']}", headers=admin).json()["status"] == (
        "confirmed"
    )
    again = client.post(f"/v1/matchings/{plan['plan_id']}/confirm", headers=admin)
    assert again.status_code == 409
    # The confirmed pairs are now current: never suggested again to the same mentees.
    first = plan["pairs"][0]
    shown = client.post(
        "/v1/recommendations", json={"mentee_id": first["mentee_id"], "k": 100}, headers=admin
    ).json()["results"]
    assert first["mentor_id"] not in {r["mentor_id"] for r in shown}


def test_a_plan_made_stale_by_new_pairings_is_refused_whole(
    client: TestClient, admin: dict[str, str], service: RecommenderService
) -> None:
    plan = _match(client, admin, mentee_ids=_cohort(service, 5))
    pair = plan["pairs"][0]
    body = {"mentor_id": pair["mentor_id"], "mentee_id": pair["mentee_id"]}
    assert client.post("/v1/pairings", json=body, headers=admin).status_code == 201
    before = len(service.snapshot.context.pairings)
    response = client.post(
        f"/v1/matchings/{plan['plan_id']}/confirm", json={"status": "accepted"}, headers=admin
    )
    assert response.status_code == 409
    conflicts = response.json()["conflicts"]
    assert {
        "mentee_id": pair["mentee_id"],
        "mentor_id": pair["mentor_id"],
        "reason": "the pair has been recorded since",
    } in conflicts
    assert len(service.snapshot.context.pairings) == before  # all or nothing


def test_bad_matching_requests(
    client: TestClient, admin: dict[str, str], service: RecommenderService
) -> None:
    cohort = _cohort(service, 2)
    cases = [
        ({"mentee_ids": [cohort[0], "ghost"]}, "$.mentee_ids[1]", "not in the programme"),
        ({"mentee_ids": [cohort[0], cohort[0]]}, "$.mentee_ids[1]", "listed twice"),
        ({"mentee_ids": cohort, "mentor_ids": ["ghost"]}, "$.mentor_ids[0]", "not in"),
        ({"mentee_ids": []}, "$.mentee_ids", "at least 1"),
        ({"mentee_ids": cohort, "candidates_per_mentee": 1}, "$.candidates_per_mentee", ">="),
    ]
    for body, path, message in cases:
        response = client.post("/v1/matchings", json=body, headers=admin)
        assert response.status_code == 422, (body, response.text)
        detail = response.json()["detail"]
        assert detail[0]["path"] == path, detail
        assert message in detail[0]["msg"] or message.strip(">=") in detail[0]["msg"], detail
    assert client.get("/v1/matchings/nope", headers=admin).status_code == 404
    assert client.post("/v1/matchings/nope/confirm", headers=admin).status_code == 404
