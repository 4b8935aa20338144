"""GET /api/v1/jurisdictions: the shipped city, counties, zones and townships as GeoJSON."""

from __future__ import annotations

from typing import Any

import httpx

from app.jurisdictions.schemas import JurisdictionCollection, JurisdictionFeature

API = "/api/v1/jurisdictions"
COUNTIES = ["371502", "371503", "371521", "371522", "371524", "371525", "371526", "371581"]


async def _get(client: httpx.AsyncClient, url: str = API, **params: Any) -> dict[str, Any]:
    r = await client.get(url, params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/geo+json"
    body: dict[str, Any] = r.json()
    return body


def _vertices(geometry: dict[str, Any]) -> int:
    return sum(len(ring) for polygon in geometry["coordinates"] for ring in polygon)


async def test_all(client: httpx.AsyncClient) -> None:
    body = await _get(client)
    JurisdictionCollection.model_validate(body)
    assert (body["numberMatched"], body["numberReturned"]) == (148, 148)
    codes = [f["id"] for f in body["features"]]
    assert codes == sorted(codes)
    levels: dict[str, int] = {}
    for f in body["features"]:
        levels[f["properties"]["level"]] = levels.get(f["properties"]["level"], 0) + 1
    assert levels == {"city": 1, "county": 8, "zone": 3, "township": 136}


async def test_counties(client: httpx.AsyncClient) -> None:
    body = await _get(client, level="county")
    assert [f["id"] for f in body["features"]] == COUNTIES
    first = body["features"][0]
    assert first["geometry"]["type"] == "MultiPolygon"
    assert first["properties"] == {
        "code": "371502",
        "name": "东昌府区",
        "level": "county",
        "level_name": "县(市、区)",
        "parent": "371500",
        "parent_name": "聊城市",
        "has_outline": True,
        "has_centre": False,
        "source": first["properties"]["source"],
    }
    assert "CC BY 4.0" in first["properties"]["source"]
    both = await _get(client, level="city,zone")
    assert [f["properties"]["level"] for f in both["features"]] == ["city", "zone", "zone", "zone"]


async def test_townships_of_a_county(client: httpx.AsyncClient) -> None:
    body = await _get(client, level="township", parent="371502")
    assert body["numberMatched"] == 24
    # No township outline is published: outline gives null, centre gives the seat where known.
    assert {f["geometry"] is None for f in body["features"]} == {True}
    centres = await _get(client, level="township", parent="371502", geometry="centre")
    with_seat = [f for f in centres["features"] if f["geometry"] is not None]
    assert len(with_seat) == 14
    gulou = next(f for f in centres["features"] if f["id"] == "371502001")
    lon, lat = gulou["geometry"]["coordinates"]
    assert abs(lon - 115.959865) < 2e-5 and abs(lat - 36.461981) < 2e-5
    assert gulou["properties"]["name"] == "古楼街道办事处"


async def test_centre_of_a_county_lies_inside_it(client: httpx.AsyncClient) -> None:
    body = await _get(client, f"{API}/371502", geometry="centre")
    assert body["geometry"]["type"] == "Point"
    lon, lat = body["geometry"]["coordinates"]
    assert 115.7 < lon < 116.3 and 36.2 < lat < 36.7


async def test_no_geometry(client: httpx.AsyncClient) -> None:
    body = await _get(client, level="county", geometry="none")
    assert {f["geometry"] is None for f in body["features"]} == {True}


async def test_simplify(client: httpx.AsyncClient) -> None:
    full = await _get(client, f"{API}/371502")
    simplified = await _get(client, f"{API}/371502", simplify=500)
    JurisdictionFeature.model_validate(simplified)
    assert simplified["geometry"]["type"] == "MultiPolygon"
    assert _vertices(simplified["geometry"]) < _vertices(full["geometry"]) / 3
    coarser = await _get(client, f"{API}/371502", simplify=5000)
    assert _vertices(coarser["geometry"]) < _vertices(simplified["geometry"])
    listed = await _get(client, level="county", simplify=500)
    assert listed["features"][0]["geometry"] == simplified["geometry"]


async def test_one(client: httpx.AsyncClient) -> None:
    city = await _get(client, f"{API}/371500")
    assert city["id"] == "371500" and city["properties"]["name"] == "聊城市"
    assert city["properties"]["parent"] is None
    r = await client.get(f"{API}/999999")
    assert r.status_code == 404
    assert r.json()["detail"] == "there is no jurisdiction with code '999999'"


async def test_bad_parameters(client: httpx.AsyncClient) -> None:
    cases = {
        ("level", "province"): "level",
        ("parent", "999999"): "parent",
        ("simplify", "-1"): "simplify",
        ("simplify", "0"): "simplify",
        ("geometry", "polygon"): "geometry",
    }
    for (name, value), field in cases.items():
        r = await client.get(API, params={name: value})
        assert r.status_code == 422, (name, value)
        assert r.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in r.json()["errors"]] == [field]
