"""POST /api/v1/hazards and /segments: what the server assigns, defaults, idempotent retries."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.hazards.schemas import HazardPointFeature, HazardSegmentFeature
from app.workflow.repository import WORKFLOW_COLUMNS
from tests.support.accounts import auth_headers
from tests.support.hazards import BOJIQIAO, GULOU, LIUYUAN, XINFA, create, point, segment


async def test_point_gets_county_township_and_ledger_number(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/hazards",
        json=point(GULOU, description="路口无减速带"),
        headers=auth_headers("county_officer"),
    )

    assert r.status_code == 201
    assert r.headers["content-type"] == "application/geo+json"
    assert r.headers["location"] == "/api/v1/hazards/1"
    assert r.headers["etag"] == '"1"'
    body = r.json()
    HazardPointFeature.model_validate(body)
    assert body["type"] == "Feature" and body["id"] == 1
    assert body["geometry"] == {"type": "Point", "coordinates": [115.959865, 36.461981]}
    p = body["properties"]
    assert {
        k: p[k] for k in ("id", "ledger_no", "kind", "county", "county_name", "township", "township_name")
    } == {
        "id": 1,
        "ledger_no": "371502-2026-0001",
        "kind": "point",
        "county": "371502",
        "county_name": "东昌府区",
        "township": "371502001",
        "township_name": "古楼街道办事处",
    }
    # Defaults: the category's usual visibility, grade general, source inspection, status reported.
    assert {k: p[k] for k in ("category", "category_name", "visibility", "grade", "source", "status")} == {
        "category": "JC01",
        "category_name": "平交路口缺“三必上”",
        "visibility": "explicit",
        "grade": "general",
        "source": "inspection",
        "status": "reported",
    }
    assert p["description"] == "路口无减速带" and p["address"] is None and p["direction"] is None
    assert datetime.fromisoformat(p["reported_at"]) == datetime.fromisoformat("2026-03-02T09:30:00+08:00")
    assert p["version"] == 1 and p["demo"] is False
    # The 古楼 seat lies on the schematic S242, so the pin gets its road and chainage.
    assert (p["road_code"], p["chainage"]) == ("S242", "K34+355")
    uuid.UUID(p["uid"])


async def test_ledger_numbers_count_per_county_and_year(client: httpx.AsyncClient) -> None:
    first = await create(client, "hazards", point(GULOU))
    second = await create(client, "hazards", point(LIUYUAN))
    other_county = await create(client, "hazards", point(BOJIQIAO))
    # A segment shares the ledger and its numbering with the points of its county.
    seg = await create(client, "segments", segment([(115.955, 36.462), (115.965, 36.462)]))
    # 2025-12-31 16:30 UTC is already 2026-01-01 in Beijing; 23:30 Beijing is still 2025.
    new_year = await create(client, "hazards", point(GULOU, reported_at="2025-12-31T16:30:00Z"))
    old_year = await create(client, "hazards", point(GULOU, reported_at="2025-12-31T23:30:00+08:00"))

    numbers = [f["properties"]["ledger_no"] for f in (first, second, other_county, seg, new_year, old_year)]
    assert numbers == [
        "371502-2026-0001",
        "371502-2026-0002",
        "371521-2026-0001",
        "371502-2026-0003",
        "371502-2026-0004",
        "371502-2025-0001",
    ]
    assert second["properties"]["township"] == "371502002"
    assert other_county["properties"]["county_name"] == "阳谷县"


async def test_each_county_from_a_point_near_its_seat(client: httpx.AsyncClient) -> None:
    from tests.support.hazards import CHONGWEN, TONGCHENG, XIANFENGLU, YANTA

    seats = {
        GULOU: ("371502", "371502001"),
        BOJIQIAO: ("371521", "371521001"),
        YANTA: ("371522", "371522001"),
        XINFA: ("371503", "371523002"),  # 茌平区; its townships keep their 2016 codes
        TONGCHENG: ("371524", "371524001"),
        CHONGWEN: ("371525", "371525002"),
        XIANFENGLU: ("371581", "371581003"),
    }
    for lonlat, (county, township) in seats.items():
        p = (await create(client, "hazards", point(lonlat)))["properties"]
        assert (p["county"], p["township"]) == (county, township), lonlat
        assert p["ledger_no"] == f"{county}-2026-0001"


async def test_segment(client: httpx.AsyncClient) -> None:
    feature = segment([(115.955, 36.462), (115.960, 36.4625), (115.965, 36.462)], direction=2, grade="major")
    r = await client.post("/api/v1/segments", json=feature)

    assert r.status_code == 201, r.text
    assert r.headers["location"] == "/api/v1/segments/1"
    body = r.json()
    HazardSegmentFeature.model_validate(body)
    assert body["geometry"] == {
        "type": "LineString",
        "coordinates": [[115.955, 36.462], [115.96, 36.4625], [115.965, 36.462]],
    }
    p = body["properties"]
    assert (p["kind"], p["county"], p["township"], p["ledger_no"]) == (
        "segment",
        "371502",
        "371502001",
        "371502-2026-0001",
    )
    # XL04 长大下坡 is implicit (隐性) by default.
    assert (p["category"], p["visibility"], p["grade"], p["direction"]) == ("XL04", "implicit", "major", 2)


async def test_explicit_values_win_over_defaults(client: httpx.AsyncClient) -> None:
    feature = point(
        GULOU,
        category="XL04",
        visibility="explicit",
        grade="significant",
        source="procuratorate",
        address="东昌路与柳园路交叉口",
        direction=3,
        deadline="2026-04-30",
    )
    p = (await create(client, "hazards", feature))["properties"]
    assert {k: p[k] for k in ("visibility", "grade", "source", "address", "direction", "deadline")} == {
        "visibility": "explicit",
        "grade": "significant",
        "source": "procuratorate",
        "address": "东昌路与柳园路交叉口",
        "direction": 3,
        "deadline": "2026-04-30",
    }


async def test_geojson_media_type_with_charset(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/hazards",
        content=json.dumps(point(GULOU)).encode(),
        headers={"Content-Type": "application/geo+json; charset=utf-8"},
    )
    assert r.status_code == 201


async def test_time_without_offset_is_beijing_time(client: httpx.AsyncClient) -> None:
    p = (await create(client, "hazards", point(GULOU, reported_at="2026-03-02T09:30:00")))["properties"]
    assert datetime.fromisoformat(p["reported_at"]) == datetime.fromisoformat("2026-03-02T01:30:00+00:00")


async def test_gcj02_is_converted_before_storing(client: httpx.AsyncClient) -> None:
    # 古楼街道's seat as AMap gives it (GCJ-02, about 500 m east of the true place).
    gcj = (115.965473, 36.462002)
    body = await create(client, "hazards", point(gcj), crs="gcj02")
    lon, lat = body["geometry"]["coordinates"]
    assert abs(lon - GULOU[0]) < 2e-5 and abs(lat - GULOU[1]) < 2e-5
    assert body["properties"]["township"] == "371502001"

    as_wgs84 = await create(client, "hazards", point(gcj))
    assert as_wgs84["geometry"]["coordinates"] == [115.965473, 36.462002]


async def test_altitude_is_dropped(client: httpx.AsyncClient) -> None:
    body = await create(client, "hazards", point((*GULOU, 35.2)))  # type: ignore[arg-type]
    assert body["geometry"]["coordinates"] == [115.959865, 36.461981]


async def test_created_by_and_history(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    body = await create_as(client, point(GULOU, grade="major"), "county_officer")
    async with engine.connect() as conn:
        created_by = (await conn.execute(text("SELECT created_by FROM hazards WHERE id = 1"))).scalar_one()
    assert created_by == "东昌府民警（t-officer）"

    r = await client.get("/api/v1/hazards/1/history")
    assert r.status_code == 200
    history = r.json()
    assert history["id"] == 1 and history["ledger_no"] == "371502-2026-0001"
    [event] = history["events"]
    assert (event["version"], event["action"], event["actor"]) == (1, "create", "东昌府民警（t-officer）")
    changes = event["changes"]
    assert datetime.fromisoformat(changes.pop("reported_at")) == datetime.fromisoformat(
        "2026-03-02T09:30:00+08:00"
    )
    assert changes == {
        "id": 1,
        "uid": body["properties"]["uid"],
        "ledger_no": "371502-2026-0001",
        "kind": "point",
        "category_code": "JC01",
        "visibility": "explicit",
        "grade": "major",
        "source": "inspection",
        "description": "",
        "address": None,
        "status": "reported",
        "county_code": "371502",
        "township_code": "371502001",
        "road_id": 47,  # S242's piece in 东昌府区, in the shipped network's order
        "chainage_m": 34355.2,
        "end_chainage_m": None,
        "direction": None,
        "geom": {
            "type": "Point",
            "crs": {"type": "name", "properties": {"name": "EPSG:4326"}},
            "coordinates": [115.959865, 36.461981],
        },
        "deadline": None,
        "created_by": "东昌府民警（t-officer）",
        "updated_by": None,
        "deleted_at": None,
        "demo": False,
        # The ledger workflow's columns, empty until the first transition.
        **dict.fromkeys(sorted(WORKFLOW_COLUMNS - {"status", "deadline"})),
    }


async def create_as(client: httpx.AsyncClient, feature: dict[str, Any], role: str) -> dict[str, Any]:
    r = await client.post("/api/v1/hazards", json=feature, headers=auth_headers(role))
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_the_actor_is_the_logged_in_user(client: httpx.AsyncClient) -> None:
    await create(client, "hazards", point(GULOU))
    [event] = (await client.get("/api/v1/hazards/1/history")).json()["events"]
    assert event["actor"] == "测试管理员（t-admin）"


# -- idempotent retries ----------------------------------------------------------------------------
UID = "4f6c2b9e-1d0a-4c51-9b7e-2a8f3c1d5e60"


async def _counts(engine: AsyncEngine) -> tuple[int, int, int]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM hazards), (SELECT count(*) FROM hazard_events),"
                    " (SELECT coalesce(sum(last_value), 0) FROM ledger_counters)"
                )
            )
        ).one()
    return row[0], row[1], row[2]


async def test_retry_with_the_same_uid_returns_the_hazard(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    feature = point(GULOU, uid=UID, grade="significant")
    first = await client.post("/api/v1/hazards", json=feature)
    retry = await client.post("/api/v1/hazards", json=feature)

    assert first.status_code == 201 and retry.status_code == 200
    assert retry.json() == first.json()
    assert retry.headers["location"] == "/api/v1/hazards/1" and retry.headers["etag"] == '"1"'
    assert first.json()["properties"]["uid"] == UID
    # One row, one event, and no ledger number spent on the retry.
    assert await _counts(engine) == (1, 1, 1)


async def test_retry_without_reported_at_and_in_gcj02(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    feature = point((115.965473, 36.462002), uid=UID)
    del feature["properties"]["reported_at"]
    first = await client.post("/api/v1/hazards", json=feature, params={"crs": "gcj02"})
    retry = await client.post("/api/v1/hazards", json=feature, params={"crs": "gcj02"})
    assert (first.status_code, retry.status_code) == (201, 200)
    assert await _counts(engine) == (1, 1, 1)


async def test_retry_after_a_change_still_returns_the_hazard(client: httpx.AsyncClient) -> None:
    feature = point(GULOU, uid=UID)
    await create(client, "hazards", feature)
    claim = {"action": "claim", "name": "张三", "post": "副区长", "unit": "东昌府区人民政府"}
    patched = await client.post("/api/v1/hazards/1/transitions", json=claim, headers={"If-Match": '"1"'})
    assert patched.status_code == 200
    retry = await client.post("/api/v1/hazards", json=feature)
    assert retry.status_code == 200
    assert retry.json()["properties"]["status"] == "claimed" and retry.headers["etag"] == '"2"'


async def test_same_uid_other_content_is_a_conflict(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    await create(client, "hazards", point(GULOU, uid=UID))
    r = await client.post("/api/v1/hazards", json=point(LIUYUAN, uid=UID, grade="major"))

    assert r.status_code == 409
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["title"] == "Conflict" and body["status"] == 409
    assert body["errors"] == [
        {"field": "geometry", "message": "differs from the first submission"},
        {"field": "properties.grade", "message": "differs from the first submission"},
    ]
    assert await _counts(engine) == (1, 1, 1)


async def test_same_uid_for_a_segment_is_a_conflict(client: httpx.AsyncClient) -> None:
    await create(client, "hazards", point(GULOU, uid=UID))
    r = await client.post("/api/v1/segments", json=segment([(115.955, 36.462), (115.965, 36.462)], uid=UID))
    assert r.status_code == 409
    assert r.json()["errors"] == [{"field": "properties.uid", "message": "already used for another hazard"}]


async def test_cgcs2000_is_taken_as_it_is(client: httpx.AsyncClient) -> None:
    body = await create(client, "hazards", point(GULOU), crs="cgcs2000")
    lon, lat = body["geometry"]["coordinates"]
    assert abs(lon - GULOU[0]) < 1e-6 and abs(lat - GULOU[1]) < 1e-6


async def test_simultaneous_retries_create_one_hazard(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    feature = point(GULOU, uid=UID)
    responses = await asyncio.gather(*(client.post("/api/v1/hazards", json=feature) for _ in range(4)))
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 201]
    assert {r.json()["id"] for r in responses} == {1}
    assert await _counts(engine) == (1, 1, 1)
