"""Bad input to POST: a clear 4xx problem naming the field, and nothing written."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.settings import get_settings
from tests.support.hazards import CROSSING, GULOU, point, segment

PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
async def nothing_written(engine: AsyncEngine) -> AsyncIterator[None]:
    yield
    async with engine.connect() as conn:
        counts = (
            await conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM hazards), (SELECT count(*) FROM hazard_events),"
                    " (SELECT count(*) FROM ledger_counters)"
                )
            )
        ).one()
    assert tuple(counts) == (0, 0, 0)


async def _post(
    client: httpx.AsyncClient, body: Any, path: str = "hazards", content_type: str = "application/json"
) -> Any:
    content = body if isinstance(body, str | bytes) else json.dumps(body)
    return await client.post(f"/api/v1/{path}", content=content, headers={"Content-Type": content_type})


def _problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    return body


async def test_invalid_json(client: httpx.AsyncClient) -> None:
    body = _problem(await _post(client, '{"type": "Feature",'), 400)
    assert body == {
        "type": "https://hazardmap.invalid/problems/bad-request",
        "title": "Bad request",
        "status": 400,
        "detail": "the body is not JSON: invalid JSON at line 1 column 20: Expecting property name enclosed "
        "in double quotes",
        "instance": "/api/v1/hazards",
        "errors": [
            {
                "field": "body",
                "message": "invalid JSON at line 1 column 20: "
                "Expecting property name enclosed in double quotes",
            }
        ],
    }
    assert _problem(await _post(client, ""), 400)["errors"] == [{"field": "body", "message": "empty"}]
    assert _problem(await _post(client, b"\xff\xfe{}"), 400)["errors"][0]["field"] == "body"


async def test_not_a_feature(client: httpx.AsyncClient) -> None:
    body = _problem(await _post(client, {"type": "FeatureCollection", "features": []}), 422)
    assert body == {
        "type": "https://hazardmap.invalid/problems/invalid-input",
        "title": "Invalid input",
        "status": 422,
        "detail": "type: expected a GeoJSON Feature (type 'Feature'), got 'FeatureCollection'; "
        "send one Feature per request",
        "instance": "/api/v1/hazards",
        "errors": [
            {
                "field": "type",
                "message": "expected a GeoJSON Feature (type 'Feature'), got 'FeatureCollection'; "
                "send one Feature per request",
            }
        ],
    }
    assert _problem(await _post(client, [point(GULOU)]), 422)["errors"] == [
        {"field": "body", "message": "expected a GeoJSON Feature object, got a JSON array"}
    ]
    no_geometry = {"type": "Feature", "properties": {"category": "JC01"}}
    assert _problem(await _post(client, no_geometry), 422)["errors"] == [
        {"field": "geometry", "message": "required: a Point that locates the hazard point"}
    ]
    no_properties = {**point(GULOU), "properties": None}
    assert _problem(await _post(client, no_properties), 422)["errors"] == [
        {"field": "properties", "message": "required: an object with at least properties.category"}
    ]
    with_id = {**point(GULOU), "id": 7}
    assert _problem(await _post(client, with_id), 422)["errors"][0]["field"] == "id"


async def test_wrong_geometry_type(client: httpx.AsyncClient) -> None:
    polygon = {
        "type": "Feature",
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[115.9, 36.4], [116, 36.4], [116, 36.5], [115.9, 36.4]]],
        },
        "properties": {"category": "JC01"},
    }
    assert _problem(await _post(client, polygon), 422)["errors"] == [
        {"field": "geometry.type", "message": "expected Point, got 'Polygon'"}
    ]
    assert _problem(await _post(client, point(GULOU), "segments"), 422)["errors"] == [
        {
            "field": "geometry.type",
            "message": "expected LineString, got 'Point'; Points are hazard points: send them to /hazards",
        }
    ]
    line = segment([(115.955, 36.462), (115.965, 36.462)])
    assert _problem(await _post(client, line), 422)["errors"] == [
        {
            "field": "geometry.type",
            "message": "expected Point, got 'LineString'; LineStrings are accident-prone segments: "
            "send them to /segments",
        }
    ]


async def test_coordinates_out_of_range(client: httpx.AsyncClient) -> None:
    errors = _problem(await _post(client, point((200, 36.46))), 422)["errors"]
    assert errors == [
        {
            "field": "geometry.coordinates",
            "message": "[200.0, 36.46] is not a longitude, latitude pair (longitude first, in [-180, 180]; "
            "latitude in [-90, 90])",
        }
    ]
    swapped = _problem(await _post(client, point((36.461981, 115.959865))), 422)
    assert swapped["errors"][0]["field"] == "geometry.coordinates"
    line = segment([(115.955, 36.462), (115.965, 96.0)])
    assert _problem(await _post(client, line, "segments"), 422)["errors"][0]["message"].startswith(
        "position 1: "
    )
    strings = {**point(GULOU), "geometry": {"type": "Point", "coordinates": ["east", 36.4]}}
    assert _problem(await _post(client, strings), 422)["errors"] == [
        {
            "field": "geometry.coordinates",
            "message": '"east" is not a number; a position is [longitude, latitude] in JSON numbers, '
            "e.g. [116.1, 36.4]",
        }
    ]


@pytest.mark.parametrize(
    ("token", "where"),
    [("NaN", "[0]"), ("Infinity", "[1]"), ("-Infinity", "[0]"), ("1e999", "[1]")],
)
async def test_nan_and_infinity(client: httpx.AsyncClient, token: str, where: str) -> None:
    coords = f"[{token}, 36.46]" if where == "[0]" else f"[115.96, {token}]"
    raw = '{"type": "Feature", "geometry": {"type": "Point", "coordinates": COORDS}, "properties": {}}'
    body = _problem(await _post(client, raw.replace("COORDS", coords)), 422)
    message = f"{token} at {where} is not a number JSON allows; send a finite number"
    assert body["errors"] == [{"field": "geometry.coordinates", "message": message}]
    assert body["detail"] == f"geometry.coordinates: {message}"


async def test_nan_elsewhere(client: httpx.AsyncClient) -> None:
    raw = json.dumps(point(GULOU, direction=0)).replace('"direction": 0', '"direction": NaN')
    assert _problem(await _post(client, raw), 422)["errors"] == [
        {"field": "properties.direction", "message": "NaN is not a number JSON allows; send a finite number"}
    ]


async def test_segment_needs_two_distinct_positions(client: httpx.AsyncClient) -> None:
    same = segment([(115.96, 36.46), (115.96, 36.46), (115.96000000001, 36.46)])
    assert _problem(await _post(client, same, "segments"), 422)["errors"] == [
        {
            "field": "geometry.coordinates",
            "message": "a segment needs at least two distinct positions (it has zero length)",
        }
    ]
    one = segment([(115.96, 36.46)])
    assert _problem(await _post(client, one, "segments"), 422)["errors"] == [
        {
            "field": "geometry.coordinates",
            "message": "List should have at least 2 items after validation, not 1",
        }
    ]


async def test_outside_the_city(client: httpx.AsyncClient) -> None:
    beijing = _problem(await _post(client, point((116.397, 39.909))), 422)
    [error] = beijing["errors"]
    assert error["field"] == "geometry.coordinates"
    assert error["message"].startswith("lies 319.7 km outside")
    assert error["message"].endswith(
        "km outside the city (more than 200 m beyond its border); check the coordinates, their order "
        "(longitude first) and the crs"
    )
    # A segment that leaves the city: its second position is named.
    leaving = segment([(115.96, 36.46), (116.397, 39.909)])
    message = _problem(await _post(client, leaving, "segments"), 422)["errors"][0]["message"]
    assert message.startswith("position 1 lies")
    # Liaocheng's GCJ-02 outline taken as WGS84 is still near; a point in Jinan is not.
    jinan = _problem(await _post(client, point((117.0, 36.65)), "hazards"), 422)
    assert jinan["errors"][0]["field"] == "geometry.coordinates"


async def test_unknown_or_inactive_category(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    assert _problem(await _post(client, point(GULOU, category="ZZ99")), 422)["errors"] == [
        {"field": "properties.category", "message": "unknown category 'ZZ99'; see GET /api/v1/categories"}
    ]
    missing = point(GULOU)
    del missing["properties"]["category"]
    assert _problem(await _post(client, missing), 422)["errors"] == [
        {"field": "properties.category", "message": "Field required"}
    ]
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE categories SET active = false WHERE code = 'HJ03'"))
    try:
        assert _problem(await _post(client, point(GULOU, category="HJ03")), 422)["errors"] == [
            {"field": "properties.category", "message": "category HJ03 is no longer in use; pick another"}
        ]
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE categories SET active = true WHERE code = 'HJ03'"))


async def test_unknown_properties_and_members(client: httpx.AsyncClient) -> None:
    body = _problem(await _post(client, point(GULOU, colour="red", ledger_no="x")), 422)
    allowed = (
        "category, visibility, grade, source, description, address, direction, reported_at, deadline, uid,"
        " road, chainage"
    )
    assert body["errors"] == [
        {"field": "properties.colour", "message": f"unknown property; a client may set: {allowed}"},
        {"field": "properties.ledger_no", "message": f"unknown property; a client may set: {allowed}"},
    ]
    foreign = {**point(GULOU), "crs": {"type": "name"}}
    assert _problem(await _post(client, foreign), 422)["errors"] == [
        {"field": "crs", "message": "unknown member; a hazard Feature has type, geometry and properties"}
    ]


async def test_bad_property_values(client: httpx.AsyncClient) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"grade": "urgent"}, "properties.grade"),
        ({"visibility": "obvious"}, "properties.visibility"),
        ({"source": "rumour"}, "properties.source"),
        ({"direction": 0}, "properties.direction"),
        ({"uid": "not-a-uuid"}, "properties.uid"),
        ({"reported_at": "yesterday"}, "properties.reported_at"),
        ({"reported_at": "2099-01-01T00:00:00Z"}, "properties.reported_at"),
        ({"deadline": "2026-03-01"}, "properties.deadline"),  # the day before the report
        ({"description": 42}, "properties.description"),
        ({"description": "长" * 4001}, "properties.description"),
        ({"category": None}, "properties.category"),
        ({"address": "东昌路\u0000口"}, "properties.address"),
        ({"reported_at": "0001-01-01T00:00:00Z"}, "properties.reported_at"),
        ({"deadline": "9999-12-31"}, "properties.deadline"),
    ]
    for properties, field in cases:
        r = await _post(client, point(GULOU, **properties))
        assert [e["field"] for e in _problem(r, 422)["errors"]] == [field], properties


async def test_wrong_content_type(client: httpx.AsyncClient) -> None:
    for content_type in ("text/plain", "application/merge-patch+json", "application/x-www-form-urlencoded"):
        body = _problem(await _post(client, point(GULOU), content_type=content_type), 415)
        assert body["title"] == "Unsupported media type"
        assert (
            body["detail"] == f"send the body as application/json or application/geo+json, not {content_type}"
        )
    r = await client.post("/api/v1/hazards", content=json.dumps(point(GULOU)))  # no content type at all
    assert _problem(r, 415)["detail"].endswith("not no content type")
    assert r.headers["accept-post"] == "application/json, application/geo+json"


async def test_oversized_body(client: httpx.AsyncClient) -> None:
    limit = get_settings().max_body_bytes
    big = point(GULOU, description="x" * limit)
    declared = await _post(client, big)
    body = _problem(declared, 413)
    assert body["detail"] == f"the request body must be at most {limit} bytes"

    async def chunks() -> AsyncIterator[bytes]:
        data = json.dumps(big).encode()
        for i in range(0, len(data), 65536):
            yield data[i : i + 65536]

    chunked = await client.post(
        "/api/v1/hazards", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in chunked.request.headers
    assert _problem(chunked, 413)["detail"] == f"the request body must be at most {limit} bytes"


@pytest.mark.parametrize(
    ("path", "geometry", "message"),
    [
        ("hazards", {"type": "Point", "coordinates": ["116.1", "36.4"]}, '"116.1" is not a number'),
        ("hazards", {"type": "Point", "coordinates": [115.98, "36.45"]}, '"36.45" is not a number'),
        ("hazards", {"type": "Point", "coordinates": [True, 36.45]}, "true is not a number"),
        (
            "segments",
            {"type": "LineString", "coordinates": [[115.96, 36.46], ["115.97", "36.46"]]},
            'position 1: "115.97" is not a number',
        ),
    ],
)
async def test_coordinates_as_text_are_refused(
    client: httpx.AsyncClient, path: str, geometry: dict[str, Any], message: str
) -> None:
    body = {**(point(GULOU) if path == "hazards" else segment([(115.96, 36.46)])), "geometry": geometry}
    errors = _problem(await _post(client, body, path), 422)["errors"]
    assert [e["field"] for e in errors] == ["geometry.coordinates"]
    assert errors[0]["message"].startswith(message), errors
    assert "e.g. [116.1, 36.4]" in errors[0]["message"]


@pytest.mark.parametrize(
    "coords",
    [
        [(115.95, 36.45), (115.97, 36.47), (115.97, 36.45), (115.95, 36.47)],  # a bow tie
        [(115.95, 36.45), (115.97, 36.45), (115.96, 36.45)],  # doubles back on itself
    ],
)
async def test_a_segment_that_crosses_itself_is_refused(
    client: httpx.AsyncClient, coords: list[tuple[float, float]]
) -> None:
    errors = _problem(await _post(client, segment(coords), "segments"), 422)["errors"]
    assert errors == [{"field": "geometry.coordinates", "message": CROSSING}]
