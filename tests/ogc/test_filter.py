"""CQL2 filters (Part 3): every operator against a small ledger, the expected ids computed here from
the features as created; refusals name `filter`; injection attempts change nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
import shapely
from shapely.geometry import shape

from tests.support.hazards import BOJIQIAO, GULOU, LIUYUAN, XINFA, YANTA, create, point, segment

pytestmark = pytest.mark.asyncio

ITEMS = "/ogc/collections/hazards/items"
BOX = shapely.box(115.9, 36.4, 116.0, 36.5)  # around 古楼 and 柳园, 东昌府区


@pytest.fixture
async def ledger(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    return [
        await create(client, "hazards", point(GULOU, description="东昌路口 缺减速带", grade="major")),
        await create(
            client,
            "hazards",
            point(
                LIUYUAN, reported_at="2026-02-01T08:00:00+08:00", deadline="2026-05-01", grade="significant"
            ),
        ),
        await create(client, "hazards", point(BOJIQIAO, address="博济桥 十字路口")),
        await create(client, "hazards", point(YANTA, description="坡度100%_急弯", grade="major")),
        await create(client, "hazards", point(XINFA, description="信发路口", deadline="2026-06-30")),
    ]


async def _ids(client: httpx.AsyncClient, cql: str, lang: str | None = None, **params: Any) -> list[int]:
    query = {"filter": cql, "limit": 100, **params}
    if lang:
        query["filter-lang"] = lang
    r = await client.get(ITEMS, params=query)
    assert r.status_code == 200, r.text
    return [f["id"] for f in r.json()["features"]]


def _expected(ledger: list[dict[str, Any]], keep: Callable[[dict[str, Any], Any], bool]) -> list[int]:
    return sorted(f["id"] for f in ledger if keep(f["properties"], shape(f["geometry"])))


def _at(p: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(p["reported_at"])


CASES: list[tuple[str, Callable[[dict[str, Any], Any], bool]]] = [
    ("grade = 'major'", lambda p, g: p["grade"] == "major"),
    ("grade <> 'major'", lambda p, g: p["grade"] != "major"),
    ("county = '371502' AND grade = 'major'", lambda p, g: p["county"] == "371502" and p["grade"] == "major"),
    (
        "county = '371521' OR grade = 'significant'",
        lambda p, g: p["county"] == "371521" or p["grade"] == "significant",
    ),
    ("NOT (grade = 'major')", lambda p, g: p["grade"] != "major"),
    ("grade IN ('major', 'significant')", lambda p, g: p["grade"] in ("major", "significant")),
    ("grade NOT IN ('major')", lambda p, g: p["grade"] != "major"),
    ("description LIKE '%路口%'", lambda p, g: "路口" in p["description"]),
    ("description NOT LIKE '%路口%'", lambda p, g: "路口" not in p["description"]),
    # \% is a literal percent sign; _ one character.
    ("description LIKE '坡度100\\%\\_急_'", lambda p, g: p["description"] == "坡度100%_急弯"),
    ("address IS NULL", lambda p, g: p["address"] is None),
    ("address IS NOT NULL", lambda p, g: p["address"] is not None),
    ("deadline IS NULL", lambda p, g: p["deadline"] is None),
    (
        "deadline < DATE('2026-06-01')",
        lambda p, g: p["deadline"] is not None and p["deadline"] < "2026-06-01",
    ),
    (
        "deadline >= DATE('2026-06-01')",
        lambda p, g: p["deadline"] is not None and p["deadline"] >= "2026-06-01",
    ),
    (
        "reported_at < TIMESTAMP('2026-03-01T00:00:00Z')",
        lambda p, g: _at(p) < datetime.fromisoformat("2026-03-01T00:00:00+00:00"),
    ),
    (
        "reported_at >= TIMESTAMP('2026-03-01T00:00:00Z')",
        lambda p, g: _at(p) >= datetime.fromisoformat("2026-03-01T00:00:00+00:00"),
    ),
    ("supervised = false", lambda p, g: p["supervised"] is False),
    (
        "S_INTERSECTS(geometry, POLYGON((115.9 36.4, 116.0 36.4, 116.0 36.5, 115.9 36.5, 115.9 36.4)))",
        lambda p, g: BOX.intersects(g),
    ),
    ("S_INTERSECTS(geometry, BBOX(115.9, 36.4, 116.0, 36.5))", lambda p, g: BOX.intersects(g)),
    (
        "S_WITHIN(geometry, BBOX(115.5, 36.0, 116.0, 36.5))",
        lambda p, g: shapely.box(115.5, 36.0, 116.0, 36.5).contains(g),
    ),
    ("S_DISJOINT(geometry, BBOX(115.9, 36.4, 116.0, 36.5))", lambda p, g: not BOX.intersects(g)),
    (
        f"S_EQUALS(geometry, POINT({GULOU[0]} {GULOU[1]}))",
        lambda p, g: (round(g.x, 7), round(g.y, 7)) == GULOU,
    ),
    (
        "NOT S_INTERSECTS(geometry, BBOX(115.9, 36.4, 116.0, 36.5)) AND grade = 'major'",
        lambda p, g: not BOX.intersects(g) and p["grade"] == "major",
    ),
    ("chainage_m IS NULL AND id > 0", lambda p, g: p["chainage_m"] is None),
    # Property against property (both sides queryables).
    ("county <> township", lambda p, g: p["county"] != p["township"]),
]


@pytest.mark.parametrize(("cql", "keep"), CASES, ids=[c for c, _ in CASES])
async def test_cql2_text(
    client: httpx.AsyncClient,
    ledger: list[dict[str, Any]],
    cql: str,
    keep: Callable[[dict[str, Any], Any], bool],
) -> None:
    expected = _expected(ledger, keep)
    assert await _ids(client, cql) == expected


async def test_id_comparisons_and_between(client: httpx.AsyncClient, ledger: list[dict[str, Any]]) -> None:
    ids = sorted(f["id"] for f in ledger)
    assert await _ids(client, f"id BETWEEN {ids[1]} AND {ids[3]}") == ids[1:4]
    assert await _ids(client, f"id NOT BETWEEN {ids[1]} AND {ids[3]}") == [ids[0], ids[4]]
    assert await _ids(client, f"id < {ids[2]}") == ids[:2]
    assert await _ids(client, f"id <= {ids[2]}") == ids[:3]
    assert await _ids(client, f"id > {ids[2]}") == ids[3:]
    assert await _ids(client, f"id >= {ids[2]}") == ids[2:]
    assert await _ids(client, f"id = {ids[2]}.0") == [ids[2]]
    assert await _ids(client, f"id IN ({ids[0]}, {ids[4]})") == [ids[0], ids[4]]


async def test_cql2_json(client: httpx.AsyncClient, ledger: list[dict[str, Any]]) -> None:
    doc = {
        "op": "and",
        "args": [
            {"op": "=", "args": [{"property": "grade"}, "major"]},
            {
                "op": "s_intersects",
                "args": [{"property": "geometry"}, {"bbox": [115.9, 36.4, 116.0, 36.5]}],
            },
        ],
    }
    expected = _expected(ledger, lambda p, g: p["grade"] == "major" and BOX.intersects(g))
    assert await _ids(client, json.dumps(doc), lang="cql2-json") == expected
    geo = {"type": "Polygon", "coordinates": [[[115.9, 36.4], [116.0, 36.4], [116.0, 36.5], [115.9, 36.4]]]}
    doc2 = {"op": "s_intersects", "args": [{"property": "geometry"}, geo]}
    expected = _expected(ledger, lambda p, g: shape(geo).intersects(g))
    assert await _ids(client, json.dumps(doc2), lang="cql2-json") == expected


async def test_filter_with_other_parameters_and_paging(
    client: httpx.AsyncClient, ledger: list[dict[str, Any]]
) -> None:
    cql = "grade IN ('major', 'general')"
    expected = _expected(ledger, lambda p, g: p["grade"] in ("major", "general"))
    assert len(expected) == 4
    r = await client.get(ITEMS, params={"filter": cql, "limit": 2, "crs": "EPSG:4490"})
    body = r.json()
    assert body["numberMatched"] == 4 and [f["id"] for f in body["features"]] == expected[:2]
    nxt = next(link["href"] for link in body["links"] if link["rel"] == "next")
    assert "filter=" in nxt and "crs=EPSG" in nxt
    second = (await client.get(nxt)).json()
    assert [f["id"] for f in second["features"]] == expected[2:]
    prev = next(link["href"] for link in second["links"] if link["rel"] == "prev")
    assert [f["id"] for f in (await client.get(prev)).json()["features"]] == expected[:2]
    # The ledger's own filters and the CQL2 filter are both applied.
    assert await _ids(client, cql, county="371502") == _expected(
        ledger, lambda p, g: p["grade"] in ("major", "general") and p["county"] == "371502"
    )


async def test_other_collections(client: httpx.AsyncClient, ledger: list[dict[str, Any]]) -> None:
    s = await create(client, "segments", segment([(115.95, 36.455), (115.96, 36.456)]))
    r = await client.get(
        "/ogc/collections/segments/items",
        params={"filter": "S_CROSSES(geometry, LINESTRING(115.955 36.45, 115.955 36.46))"},
    )
    assert [f["id"] for f in r.json()["features"]] == [s["id"]]
    r = await client.get(
        "/ogc/collections/jurisdictions/items", params={"filter": "level = 'county' AND name LIKE '东昌%'"}
    )
    assert [f["id"] for f in r.json()["features"]] == ["371502"]
    r = await client.get(
        "/ogc/collections/jurisdictions/items",
        params={"filter": f"level = 'county' AND S_CONTAINS(geometry, POINT({GULOU[0]} {GULOU[1]}))"},
    )
    assert [f["id"] for f in r.json()["features"]] == [ledger[0]["properties"]["county"]]
    r = await client.get("/ogc/collections/roads/items", params={"filter": "length_m < 0", "limit": 1})
    assert r.status_code == 200 and r.json()["numberMatched"] == 0


async def test_queryables(client: httpx.AsyncClient) -> None:
    r = await client.get("/ogc/collections/hazards/queryables")
    assert r.status_code == 200 and r.headers["content-type"] == "application/schema+json"
    doc = r.json()
    assert doc["$id"] == "http://testserver/ogc/collections/hazards/queryables"
    props = doc["properties"]
    assert props["geometry"] == {"title": "位置 Location", "format": "geometry-point"}
    assert props["grade"]["enum"] == ["general", "significant", "major"]
    assert props["deadline"]["format"] == "date" and props["reported_at"]["format"] == "date-time"
    assert props["id"]["type"] == "integer" and props["supervised"]["type"] == "boolean"
    segs = (await client.get("/ogc/collections/segments/queryables")).json()
    assert segs["properties"]["geometry"]["format"] == "geometry-linestring"
    assert (await client.get("/ogc/collections/crashes/queryables")).status_code == 404


@pytest.mark.parametrize(
    ("params", "field", "fragment"),
    [
        ({"filter": "nosuch = 1"}, "filter", "unknown property 'nosuch'"),
        ({"filter": "grade = "}, "filter", "syntax error"),
        ({"filter": "grade = 'a' ;"}, "filter", "syntax error at column 13"),
        ({"filter": "grade = 3"}, "filter", "compares a string with a integer"),
        ({"filter": "id = 'abc'"}, "filter", "compares a integer with a string"),
        ({"filter": "deadline < TIMESTAMP('2026-01-01T00:00:00Z')"}, "filter", "date with a timestamp"),
        ({"filter": "id LIKE '1%'"}, "filter", "LIKE applies to text"),
        ({"filter": "grade BETWEEN 'a' AND 'b'"}, "filter", "BETWEEN compares numbers"),
        ({"filter": "geometry = 1"}, "filter", "does not compare geometries"),
        ({"filter": "S_INTERSECTS(grade, POINT(1 2))"}, "filter", "not a geometry"),
        ({"filter": "id + 1 = 2"}, "filter", "not supported"),
        ({"filter": "{", "filter-lang": "cql2-json"}, "filter", "not JSON"),
        ({"filter": '{"op": "nope", "args": []}', "filter-lang": "cql2-json"}, "filter", "cql2-json"),
        ({"filter": "id = 1", "filter-lang": "ecql"}, "filter-lang", "not supported"),
        ({"filter": "id = 1", "filter-crs": "EPSG:3857"}, "filter-crs", "unsupported CRS"),
    ],
)
async def test_bad_filters(
    client: httpx.AsyncClient, ledger: list[dict[str, Any]], params: dict[str, str], field: str, fragment: str
) -> None:
    r = await client.get(ITEMS, params=params)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    error = r.json()["errors"][0]
    assert error["field"] == field and fragment in error["message"], error


INJECTIONS = [
    "grade = 'major''; DELETE FROM hazards; --'",
    "grade = 'x'' OR ''1''=''1'",
    "\"grade; DROP TABLE hazards\" = 'x'",
    "description LIKE '%'' OR 1=1 --'",
    "grade IN ('major'')) OR true --')",
]


@pytest.mark.parametrize("cql", INJECTIONS)
async def test_injection_is_harmless(
    client: httpx.AsyncClient, ledger: list[dict[str, Any]], engine: Any, cql: str
) -> None:
    r = await client.get(ITEMS, params={"filter": cql})
    # Refused as a filter (the parser takes no quote inside a text, nor such a property): nothing changes.
    assert r.status_code == 400, r.text
    assert r.json()["errors"][0]["field"] == "filter"
    assert (await client.get(ITEMS, params={"limit": 100})).json()["numberMatched"] == len(ledger)


async def test_touches_and_overlaps(client: httpx.AsyncClient, engine: Any) -> None:
    line = [(115.95, 36.45), (115.97, 36.45)]  # along a parallel: the overlaps below are exact
    s = await create(client, "segments", segment(line))
    other = await create(client, "segments", segment([(115.90, 36.47), (115.91, 36.47)]))
    touching = "LINESTRING(115.97 36.45, 115.97 36.46)"
    overlapping = "LINESTRING(115.96 36.45, 115.98 36.45)"
    cases = {
        f"S_TOUCHES(geometry, {touching})": touching,
        f"S_OVERLAPS(geometry, {overlapping})": overlapping,
    }
    for cql, wkt in cases.items():
        literal = shapely.from_wkt(wkt)
        fn = shapely.touches if cql.startswith("S_TOUCHES") else shapely.overlaps
        expected = [f["id"] for f in (s, other) if fn(shape(f["geometry"]), literal)]
        assert expected == [s["id"]]
        r = await client.get("/ogc/collections/segments/items", params={"filter": cql})
        assert [f["id"] for f in r.json()["features"]] == expected
