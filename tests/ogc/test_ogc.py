"""OGC API – Features: the documents, paging and filters in-process; GDAL's OAPIF driver against
the real service."""

from __future__ import annotations

from typing import Any

import geopandas
import httpx
import pyogrio
import pytest

from tests.support.accounts import TOKENS, auth_headers
from tests.support.hazards import BOJIQIAO, GULOU, LIUYUAN, create, point, segment

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def ledger(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    return [
        await create(client, "hazards", point(GULOU, description="东昌路口", grade="major")),
        await create(client, "hazards", point(LIUYUAN, reported_at="2026-02-01T08:00:00+08:00")),
        await create(client, "hazards", point(BOJIQIAO)),
        await create(client, "segments", segment([(115.95, 36.455), (115.96, 36.456)])),
    ]


async def test_landing_conformance_collections(client: httpx.AsyncClient, engine: Any) -> None:
    landing = (await client.get("/ogc")).json()
    rels = {link["rel"]: link["href"] for link in landing["links"]}
    assert rels["conformance"] == "http://testserver/ogc/conformance"
    assert rels["data"] == "http://testserver/ogc/collections"
    assert rels["service-desc"] == "http://testserver/openapi.json"
    conf = (await client.get("/ogc/conformance")).json()["conformsTo"]
    assert sorted(c.rsplit("/", 1)[1] for c in conf) == sorted(
        [
            *("core", "geojson", "html", "crs", "queryables", "filter", "features-filter"),
            *("cql2-text", "cql2-json", "basic-cql2", "advanced-comparison-operators"),
            *("basic-spatial-functions", "basic-spatial-functions-plus", "spatial-functions"),
            "property-property",
        ]
    )
    cols = (await client.get("/ogc/collections")).json()["collections"]
    assert [c["id"] for c in cols] == ["hazards", "segments", "roads", "jurisdictions"]
    one = (await client.get("/ogc/collections/roads")).json()
    assert one["itemType"] == "feature"
    assert [link["rel"] for link in one["links"]] == [
        "self",
        "alternate",
        "items",
        "items",
        "http://www.opengis.net/def/rel/ogc/1.0/queryables",
    ]
    assert one["crs"] == [
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        "http://www.opengis.net/def/crs/EPSG/0/4326",
        "http://www.opengis.net/def/crs/EPSG/0/4490",
    ]
    assert one["storageCrs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    assert (await client.get("/ogc/collections/crashes")).status_code == 404
    assert (await client.get("/ogc/collections/crashes/items")).status_code == 404


async def test_items_paging(client: httpx.AsyncClient, ledger: list[dict[str, Any]]) -> None:
    r = await client.get("/ogc/collections/hazards/items", params={"limit": 2})
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    body = r.json()
    assert (body["numberMatched"], body["numberReturned"]) == (3, 2)
    assert [f["id"] for f in body["features"]] == [ledger[0]["id"], ledger[1]["id"]]
    links = {link["rel"]: link["href"] for link in body["links"]}
    assert "prev" not in links
    second = (await client.get(links["next"])).json()
    assert [f["id"] for f in second["features"]] == [ledger[2]["id"]]
    assert {link["rel"] for link in second["links"]} == {"self", "alternate", "prev", "collection"}
    # Above the maximum, the limit is lowered rather than refused.
    r = await client.get("/ogc/collections/hazards/items", params={"limit": 10**9})
    assert r.status_code == 200 and r.json()["numberReturned"] == 3


async def test_items_filters(client: httpx.AsyncClient, ledger: list[dict[str, Any]]) -> None:
    async def ids(collection: str = "hazards", **params: Any) -> list[int]:
        r = await client.get(f"/ogc/collections/{collection}/items", params=params)
        assert r.status_code == 200, r.text
        return [f["id"] for f in r.json()["features"]]

    a, b, c, s = (f["id"] for f in ledger)
    assert await ids(county="371502") == [a, b]
    assert await ids(grade="major") == [a]
    assert await ids(status="reported", county="371521") == [c]
    assert await ids(bbox="115.9,36.44,116.0,36.5") == [a]
    assert await ids(datetime="2026-02-01") == [b]
    assert await ids(datetime="../2026-02-28T23:59:59+08:00") == [b]
    assert await ids(datetime="2026-03-01T00:00:00Z/..") == [a, c]
    assert await ids("segments") == [s]
    r = await client.get("/ogc/collections/hazards/items", params={"datetime": "yesterday"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "datetime"
    r = await client.get("/ogc/collections/hazards/items", params={"status": "lost"})
    assert r.status_code == 422


async def test_one_item(client: httpx.AsyncClient, ledger: list[dict[str, Any]]) -> None:
    a = ledger[0]
    r = await client.get(f"/ogc/collections/hazards/items/{a['id']}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    body = r.json()
    assert body["properties"]["ledger_no"] == a["properties"]["ledger_no"]
    assert {link["rel"] for link in body["links"]} == {"self", "alternate", "collection"}
    assert (await client.get(f"/ogc/collections/segments/items/{a['id']}")).status_code == 404
    assert (await client.get("/ogc/collections/hazards/items/abc")).status_code == 404
    assert (await client.get("/ogc/collections/roads/items/0")).status_code == 404
    r = await client.get("/ogc/collections/jurisdictions/items/371502")
    assert r.status_code == 200 and r.json()["properties"]["name"] == "东昌府区"


async def test_roads_and_jurisdictions(client: httpx.AsyncClient, engine: Any) -> None:
    r = await client.get("/ogc/collections/jurisdictions/items", params={"level": "county", "limit": 100})
    body = r.json()
    assert body["numberMatched"] == body["numberReturned"] >= 8
    assert all(f["properties"]["level"] == "county" for f in body["features"])
    r = await client.get("/ogc/collections/roads/items", params={"limit": 1})
    assert r.json()["numberReturned"] == 1


async def test_gdal_reads_every_hazard(live_server: str) -> None:
    async with httpx.AsyncClient(base_url=live_server, headers=auth_headers("admin")) as http:
        made = [
            await create(http, "hazards", point(GULOU, description="东昌路口 缺减速带", grade="major")),
            await create(http, "hazards", point(LIUYUAN)),
            await create(http, "hazards", point(BOJIQIAO, address="博济桥 十字路口")),
        ]
    # Without credentials a client is refused past the landing page (GDAL starts at /collections).
    async with httpx.AsyncClient(base_url=live_server) as anonymous:
        assert (await anonymous.get("/ogc")).status_code == 200
        assert (await anonymous.get("/ogc/collections")).status_code == 401
    # GDAL_HTTP_HEADERS does not reach the server: the OAPIF driver (GDAL 3.12) sends its own HEADERS
    # option, which replaces it. Bearer authentication does; an agency's API key is a bearer token.
    bearer = {"GDAL_HTTP_AUTH": "BEARER", "GDAL_HTTP_BEARER": TOKENS["agency"]}
    pyogrio.set_gdal_config_options(bearer)
    try:
        frame = geopandas.read_file(f"OAPIF:{live_server}/ogc", layer="hazards")
    finally:
        pyogrio.set_gdal_config_options(dict.fromkeys(bearer))
    assert len(frame) == 3
    frame = frame.sort_values("ledger_no").reset_index(drop=True)
    expected = sorted(made, key=lambda f: f["properties"]["ledger_no"])
    for i, feature in enumerate(expected):
        props = feature["properties"]
        row = frame.iloc[i]
        for name in ("ledger_no", "category", "status", "grade", "county", "county_name", "description"):
            assert row[name] == props[name], name
        assert row.geometry.x == pytest.approx(feature["geometry"]["coordinates"][0], abs=1e-7)
        assert row.geometry.y == pytest.approx(feature["geometry"]["coordinates"][1], abs=1e-7)
    assert frame.crs.to_string() == "OGC:CRS84"


async def test_gdal_reads_with_an_attribute_filter(live_server: str) -> None:
    # Segments: the test above counts the hazards of this shared live database.
    async with httpx.AsyncClient(base_url=live_server, headers=auth_headers("admin")) as http:
        made = [
            await create(http, "segments", segment([(115.95, 36.455), (115.96, 36.456)], grade="major")),
            await create(http, "segments", segment([(115.97, 36.44), (115.99, 36.43)], grade="general")),
            await create(http, "segments", segment([(115.92, 36.45), (115.93, 36.46)], grade="major")),
        ]
    numbers = [s["properties"]["ledger_no"] for s in made]
    where = f"grade = 'major' AND ledger_no IN ('{numbers[0]}', '{numbers[1]}', '{numbers[2]}')"
    bearer = {"GDAL_HTTP_AUTH": "BEARER", "GDAL_HTTP_BEARER": TOKENS["agency"]}
    pyogrio.set_gdal_config_options(bearer)
    try:
        frame = pyogrio.read_dataframe(f"OAPIF:{live_server}/ogc", layer="segments", where=where)
    finally:
        pyogrio.set_gdal_config_options(dict.fromkeys(bearer))
    # GDAL 3.12 evaluates this where clause itself, on what it downloaded: it does not send it as
    # a CQL2 filter (it reads neither /conformance nor /queryables). The answer must be right anyway.
    assert sorted(frame["ledger_no"]) == sorted([numbers[0], numbers[2]])
