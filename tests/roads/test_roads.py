"""GET /api/v1/roads: filters, paging and properties, against fixture roads of known geometry."""

from __future__ import annotations

from typing import Any

import httpx

from app.roads.schemas import RoadCollection

API = "/api/v1/roads"


async def _get(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    r = await client.get(API, params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/geo+json"
    body: dict[str, Any] = r.json()
    RoadCollection.model_validate(body)
    return body


async def test_a_road(client: httpx.AsyncClient, api_roads: dict[str, int]) -> None:
    body = await _get(client, code="G9309")
    assert (body["numberMatched"], body["numberReturned"]) == (1, 1)
    [road] = body["features"]
    assert road["id"] == api_roads["G9309"]
    assert road["geometry"] == {"type": "LineString", "coordinates": [[115.95, 36.46], [115.99, 36.46]]}
    assert road["properties"] == {
        "id": api_roads["G9309"],
        "code": "G9309",
        "name": "测试国道",
        "class": "national",
        "class_name": "国道",
        "road_group": "trunk",
        "road_group_name": "普通国省道",
        "start_chainage_m": 516000,
        "end_chainage_m": 519000,
        "length_m": 3000,
        "chainage": "K516+000-K519+000",
        "schematic": False,
        "source": "api test fixture",
    }
    one = await client.get(f"{API}/{api_roads['G9309']}")
    assert one.status_code == 200 and one.json() == road


async def test_filters(client: httpx.AsyncClient, api_roads: dict[str, int]) -> None:
    both = await _get(client, code="G9309,Y9001")
    assert [f["properties"]["code"] for f in both["features"]] == ["G9309", "Y9001"]
    # Our two roads lie in a box of their own; the shipped schematic ones are counted in or out.
    box = "115.955,36.415,115.985,36.465"
    in_box = {f["properties"]["code"] for f in (await _get(client, bbox=box, limit=1000))["features"]}
    assert {"G9309", "Y9001"} <= in_box
    assert {
        f["properties"]["code"] for f in (await _get(client, bbox="115.955,36.44,115.985,36.45"))["features"]
    } & {
        "G9309",
        "Y9001",
    } == set()
    rural = await _get(client, code="G9309,Y9001", road_group="county_township")
    assert [f["properties"]["code"] for f in rural["features"]] == ["Y9001"]
    by_class = await _get(client, code="G9309,Y9001", **{"class": "national"})
    assert [f["properties"]["code"] for f in by_class["features"]] == ["G9309"]
    assert (await _get(client, code="G9309", road_group="expressway"))["numberMatched"] == 0


async def test_paging(client: httpx.AsyncClient, api_roads: dict[str, int]) -> None:
    everything = await _get(client, limit=10000)
    total = everything["numberMatched"]
    assert total == everything["numberReturned"] >= 2
    first = await _get(client, limit=1)
    assert (first["numberMatched"], first["numberReturned"]) == (total, 1)
    links = {link["rel"]: link["href"] for link in first["links"]}
    assert links["next"] == "http://testserver/api/v1/roads?limit=1&offset=1"
    ids = [f["id"] for f in everything["features"]]
    assert ids == sorted(ids)
    second = (await client.get(links["next"])).json()
    assert second["features"][0]["id"] == ids[1]


async def test_bad_parameters(client: httpx.AsyncClient) -> None:
    for name, value in (("road_group", "highway"), ("class", "motorway"), ("bbox", "1,2"), ("limit", "-1")):
        r = await client.get(API, params={name: value})
        assert r.status_code == 422
        assert [e["field"] for e in r.json()["errors"]] == [name]
    assert (await client.get(f"{API}/999999")).status_code == 404
    assert (await client.get(f"{API}/x")).status_code == 422
