"""PATCH and DELETE: If-Match, merge-patch semantics, re-derived places, the history they leave."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import auth_headers
from tests.support.hazards import BOJIQIAO, GULOU, LIUYUAN, create, point, segment

URL = "/api/v1/hazards/1"
MERGE = {"Content-Type": "application/merge-patch+json"}


async def _patch(
    client: httpx.AsyncClient, body: Any, etag: str | None = '"1"', url: str = URL, **params: Any
) -> Any:
    headers = {**MERGE, **auth_headers("admin2")}
    if etag is not None:
        headers["If-Match"] = etag
    return await client.patch(url, content=json.dumps(body), headers=headers, params=params)


async def _row(engine: AsyncEngine, hazard_id: int = 1) -> dict[str, Any]:
    async with engine.connect() as conn:
        row = (
            (
                await conn.execute(
                    text(
                        "SELECT version, grade, status, description, address, direction, deadline,"
                        " county_code, township_code, ledger_no, updated_by,"
                        " deleted_at IS NOT NULL AS deleted,"
                        " ST_AsText(geom) AS wkt FROM hazards WHERE id = :id"
                    ),
                    {"id": hazard_id},
                )
            )
            .mappings()
            .one()
        )
    return dict(row)


async def _events(client: httpx.AsyncClient, url: str = URL) -> list[dict[str, Any]]:
    r = await client.get(f"{url}/history")
    assert r.status_code == 200, r.text
    events: list[dict[str, Any]] = r.json()["events"]
    return events


async def test_patch_properties(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    await create(client, "hazards", point(GULOU, address="东昌路口", direction=1))
    r = await _patch(
        client,
        {
            "properties": {
                "grade": "significant",
                "deadline": "2026-06-30",
                "address": None,
            }
        },
    )

    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"2"'
    p = r.json()["properties"]
    assert (p["grade"], p["status"], p["deadline"], p["address"], p["direction"], p["version"]) == (
        "significant",
        "reported",
        "2026-06-30",
        None,
        1,  # untouched
        2,
    )
    assert (await client.get(URL)).json() == r.json()
    events = await _events(client)
    assert [(e["version"], e["action"], e["actor"]) for e in events] == [
        (1, "create", "测试管理员（t-admin）"),
        (2, "update", "第二管理员（t-admin2）"),
    ]
    assert events[1]["changes"] == {
        "grade": ["general", "significant"],
        "deadline": [None, "2026-06-30"],
        "address": ["东昌路口", None],
    }
    assert (await _row(engine))["updated_by"] == "第二管理员（t-admin2）"


async def test_the_status_changes_only_through_transitions(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    await create(client, "hazards", point(GULOU))
    before = await _row(engine)
    r = await _patch(client, {"properties": {"status": "closed", "grade": "major"}})
    assert r.status_code == 409
    assert r.json()["detail"] == (
        "the status changes only through POST /api/v1/hazards/1/transitions; "
        "actions allowed from 'reported': claim, reject, duplicate, list"
    )
    assert r.json()["errors"] == [{"field": "properties.status", "message": "change it with a transition"}]
    assert await _row(engine) == before
    # The status it already has is no change.
    r = await _patch(client, {"properties": {"status": "reported", "grade": "major"}})
    assert r.status_code == 200 and r.json()["properties"]["grade"] == "major"


async def test_null_clears_description_and_direction(client: httpx.AsyncClient) -> None:
    await create(client, "hazards", point(GULOU, description="路灯不亮", direction=3))
    r = await _patch(client, {"properties": {"description": None, "direction": None}})
    assert r.status_code == 200
    assert (r.json()["properties"]["description"], r.json()["properties"]["direction"]) == ("", None)


async def test_a_patch_that_changes_nothing_writes_nothing(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    await create(client, "hazards", point(GULOU, grade="major"))
    for body in ({}, {"properties": {"grade": "major"}}, {"type": "Feature", "id": 1, "properties": {}}):
        r = await _patch(client, body)
        assert r.status_code == 200 and r.headers["etag"] == '"1"', body
    same_place = await _patch(client, {"geometry": {"type": "Point", "coordinates": list(GULOU)}})
    assert same_place.headers["etag"] == '"1"'
    assert len(await _events(client)) == 1
    assert (await _row(engine))["version"] == 1


async def test_moving_a_point_reassigns_county_and_township(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    await create(client, "hazards", point(GULOU))
    # Only the coordinates: merge patch keeps the type.
    r = await _patch(client, {"geometry": {"coordinates": list(BOJIQIAO)}})

    assert r.status_code == 200, r.text
    p = r.json()["properties"]
    assert (p["county"], p["county_name"], p["township"]) == ("371521", "阳谷县", "371521001")
    assert p["ledger_no"] == "371502-2026-0001"  # an identifier: it does not move
    assert r.json()["geometry"] == {"type": "Point", "coordinates": list(BOJIQIAO)}
    changes = (await _events(client))[1]["changes"]
    assert changes["county_code"] == ["371502", "371521"]
    assert changes["township_code"] == ["371502001", "371521001"]
    assert changes["geom"][1]["coordinates"] == list(BOJIQIAO)
    # Both township seats lie beside a shipped road: the road and 桩号 follow the pin.
    assert set(changes) == {"county_code", "township_code", "geom", "road_id", "chainage_m"}


async def test_moving_within_the_county_changes_only_the_township(client: httpx.AsyncClient) -> None:
    await create(client, "hazards", point(GULOU))
    r = await _patch(client, {"geometry": {"type": "Point", "coordinates": list(LIUYUAN)}})
    changes = (await _events(client))[1]["changes"]
    assert set(changes) == {"township_code", "geom", "road_id", "chainage_m"}
    assert r.json()["properties"]["township"] == "371502002"


async def test_moving_a_point_in_gcj02(client: httpx.AsyncClient) -> None:
    await create(client, "hazards", point(LIUYUAN))
    r = await _patch(
        client, {"geometry": {"type": "Point", "coordinates": [115.965473, 36.462002]}}, crs="gcj02"
    )
    lon, lat = r.json()["geometry"]["coordinates"]
    assert abs(lon - GULOU[0]) < 2e-5 and abs(lat - GULOU[1]) < 2e-5
    assert r.json()["properties"]["township"] == "371502001"


async def test_patch_a_segment(client: httpx.AsyncClient) -> None:
    await create(client, "segments", segment([(115.955, 36.462), (115.965, 36.462)]))
    url = "/api/v1/segments/1"
    r = await _patch(client, {"geometry": {"coordinates": [[115.78, 36.10], [115.79, 36.11]]}}, url=url)
    assert r.status_code == 200, r.text
    assert r.json()["properties"]["county"] == "371521"
    wrong = await _patch(client, {"geometry": {"type": "Point", "coordinates": list(GULOU)}}, '"2"', url=url)
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "geometry.type"


async def test_if_match_is_required(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    await create(client, "hazards", point(GULOU))
    r = await _patch(client, {"properties": {"grade": "major"}}, etag=None)

    assert r.status_code == 428
    assert r.headers["etag"] == '"1"'
    assert r.json() == {
        "type": "https://hazardmap.invalid/problems/precondition-required",
        "title": "Precondition required",
        "status": 428,
        "detail": 'send If-Match with the hazard\'s ETag (now "1") so that a change made meanwhile by '
        "someone else is not overwritten",
        "instance": URL,
        "errors": [{"field": "If-Match", "message": "required"}],
    }
    assert (await _row(engine))["grade"] == "general"


async def test_stale_if_match_changes_nothing(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    await create(client, "hazards", point(GULOU))
    assert (await _patch(client, {"properties": {"grade": "significant"}})).status_code == 200
    before = await _row(engine)

    for stale in ('"1"', 'W/"2"', '"3", "4"'):
        r = await _patch(client, {"properties": {"grade": "major", "status": "closed"}}, etag=stale)
        assert r.status_code == 412, stale
        assert r.headers["etag"] == '"2"'
        body = r.json()
        assert (body["title"], body["status"]) == ("Precondition failed", 412)
        assert body["errors"] == [{"field": "If-Match", "message": 'stale; the current ETag is "2"'}]
    assert await _row(engine) == before
    assert len(await _events(client)) == 2

    ok = await _patch(client, {"properties": {"grade": "major"}}, etag='"1", "2"')
    assert ok.status_code == 200 and ok.headers["etag"] == '"3"'
    star = await _patch(client, {"properties": {"grade": "general"}}, etag="*")
    assert star.status_code == 200


async def test_malformed_if_match(client: httpx.AsyncClient) -> None:
    await create(client, "hazards", point(GULOU))
    r = await _patch(client, {"properties": {"grade": "major"}}, etag="1")
    assert r.status_code == 400
    assert r.json()["errors"] == [
        {"field": "If-Match", "message": 'expected entity tags such as "3", with the quotes'}
    ]


async def test_fields_that_are_not_editable(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    await create(client, "hazards", point(GULOU))
    r = await _patch(
        client,
        {
            "id": 2,
            "properties": {
                "ledger_no": "371502-2026-9999",
                "county": "371521",
                "township": "371521001",
                "uid": "4f6c2b9e-1d0a-4c51-9b7e-2a8f3c1d5e60",
                "version": 7,
                "created_at": "2020-01-01T00:00:00Z",
                "colour": "red",
                "grade": None,
                "direction": 4,
            },
            "links": [],
        },
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "links", "message": "unknown member; a patch has properties and/or geometry"},
        {"field": "id", "message": "not editable"},
        {"field": "properties.ledger_no", "message": "not editable: the number is given once, at creation"},
        {"field": "properties.county", "message": "not editable: it follows the geometry"},
        {"field": "properties.township", "message": "not editable: it follows the geometry"},
        {"field": "properties.uid", "message": "not editable: the server maintains it"},
        {"field": "properties.version", "message": "not editable: the server maintains it"},
        {"field": "properties.created_at", "message": "not editable: the server maintains it"},
        {"field": "properties.colour", "message": "unknown property; it is not part of a hazard"},
        {"field": "properties.grade", "message": "cannot be removed (null); give a value"},
        {"field": "properties.direction", "message": "Input should be 1, 2 or 3"},
    ]
    assert (await _row(engine))["version"] == 1


async def test_patch_refuses_bad_values(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    await create(client, "hazards", point(GULOU))
    cases = [
        ({"properties": {"category": "ZZ99"}}, "properties.category"),
        ({"properties": {"status": "open"}}, "properties.status"),
        ({"properties": {"deadline": "2026-01-01"}}, "properties.deadline"),  # before the report
        ({"properties": {"reported_at": "2099-01-01T00:00:00Z"}}, "properties.reported_at"),
        ({"properties": None}, "properties"),
        ({"geometry": None}, "geometry"),
        ({"geometry": {"coordinates": [116.40, 39.90]}}, "geometry.coordinates"),  # Beijing
        ({"geometry": {"coordinates": [36.46, 115.96]}}, "geometry.coordinates"),  # swapped
        ({"type": "FeatureCollection"}, "type"),
    ]
    for body, field in cases:
        r = await _patch(client, body)
        assert r.status_code == 422, body
        assert [e["field"] for e in r.json()["errors"]] == [field], (body, r.json())
    assert (await _row(engine))["version"] == 1


async def test_patch_media_types(client: httpx.AsyncClient) -> None:
    await create(client, "hazards", point(GULOU))
    for version, media_type in enumerate(
        ["application/merge-patch+json", "application/json", "application/geo+json"], 1
    ):
        r = await client.patch(
            URL,
            content=json.dumps({"properties": {"description": media_type}}),
            headers={"Content-Type": media_type, "If-Match": f'"{version}"'},
        )
        assert r.status_code == 200, media_type
    r = await client.patch(
        URL, content="grade=major", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 415
    assert r.headers["accept-patch"] == "application/json, application/geo+json, application/merge-patch+json"


async def test_patch_of_the_other_kind_or_a_deleted_one(client: httpx.AsyncClient) -> None:
    await create(client, "hazards", point(GULOU))
    assert (await _patch(client, {}, url="/api/v1/segments/1")).status_code == 404
    assert (await client.delete(URL, headers={"If-Match": '"1"'})).status_code == 204
    assert (await _patch(client, {"properties": {"grade": "major"}}, etag='"2"')).status_code == 410


# -- delete ----------------------------------------------------------------------------------------
async def test_soft_delete(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    await create(client, "hazards", point(GULOU))
    await create(client, "hazards", point(LIUYUAN))
    r = await client.delete(URL, headers={"If-Match": '"1"', **auth_headers("admin2")})

    assert r.status_code == 204 and r.content == b""
    row = await _row(engine)
    assert (row["deleted"], row["version"], row["updated_by"]) == (True, 2, "第二管理员（t-admin2）")
    assert [f["id"] for f in (await client.get("/api/v1/hazards")).json()["features"]] == [2]
    events = await _events(client)
    assert [(e["version"], e["action"], e["actor"]) for e in events] == [
        (1, "create", "测试管理员（t-admin）"),
        (2, "delete", "第二管理员（t-admin2）"),
    ]
    [old, new] = events[1]["changes"].pop("deleted_at")
    assert old is None and datetime.fromisoformat(new)
    assert events[1]["changes"] == {}
    # Gone, but its history stays readable; a second delete is refused.
    assert (await client.get(URL)).status_code == 410
    assert (await client.delete(URL, headers={"If-Match": '"2"'})).status_code == 410


async def test_delete_needs_if_match(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    await create(client, "hazards", point(GULOU))
    missing = await client.delete(URL)
    assert missing.status_code == 428
    stale = await client.delete(URL, headers={"If-Match": '"0"'})
    assert stale.status_code == 412
    assert (await _row(engine))["deleted"] is False
    assert (await client.delete("/api/v1/segments/1", headers={"If-Match": '"1"'})).status_code == 404
    assert (await client.delete("/api/v1/hazards/9", headers={"If-Match": '"1"'})).status_code == 404


async def test_history_of_the_other_kind_or_nothing(client: httpx.AsyncClient) -> None:
    await create(client, "hazards", point(GULOU))
    assert (await client.get("/api/v1/segments/1/history")).status_code == 404
    assert (await client.get("/api/v1/hazards/2/history")).status_code == 404
    assert (await client.get("/api/v1/hazards/x/history")).status_code == 422


async def test_simultaneous_patches_from_one_version(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    await create(client, "hazards", point(GULOU))
    grades = ["significant", "major", "general", "significant"]
    responses = await asyncio.gather(
        *(_patch(client, {"properties": {"grade": g, "description": "并发"}}) for g in grades)
    )
    assert sorted(r.status_code for r in responses) == [200, 412, 412, 412]
    assert (await _row(engine))["version"] == 2
    assert len(await _events(client)) == 2
