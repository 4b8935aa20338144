"""Part 2 (CRS): answers in CRS84, EPSG:4326 and EPSG:4490 (CGCS2000, latitude first), bbox-crs and
filter-crs, the Content-Crs header; the values checked against pyproj (app.coords) both ways."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.coords import lonlat_from_wgs84, lonlat_to_wgs84
from tests.support.hazards import BOJIQIAO, GULOU, LIUYUAN, create, point, segment

pytestmark = pytest.mark.asyncio

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"
ITEMS = "/ogc/collections/hazards/items"


@pytest.fixture
async def ledger(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    return [
        await create(client, "hazards", point(GULOU)),
        await create(client, "hazards", point(LIUYUAN)),
        await create(client, "hazards", point(BOJIQIAO)),
    ]


async def test_answers_in_each_crs(client: httpx.AsyncClient, ledger: list[dict[str, Any]]) -> None:
    r = await client.get(ITEMS)
    assert r.headers["content-crs"] == f"<{CRS84}>"
    assert [f["geometry"]["coordinates"] for f in r.json()["features"]] == [
        list(GULOU),
        list(LIUYUAN),
        list(BOJIQIAO),
    ]
    r = await client.get(ITEMS, params={"crs": EPSG4326})
    assert r.headers["content-crs"] == f"<{EPSG4326}>"
    assert [f["geometry"]["coordinates"] for f in r.json()["features"]] == [
        [GULOU[1], GULOU[0]],
        [LIUYUAN[1], LIUYUAN[0]],
        [BOJIQIAO[1], BOJIQIAO[0]],
    ]
    r = await client.get(ITEMS, params={"crs": EPSG4490})
    assert r.status_code == 200 and r.headers["content-crs"] == f"<{EPSG4490}>"
    for feature, (lon, lat) in zip(r.json()["features"], (GULOU, LIUYUAN, BOJIQIAO), strict=True):
        lat_out, lon_out = feature["geometry"]["coordinates"]  # CGCS2000 is latitude first
        want_lon, want_lat = lonlat_from_wgs84(lon, lat, "cgcs2000")
        assert (lon_out, lat_out) == pytest.approx((want_lon, want_lat), abs=1e-7)
        # And back: what the service wrote in CGCS2000 is the stored WGS84 point.
        assert lonlat_to_wgs84(lon_out, lat_out, "cgcs2000") == pytest.approx((lon, lat), abs=1e-7)
    # One feature, and a segment: every vertex flipped.
    one = await client.get(f"{ITEMS}/{ledger[0]['id']}", params={"crs": "[EPSG:4490]"})
    assert one.headers["content-crs"] == f"<{EPSG4490}>"
    assert one.json()["geometry"]["coordinates"] == pytest.approx([GULOU[1], GULOU[0]], abs=1e-7)
    await create(client, "segments", segment([(115.95, 36.455), (115.96, 36.456)]))
    seg = (await client.get("/ogc/collections/segments/items", params={"crs": EPSG4326})).json()
    assert seg["features"][0]["geometry"]["coordinates"] == [[36.455, 115.95], [36.456, 115.96]]


async def test_bbox_crs_and_filter_crs(client: httpx.AsyncClient, ledger: list[dict[str, Any]]) -> None:
    a, b, c = (f["id"] for f in ledger)

    async def ids(**params: Any) -> list[int]:
        r = await client.get(ITEMS, params=params)
        assert r.status_code == 200, r.text
        return [f["id"] for f in r.json()["features"]]

    assert await ids(bbox="115.9,36.44,116.0,36.5") == [a]
    # The same box, latitude first, in EPSG:4326 and in CGCS2000.
    assert await ids(bbox="36.44,115.9,36.5,116.0", **{"bbox-crs": EPSG4326}) == [a]
    assert await ids(bbox="36.44,115.9,36.5,116.0", **{"bbox-crs": EPSG4490}) == [a]
    assert await ids(bbox="36.0,115.5,36.5,116.0", **{"bbox-crs": EPSG4490}) == [a, b, c]
    # A box in the CRS84 order read as lat-first is elsewhere (latitude 115.9 does not exist).
    r = await client.get(ITEMS, params={"bbox": "115.9,36.44,116.0,36.5", "bbox-crs": EPSG4490})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "bbox"
    cql = f"S_INTERSECTS(geometry, POINT({GULOU[1]} {GULOU[0]}))"
    assert await ids(filter=cql, **{"filter-crs": EPSG4490}) == [a]
    assert await ids(filter=cql) == []  # read as CRS84, that point is not ours


@pytest.mark.parametrize("name", ["crs", "bbox-crs", "filter-crs"])
async def test_unsupported_crs(client: httpx.AsyncClient, name: str) -> None:
    params = {name: "http://www.opengis.net/def/crs/EPSG/0/3857", "bbox": "115,36,116,37", "filter": "id > 0"}
    r = await client.get(ITEMS, params=params)
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    error = r.json()["errors"][0]
    assert error["field"] == name and "unsupported CRS" in error["message"]


async def test_collections_list_their_crs(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/ogc/collections")).json()
    for c in doc["collections"]:
        assert c["crs"] == [CRS84, EPSG4326, EPSG4490] and c["storageCrs"] == CRS84
