"""GET /api/v1/hazards and /segments: filters, paging, links, and what a feature says."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.hazards.schemas import HazardPointCollection, HazardSegmentCollection
from app.settings import get_settings
from tests.support.hazards import BOJIQIAO, GULOU, LIUYUAN, YANTA, create, point, segment

API = "/api/v1"


async def _ids(client: httpx.AsyncClient, path: str = "hazards", **params: Any) -> list[int]:
    r = await client.get(f"{API}/{path}", params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["numberReturned"] == len(body["features"])
    return [f["id"] for f in body["features"]]


@pytest.fixture
async def ledger(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    """Six points and two segments in three counties; one point deleted.

    id county  status     category grade        kind
     1 371502  reported   JC01     general      point
     2 371502  claimed    XL01     significant  point
     3 371502  closed     HJ02     major        point   (HJ02 is implicit)
     4 371521  reported   JC01     general      point
     5 371521  claimed    JC01     general      point
     6 371522  reported   JC01     general      point   deleted
     7 371502  reported   XL04     general      segment
     8 371521  reported   XL04     general      segment
    """
    await create(client, "hazards", point(GULOU))
    await create(client, "hazards", point(LIUYUAN, category="XL01", grade="significant"))
    await create(client, "hazards", point(GULOU, category="HJ02", grade="major"))
    await create(client, "hazards", point(BOJIQIAO))
    await create(client, "hazards", point(BOJIQIAO))
    await create(client, "hazards", point(YANTA))
    await create(client, "segments", segment([(115.955, 36.462), (115.965, 36.462)]))
    await create(client, "segments", segment([(115.78, 36.10), (115.79, 36.11)]))
    # Straight into the states: the workflow that walks a hazard there is tested in tests/workflow.
    async with engine.begin() as conn:
        for hazard_id, status in ((2, "claimed"), (3, "closed"), (5, "claimed")):
            await conn.execute(
                text("UPDATE hazards SET status = :s WHERE id = :id"), {"s": status, "id": hazard_id}
            )
    r = await client.delete(f"{API}/hazards/6", headers={"If-Match": '"1"'})
    assert r.status_code == 204


async def test_collection(client: httpx.AsyncClient, ledger: None) -> None:
    r = await client.get(f"{API}/hazards")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/geo+json"
    body = r.json()
    HazardPointCollection.model_validate(body)
    assert body["type"] == "FeatureCollection"
    assert (body["numberMatched"], body["numberReturned"]) == (5, 5)
    assert [f["id"] for f in body["features"]] == [1, 2, 3, 4, 5]  # by id, without the deleted one
    assert body["links"] == [
        {
            "href": "http://testserver/api/v1/hazards",
            "rel": "self",
            "type": "application/geo+json",
            "title": "this page",
        }
    ]
    stamp = datetime.fromisoformat(body["timeStamp"])
    assert abs((datetime.now(UTC) - stamp).total_seconds()) < 60

    segments = (await client.get(f"{API}/segments")).json()
    HazardSegmentCollection.model_validate(segments)
    assert [f["id"] for f in segments["features"]] == [7, 8]
    assert {f["properties"]["kind"] for f in segments["features"]} == {"segment"}


async def test_counts_per_county(client: httpx.AsyncClient, ledger: None) -> None:
    counts = {}
    for county in ("371502", "371521", "371522", "371581"):
        body = (await client.get(f"{API}/hazards", params={"county": county})).json()
        counts[county] = body["numberMatched"]
    assert counts == {"371502": 3, "371521": 2, "371522": 0, "371581": 0}
    assert await _ids(client, county="371502,371521") == [1, 2, 3, 4, 5]
    assert await _ids(client, "segments", county="371521") == [8]


async def test_filters(client: httpx.AsyncClient, ledger: None) -> None:
    assert await _ids(client, status="claimed") == [2, 5]
    assert await _ids(client, status="claimed,closed") == [2, 3, 5]
    # Repeated and comma-separated mix.
    r = await client.get(f"{API}/hazards", params=[("status", "claimed"), ("status", "closed,reported")])
    assert [f["id"] for f in r.json()["features"]] == [1, 2, 3, 4, 5]
    assert await _ids(client, category="JC01") == [1, 4, 5]
    assert await _ids(client, category="XL01,HJ02") == [2, 3]
    assert await _ids(client, visibility="implicit") == [3]
    assert await _ids(client, grade="significant,major") == [2, 3]
    assert await _ids(client, county="371502", status="reported") == [1]
    assert await _ids(client, township="371502002") == [2]
    assert await _ids(client, "segments", status="reported", county="371502") == [7]


async def test_bbox(client: httpx.AsyncClient, ledger: None) -> None:
    around_gulou = "115.95,36.45,115.97,36.47"
    assert await _ids(client, bbox=around_gulou) == [1, 3]
    assert await _ids(client, "segments", bbox=around_gulou) == [7]
    assert await _ids(client, bbox="116.3,36.0,116.4,36.1") == []
    # A box around the whole city is listed with the other statement shape (two scans).
    whole = (await client.get(f"{API}/hazards", params={"bbox": "115,35.5,117,37.5", "limit": 2})).json()
    assert (whole["numberMatched"], [f["id"] for f in whole["features"]]) == (5, [1, 2])
    assert await _ids(client, "segments", bbox="115.9,36.0,116.5,36.5") == [7]


async def test_bbox_leaves_out_a_line_that_only_its_box_touches(client: httpx.AsyncClient) -> None:
    await create(client, "segments", segment([(115.90, 36.40), (116.00, 36.50)]))
    # The top-left corner of the line's bounding box: the line passes 0.08° below it.
    assert await _ids(client, "segments", bbox="115.90,36.48,115.92,36.50") == []
    assert await _ids(client, "segments", bbox="115.94,36.43,115.96,36.45") == [1]


async def test_updated_since(client: httpx.AsyncClient, ledger: None, engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        # Back-date the rows without the triggers (which would set updated_at to now).
        await conn.execute(text("SET LOCAL session_replication_role = replica"))
        await conn.execute(
            text("UPDATE hazards SET updated_at = '2026-01-01T00:00:00Z' WHERE id IN (1, 2, 3)")
        )
        await conn.execute(text("UPDATE hazards SET updated_at = '2026-02-01T00:00:00Z' WHERE id IN (4, 5)"))
    assert await _ids(client, updated_since="2026-01-15T00:00:00Z") == [4, 5]
    assert await _ids(client, updated_since="2026-02-01T00:00:00Z") == [4, 5]  # at or after
    # Without an offset: Beijing time; 2026-02-01T08:00 Beijing is the same instant.
    assert await _ids(client, updated_since="2026-02-01T08:00:00") == [4, 5]
    assert await _ids(client, updated_since="2026-02-01T08:00:01") == []
    assert await _ids(client, updated_since="2025-12-31") == [1, 2, 3, 4, 5]


async def test_paging_and_links(client: httpx.AsyncClient, ledger: None) -> None:
    first = (await client.get(f"{API}/hazards", params={"status": "reported,claimed", "limit": 2})).json()
    assert (first["numberMatched"], first["numberReturned"]) == (4, 2)
    assert [f["id"] for f in first["features"]] == [1, 2]
    assert {link["rel"]: link["href"] for link in first["links"]} == {
        "self": "http://testserver/api/v1/hazards?status=reported%2Cclaimed&limit=2",
        "next": "http://testserver/api/v1/hazards?status=reported%2Cclaimed&limit=2&offset=2",
    }
    second = (await client.get(first["links"][1]["href"])).json()
    assert [f["id"] for f in second["features"]] == [4, 5]
    assert {link["rel"]: link["href"] for link in second["links"]} == {
        "self": "http://testserver/api/v1/hazards?status=reported%2Cclaimed&limit=2&offset=2",
        "prev": "http://testserver/api/v1/hazards?status=reported%2Cclaimed&limit=2&offset=0",
    }
    beyond = (await client.get(f"{API}/hazards", params={"limit": 2, "offset": 10})).json()
    assert (beyond["numberMatched"], beyond["numberReturned"], beyond["features"]) == (5, 0, [])
    count_only = (await client.get(f"{API}/hazards", params={"limit": 0})).json()
    assert (count_only["numberMatched"], count_only["features"]) == (5, [])
    assert [link["rel"] for link in count_only["links"]] == ["self"]


async def test_repeated_filters_are_kept_in_links(client: httpx.AsyncClient, ledger: None) -> None:
    r = await client.get(
        f"{API}/hazards", params=[("county", "371502"), ("county", "371521"), ("limit", "1")]
    )
    links = {link["rel"]: link["href"] for link in r.json()["links"]}
    assert links["next"] == "http://testserver/api/v1/hazards?county=371502&county=371521&limit=1&offset=1"


async def test_default_limit_and_public_url(
    client: httpx.AsyncClient, ledger: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "page_limit_default", 3)
    monkeypatch.setattr(settings, "public_url", "https://hazards.example.cn/map/")
    body = (await client.get(f"{API}/hazards")).json()
    assert body["numberReturned"] == 3
    assert {link["rel"]: link["href"] for link in body["links"]} == {
        "self": "https://hazards.example.cn/map/api/v1/hazards",
        "next": "https://hazards.example.cn/map/api/v1/hazards?limit=3&offset=3",
    }


async def test_road_filters_and_chainage(
    client: httpx.AsyncClient, api_roads: dict[str, int], engine: AsyncEngine
) -> None:
    on_trunk = await create(client, "hazards", point((115.96, 36.46)))
    on_village_road = await create(client, "hazards", point((115.97, 36.4233)))
    nowhere = await create(client, "hazards", point((115.62, 36.40)))  # 1.09 km from any road
    seg = await create(client, "segments", segment([(115.955, 36.46), (115.962, 36.46)]))
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE hazards SET road_id = :r, chainage_m = 516600.4, direction = 2 WHERE id = :id"),
            {"r": api_roads["G9309"], "id": on_trunk["id"]},
        )
        await conn.execute(
            text("UPDATE hazards SET road_id = :r, chainage_m = 15 WHERE id = :id"),
            {"r": api_roads["Y9001"], "id": on_village_road["id"]},
        )
        await conn.execute(
            text(
                "UPDATE hazards SET road_id = :r, chainage_m = 516600, end_chainage_m = 517200 WHERE id = :id"
            ),
            {"r": api_roads["G9309"], "id": seg["id"]},
        )

    assert await _ids(client, road_group="trunk") == [on_trunk["id"]]
    assert await _ids(client, road_group="county_township") == [on_village_road["id"]]
    assert await _ids(client, road_group="trunk,county_township") == [on_trunk["id"], on_village_road["id"]]
    assert await _ids(client, road_group="expressway") == []
    assert await _ids(client, road="G9309") == [on_trunk["id"]]
    assert await _ids(client, "segments", road="G9309") == [seg["id"]]
    assert nowhere["id"] not in await _ids(client, road_group="trunk,county_township,rural,expressway")

    props = (await client.get(f"{API}/hazards/{on_trunk['id']}")).json()["properties"]
    assert {
        k: props[k] for k in ("road_code", "road_name", "road_group", "chainage_m", "chainage", "direction")
    } == {
        "road_code": "G9309",
        "road_name": "测试国道",
        "road_group": "trunk",
        "chainage_m": 516600.4,
        "chainage": "K516+600",
        "direction": 2,
    }
    village = (await client.get(f"{API}/hazards/{on_village_road['id']}")).json()["properties"]
    assert (village["road_group"], village["chainage"]) == ("county_township", "K0+015")
    seg_props = (await client.get(f"{API}/segments/{seg['id']}")).json()["properties"]
    assert (seg_props["chainage"], seg_props["end_chainage_m"]) == ("K516+600-K517+200", 517200)


async def test_unknown_filter_values(client: httpx.AsyncClient) -> None:
    r = await client.get(f"{API}/hazards", params={"county": "371599"})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"] == [
        {
            "field": "county",
            "message": "unknown county code 371599; expected one of: "
            "371502, 371503, 371521, 371522, 371524, 371525, 371526, 371581",
        }
    ]
    cases = {
        "status": (
            "shut",
            "unknown value 'shut'; expected one of: open, reported, claimed, rectifying, rectified, "
            "closed, rejected, duplicate",
        ),
        "road_group": (
            "highway",
            "unknown value 'highway'; expected one of: expressway, trunk, county_township, rural, none",
        ),
        "visibility": ("visible", "unknown value 'visible'; expected one of: explicit, implicit"),
        "grade": ("urgent", "unknown value 'urgent'; expected one of: general, significant, major"),
        "township": ("371502999", "unknown township code 371502999"),
        "category": ("ZZ99", "unknown category ZZ99"),
        "road": ("G9999", "unknown road code G9999"),
    }
    for name, (value, message) in cases.items():
        r = await client.get(f"{API}/hazards", params={name: value})
        assert r.status_code == 422, name
        assert r.json()["errors"] == [{"field": name, "message": message}], name
    both = await client.get(f"{API}/hazards", params={"county": "1", "category": "ZZ99"})
    assert [e["field"] for e in both.json()["errors"]] == ["county", "category"]


async def test_bad_paging_and_bbox(client: httpx.AsyncClient) -> None:
    max_limit = get_settings().page_limit_max
    cases = {
        ("limit", str(max_limit + 1)): "limit",
        ("limit", "-1"): "limit",
        ("limit", "ten"): "limit",
        ("offset", "-5"): "offset",
        ("bbox", "1,2,3"): "bbox",
        ("bbox", "116,36,115,37"): "bbox",
        ("bbox", "nan,36,116,37"): "bbox",
        ("updated_since", "yesterday"): "updated_since",
    }
    for (name, value), field in cases.items():
        r = await client.get(f"{API}/hazards", params={name: value})
        assert r.status_code == 422, (name, value)
        assert [e["field"] for e in r.json()["errors"]] == [field], (name, value)
    ok = await client.get(f"{API}/hazards", params={"limit": max_limit})
    assert ok.status_code == 200


def test_statement_shapes() -> None:
    from app.hazards import repository
    from app.hazards.schemas import HazardFilter

    box, _ = repository._where("point", HazardFilter(bbox=(115.9, 36.4, 116.0, 36.5)))
    county, _ = repository._where("point", HazardFilter(county=["371502"]))
    assert "matched AS MATERIALIZED" in repository._list_sql(box)  # found once, counted, cut
    assert "matched AS MATERIALIZED" not in repository._list_sql(box, broad=True)
    assert "matched AS MATERIALIZED" not in repository._list_sql(county)
