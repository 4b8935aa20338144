"""Vector tiles: decoded, counted per tile from known hazards; ETag and 304; bad tile addresses."""

from __future__ import annotations

import math
from typing import Any

import httpx
import mapbox_vector_tile
import pytest

from tests.support.hazards import BOJIQIAO, GULOU, LIUYUAN, create, point, segment

pytestmark = pytest.mark.asyncio


def tile_of(lonlat: tuple[float, float], z: int) -> tuple[int, int]:
    lon, lat = lonlat
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


async def features(client: httpx.AsyncClient, layer: str, z: int, xy: tuple[int, int], **params: Any) -> list:
    r = await client.get(f"/tiles/{layer}/{z}/{xy[0]}/{xy[1]}.mvt", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    decoded = mapbox_vector_tile.decode(r.content)
    return list(decoded[layer]["features"]) if layer in decoded else []


@pytest.fixture
async def ledger(client: httpx.AsyncClient) -> dict[str, Any]:
    a = await create(client, "hazards", point(GULOU))
    b = await create(client, "hazards", point(LIUYUAN, grade="major"))
    c = await create(client, "hazards", point(BOJIQIAO))
    s = await create(client, "segments", segment([(115.95, 36.455), (115.96, 36.456)]))
    return {"a": a, "b": b, "c": c, "s": s}


async def test_counts_per_tile(client: httpx.AsyncClient, ledger: dict[str, Any]) -> None:
    # At z8 the three points of 东昌府区 and 阳谷县 share one tile; at z14 each is alone.
    z8 = tile_of(GULOU, 8)
    assert tile_of(LIUYUAN, 8) == z8 and tile_of(BOJIQIAO, 8) == z8
    assert len(await features(client, "hazards", 8, z8)) == 3
    assert len(await features(client, "segments", 8, z8)) == 1
    z14 = tile_of(GULOU, 14)
    found = await features(client, "hazards", 14, z14)
    assert [f["id"] for f in found] == [ledger["a"]["id"]]
    props = found[0]["properties"]
    assert props["ledger_no"] == ledger["a"]["properties"]["ledger_no"]
    assert props["status"] == "reported" and props["county"] == "371502"
    assert found[0]["geometry"]["type"] == "Point"
    # A tile far away is empty (an empty body is a valid empty tile).
    assert await features(client, "hazards", 14, (0, 0)) == []


async def test_same_filters_as_the_list(client: httpx.AsyncClient, ledger: dict[str, Any]) -> None:
    z8 = tile_of(GULOU, 8)
    assert len(await features(client, "hazards", 8, z8, grade="major")) == 1
    assert len(await features(client, "hazards", 8, z8, county="371502")) == 2
    assert len(await features(client, "hazards", 8, z8, county="371521,371502", grade="general")) == 2
    r = await client.get(f"/tiles/hazards/8/{z8[0]}/{z8[1]}.mvt", params={"county": "999999"})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"


async def test_roads_layer(client: httpx.AsyncClient, api_roads: dict[str, int]) -> None:
    z14 = tile_of((115.97, 36.46), 14)
    found = await features(client, "roads", 14, z14, road="G9309")
    assert [f["properties"]["code"] for f in found] == ["G9309"]
    assert found[0]["geometry"]["type"] == "LineString"
    r = await client.get(f"/tiles/roads/14/{z14[0]}/{z14[1]}.mvt", params={"status": "reported"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"


async def test_etag_changes_with_an_edit(client: httpx.AsyncClient, ledger: dict[str, Any]) -> None:
    z14 = tile_of(GULOU, 14)
    url = f"/tiles/hazards/14/{z14[0]}/{z14[1]}.mvt"
    first = await client.get(url)
    tag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    again = await client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    a = ledger["a"]
    r = await client.post(
        f"/api/v1/hazards/{a['id']}/transitions",
        json={"action": "claim", "name": "张三", "post": "副区长", "unit": "东昌府区人民政府"},
        headers={"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    after = await client.get(url, headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["etag"] != tag
    decoded = mapbox_vector_tile.decode(after.content)
    assert decoded["hazards"]["features"][0]["properties"]["status"] == "claimed"
    # A delete empties the tile, and changes the tag again.
    r = await client.delete(f"/api/v1/hazards/{a['id']}", headers={"If-Match": '"2"'})
    assert r.status_code == 204
    gone = await client.get(url, headers={"If-None-Match": after.headers["etag"]})
    assert gone.status_code == 200 and await features(client, "hazards", 14, z14) == []


@pytest.mark.parametrize(
    "path",
    [
        "/tiles/hazards/3/8/0.mvt",  # x beyond 2^z
        "/tiles/hazards/3/0/8.mvt",
        "/tiles/hazards/-1/0/0.mvt",
        "/tiles/hazards/23/0/0.mvt",
        "/tiles/hazards/a/0/0.mvt",
    ],
)
async def test_bad_tile_addresses(client: httpx.AsyncClient, engine: Any, path: str) -> None:
    r = await client.get(path)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"


async def test_unknown_layer(client: httpx.AsyncClient) -> None:
    r = await client.get("/tiles/crashes/0/0/0.mvt")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    r = await client.get("/tiles/crashes.json")
    assert r.status_code == 404


async def test_tilejson(client: httpx.AsyncClient) -> None:
    r = await client.get("/tiles/hazards.json", params={"status": "reported"})
    assert r.status_code == 200
    doc = r.json()
    assert doc["tilejson"] == "3.0.0"
    assert doc["tiles"] == ["http://testserver/tiles/hazards/{z}/{x}/{y}.mvt?status=reported"]
    assert doc["vector_layers"][0]["id"] == "hazards"
    x1, y1, x2, y2 = doc["bounds"]
    assert 115 < x1 < x2 < 117 and 35.5 < y1 < y2 < 37.5
