"""Every error leaves as application/problem+json, and no request makes the service answer 500."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.support.hazards import GULOU, point, segment

PROBLEM = "application/problem+json"


async def test_unknown_route(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.headers["content-type"] == PROBLEM
    assert r.json() == {
        "type": "https://hazardmap.invalid/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "Not Found",
        "instance": "/api/v1/nothing-here",
    }


async def test_wrong_method(client: httpx.AsyncClient) -> None:
    r = await client.put("/api/v1/hazards/1", json={})
    assert r.status_code == 405
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["title"] == "Method not allowed"


async def test_validation_names_the_field(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/hazards", params={"limit": "many"})
    assert r.status_code == 422
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["title"] == "Invalid input"
    assert body["errors"] == [
        {"field": "limit", "message": "Input should be a valid integer, unable to parse string as an integer"}
    ]


async def test_declared_length_over_the_limit(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/segments",
        content=b"{}",
        headers={"Content-Type": "application/json", "Content-Length": "99999999"},
    )
    assert r.status_code == 413
    assert r.headers["content-type"] == PROBLEM


ODD_BODIES = [
    "null",
    "true",
    "42",
    '"Feature"',
    "[]",
    "{}",
    '{"type": "Feature"}',
    '{"type": "Feature", "geometry": {}, "properties": {}}',
    *(
        json.dumps({"type": "Feature", "geometry": geometry, "properties": {"category": "JC01"}})
        for geometry in (
            {"type": "Point"},
            {"type": "Point", "coordinates": []},
            {"type": "Point", "coordinates": [1, 2, 3, 4]},
            {"type": "Point", "coordinates": [[1, 2]]},
            {"type": "LineString", "coordinates": [1, 2]},
            {"type": "Point", "coordinates": [1e308, 1e308]},
            {"type": "Point", "coordinates": [115.96, 36.46], "bbox": "all"},
            "POINT(115.96 36.46)",
        )
    ),
    '{"type": "Feature", "geometry": {"type": "Point", "coordinates": [115.96, 36.46]}, "properties": []}',
    *(
        json.dumps(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [115.96, 36.46]},
                "properties": {"category": "JC01", **properties},
            }
        )
        for properties in (
            {"direction": 99999999999999999999999},
            {"reported_at": "0001-01-01T00:00:00Z"},
            {"category": "X" * 10000},
            {"address": "\u0000"},
            {"uid": 7},
            {"deadline": "2026-02-30"},
        )
    ),
    '{"a":' * 5000 + "1" + "}" * 5000,
]


@pytest.mark.parametrize("body", ODD_BODIES, ids=range(len(ODD_BODIES)))
async def test_odd_bodies_are_refused_not_crashed_on(
    client: httpx.AsyncClient, body: str, caplog: pytest.LogCaptureFixture
) -> None:
    for path in ("hazards", "segments"):
        r = await client.post(f"/api/v1/{path}", content=body, headers={"Content-Type": "application/json"})
        assert 400 <= r.status_code < 500, (path, r.status_code, r.text[:300])
        assert r.headers["content-type"] == PROBLEM
    created = await client.post("/api/v1/hazards", json=point(GULOU))
    assert created.status_code == 201
    r = await client.patch(
        "/api/v1/hazards/1",
        content=body,
        headers={"Content-Type": "application/merge-patch+json", "If-Match": '"1"'},
    )
    assert 200 <= r.status_code < 500, (r.status_code, r.text[:300])
    # Refused by validation, not by the database or an exception that the handlers caught.
    assert [rec.getMessage() for rec in caplog.records if rec.levelname == "ERROR"] == []


ODD_QUERIES = [
    ("/api/v1/hazards", {"bbox": "1e999,0,0,0"}),
    ("/api/v1/hazards", {"bbox": "-200,-100,200,100"}),
    ("/api/v1/hazards", {"offset": "99999999999999999999"}),
    ("/api/v1/hazards", {"limit": "1e3"}),
    ("/api/v1/hazards", {"county": "'; DROP TABLE hazards; --"}),
    ("/api/v1/hazards", {"status": ""}),
    ("/api/v1/hazards", {"updated_since": "99999-01-01"}),
    ("/api/v1/hazards", {"crs": "bd09"}),
    ("/api/v1/segments/1/history", {}),
    ("/api/v1/jurisdictions", {"simplify": "nan"}),
    ("/api/v1/jurisdictions", {"simplify": "1e308"}),
    ("/api/v1/jurisdictions/" + "9" * 40, {}),
    ("/api/v1/roads", {"bbox": "a,b,c,d"}),
    ("/api/v1/roads/-1", {}),
    ("/api/v1/hazards", {"county": "3715\u000002", "road": "G\u0000", "category": "\u0000"}),
    ("/api/v1/jurisdictions", {"parent": "\u0000"}),
    ("/api/v1/roads", {"code": "\u0000"}),
    ("/api/v1/jurisdictions/%00", {}),
]


@pytest.mark.parametrize(("path", "params"), ODD_QUERIES, ids=range(len(ODD_QUERIES)))
async def test_odd_queries(
    client: httpx.AsyncClient, path: str, params: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    r = await client.get(path, params=params)
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        assert r.headers["content-type"] == PROBLEM
    assert [rec.getMessage() for rec in caplog.records if rec.levelname == "ERROR"] == []


async def test_crs_and_if_match_oddities(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/hazards", params={"crs": "bd09"}, json=point(GULOU))
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["crs"]
    await client.post("/api/v1/segments", json=segment([(115.955, 36.462), (115.965, 36.462)]))
    # Not an entity tag (or a list of them): 400; an empty tag is a tag, and not the hazard's: 412.
    answers = {'"': 400, "W/": 400, '""': 412, '"1" "2"': 400, '*, "1"': 400, "\u00e9": 400}
    for header, status in answers.items():
        r = await client.patch(
            "/api/v1/segments/1",
            content=json.dumps({"properties": {"grade": "major"}}),
            headers=[(b"Content-Type", b"application/json"), (b"If-Match", header.encode("latin-1"))],
        )
        assert r.status_code == status, (header, r.status_code, r.text)
