"""The crash and detection API over the real PostGIS: lists, a detection run, accept, dismiss."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import auth_headers
from tests.support.roads import FixtureRoad, add_crash

Roads = dict[str, FixtureRoad]
UNTIL = "2026-06-01T00:00:00+08:00"


async def _cluster(engine: AsyncEngine, road: FixtureRoad) -> list[int]:
    """Five ordinary crashes 20 m apart from K11+000 (a point, K11+040), and three fatal ones 200 m
    apart from K13+000: a segment, widened from their 400 m to one window, K12+950–K13+450."""
    ids = [await add_crash(engine, road, ch, injuries=1) for ch in (11_000, 11_020, 11_040, 11_060, 11_080)]
    for ch in (13_000, 13_200, 13_400):
        ids.append(await add_crash(engine, road, ch, deaths=1, at="2024-01-01T00:30:00+08:00"))
    return ids


async def test_list_crashes(client: httpx.AsyncClient, engine: AsyncEngine, roads: Roads) -> None:
    ids = await _cluster(engine, roads["X901"])
    await add_crash(engine, roads["X902a"], 500, at="2023-01-01T00:00:00+08:00")

    every = await client.get("/api/v1/crashes")
    assert every.status_code == 200 and every.headers["content-type"] == "application/geo+json"
    body = every.json()
    assert body["type"] == "FeatureCollection"
    assert (body["numberMatched"], body["numberReturned"]) == (9, 9)
    first = body["features"][0]
    assert first["geometry"]["type"] == "Point"
    assert first["properties"]["road_code"] == "X901"
    assert first["properties"]["chainage"] == "K11+080"  # newest first, then the highest id

    on_x901 = (await client.get("/api/v1/crashes", params={"road": "x901"})).json()
    assert sorted(f["id"] for f in on_x901["features"]) == ids

    in_2024 = await client.get(
        "/api/v1/crashes", params={"since": "2024-01-01T00:00:00", "until": "2024-01-02T00:00:00+08:00"}
    )
    assert [f["properties"]["chainage"] for f in in_2024.json()["features"]] == [
        "K13+400",
        "K13+200",
        "K13+000",
    ]

    box = (await client.get("/api/v1/crashes", params={"bbox": "115.73,36.34,115.77,36.36"})).json()
    assert [f["properties"]["road_code"] for f in box["features"]] == ["X902"]

    page = (await client.get("/api/v1/crashes", params={"limit": 2, "offset": 2})).json()
    assert (page["numberMatched"], page["numberReturned"]) == (9, 2)
    assert [link["rel"] for link in page["links"]] == ["self", "next", "prev"]


async def test_detect_review_accept_and_dismiss(
    client: httpx.AsyncClient, engine: AsyncEngine, roads: Roads
) -> None:
    await _cluster(engine, roads["X901"])

    run = await client.post("/api/v1/detections", json={"until": UNTIL})
    assert run.status_code == 200
    summary = run.json()
    assert (summary["crashes_considered"], summary["segments_found"], summary["points_found"]) == (8, 1, 1)
    assert summary["proposed"] == 2
    assert summary["params"]["window_m"] == 500 and summary["params"]["min_fatal_crashes"] == 3

    listed = (await client.get("/api/v1/detections/candidates", params={"status": "candidate"})).json()
    assert listed["numberMatched"] == 2
    point, segment = listed["features"]  # most crashes first
    assert point["properties"]["kind"] == "point" and point["properties"]["chainage"] == "K11+040"
    assert point["properties"]["crash_count"] == 5
    assert segment["geometry"]["type"] == "LineString"
    assert segment["properties"]["chainage"] == "K12+950-K13+450"
    assert segment["properties"]["reasons"] == ["fatal_crashes"]
    only_segments = (await client.get("/api/v1/detections/candidates", params={"kind": "segment"})).json()
    assert [f["id"] for f in only_segments["features"]] == [segment["id"]]

    accepted = await client.post(
        f"/api/v1/detections/candidates/{segment['id']}/accept",
        json={"category": "XL05", "grade": "major", "direction": 2},
        headers=auth_headers("county_officer"),
    )
    assert accepted.status_code == 201
    result = accepted.json()
    assert result["kind"] == "segment" and result["ledger_no"].startswith("371502-")
    assert accepted.headers["location"] == f"/api/v1/segments/{result['hazard_id']}"
    async with engine.connect() as conn:
        hazard = (
            await conn.execute(
                text(
                    "SELECT category_code, grade, direction, visibility, source, created_by, chainage_m,"
                    " end_chainage_m FROM hazards WHERE id = :id"
                ),
                {"id": result["hazard_id"]},
            )
        ).one()
    assert tuple(hazard) == (
        "XL05",
        "major",
        2,
        "implicit",
        "crash_analysis",
        "东昌府民警（t-officer）",
        12_950,
        13_450,
    )

    again = await client.post(
        f"/api/v1/detections/candidates/{segment['id']}/accept", json={"category": "XL05"}
    )
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"

    dismissed = await client.post(
        f"/api/v1/detections/candidates/{point['id']}/dismiss", json={"note": "已设减速带"}
    )
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"
    decided = (
        await client.get("/api/v1/detections/candidates", params={"status": "accepted,dismissed"})
    ).json()
    assert {f["properties"]["status"]: f["properties"]["ledger_no"] for f in decided["features"]} == {
        "accepted": result["ledger_no"],
        "dismissed": None,
    }

    rerun = (await client.post("/api/v1/detections", json={"until": UNTIL})).json()
    assert (rerun["proposed"], rerun["already_decided"]) == (0, 2)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"window_m": 0.5}, 422, "window_m"),
        ({"max_segment_m": 300}, 422, "max_segment_m"),
        ({"since": "2026-01-01T00:00:00+08:00", "until": "2025-01-01T00:00:00+08:00"}, 422, "since"),
        ({"min_fatal_crashes": -1}, 422, "min_fatal_crashes"),
        ({"surprise": 1}, 422, "surprise"),
    ],
)
async def test_detection_parameters_are_checked(
    client: httpx.AsyncClient, body: dict[str, object], status: int, field: str
) -> None:
    r = await client.post("/api/v1/detections", json=body)
    assert r.status_code == status
    assert r.json()["errors"][0]["field"] == field


async def test_accepting_needs_a_known_category_and_a_candidate(
    client: httpx.AsyncClient, engine: AsyncEngine, roads: Roads
) -> None:
    await _cluster(engine, roads["X901"])
    await client.post("/api/v1/detections", json={"until": UNTIL})
    first = (await client.get("/api/v1/detections/candidates")).json()["features"][0]["id"]
    unknown = await client.post(f"/api/v1/detections/candidates/{first}/accept", json={"category": "QQ01"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "category"
    missing = await client.post("/api/v1/detections/candidates/987654/accept", json={"category": "XL01"})
    assert missing.status_code == 404
    no_body = await client.post(f"/api/v1/detections/candidates/{first}/accept")
    assert no_body.status_code == 422
