"""GET /api/v1/stats and /api/v1/stats/grid against a known ledger in the real PostGIS."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.stats.schemas import Grid, Stats
from tests.support import ledger
from tests.support.ledger import COUNTY, LEDGER, OTHER_COUNTY


@pytest.fixture
async def known_ledger(engine: AsyncEngine) -> AsyncIterator[dict[str, int]]:
    async with engine.begin() as conn:
        road_ids = await ledger.insert_roads(conn)
        await ledger.insert_ledger(conn, road_ids)
    yield road_ids
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE hazard_events, hazards, ledger_counters RESTART IDENTITY CASCADE"))
        await ledger.delete_roads(conn)


def _headline(unit: dict) -> dict[str, int]:
    return {k: unit[k] for k in ("found", "open", "closed", "rejected", "overdue", "supervised")}


async def test_counts_per_county_and_city(client: httpx.AsyncClient, known_ledger: dict[str, int]) -> None:
    response = await client.get("/api/v1/stats")
    assert response.status_code == 200
    body = response.json()
    Stats.model_validate(body)
    assert body["supervision_tracked"] is True

    counties = {u["code"]: u for u in body["counties"]}
    # Every county and development zone is listed, also those with no hazard.
    assert set(counties) >= {"371502", "371503", "371521", "371522", "371524", "371525", "371526", "371581"}
    assert {"Z371501", "Z371502", "Z371503"} <= set(counties)
    assert (
        _headline(counties[COUNTY])
        == ledger.expected(LEDGER, COUNTY)
        == {
            "found": 17,
            "open": 10,
            "closed": 6,
            "rejected": 1,
            "overdue": 2,
            "supervised": 3,
        }
    )
    assert _headline(counties[OTHER_COUNTY]) == ledger.expected(LEDGER, OTHER_COUNTY)
    assert _headline(body["city"]) == ledger.expected(LEDGER)
    assert _headline(counties["371522"]) == dict.fromkeys(ledger.expected([]), 0)
    assert counties["371522"]["rectification_rate"] is None

    # 整改率 = closed / (found − rejected)
    assert counties[COUNTY]["rectification_rate"] == round(6 / 16, 4)
    assert body["city"]["rectification_rate"] == round(7 / 19, 4)


async def test_breakdowns(client: httpx.AsyncClient, known_ledger: dict[str, int]) -> None:
    body = (await client.get("/api/v1/stats")).json()
    county = next(u for u in body["counties"] if u["code"] == COUNTY)

    groups = county["by_road_group"]
    assert list(groups) == ["expressway", "trunk", "county_township", "rural", "none"]
    assert {g: v["found"] for g, v in groups.items()} == dict(ledger.by_road_group(LEDGER, COUNTY))
    assert groups["expressway"] == {"found": 4, "open": 3, "closed": 1, "overdue": 0}
    assert groups["trunk"] == {"found": 6, "open": 3, "closed": 2, "overdue": 0}
    assert groups["county_township"]["overdue"] == 1
    assert body["city"]["by_road_group"]["none"]["found"] == 5

    assert list(county["by_grade"]) == ["general", "significant", "major"]
    assert {g: v["found"] for g, v in county["by_grade"].items()} == {
        "general": 13,
        "significant": 2,
        "major": 2,
    }

    categories = county["by_category"]
    assert [c["code"] for c in categories] == ["XL01", "SS01", "HJ01", "JC01", "LC02"]
    assert categories[0] == {
        "code": "XL01",
        "name_zh": "急弯",
        "name_en": "sharp curve",
        "found": 8,
        "open": 3,
        "closed": 4,
        "overdue": 1,
    }
    empty = next(u for u in body["counties"] if u["code"] == "371522")
    assert empty["by_category"] == []
    assert empty["by_road_group"]["rural"] == {"found": 0, "open": 0, "closed": 0, "overdue": 0}


async def test_deleted_hazards_are_not_counted(
    client: httpx.AsyncClient, engine: AsyncEngine, known_ledger: dict[str, int]
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE hazards SET deleted_at = now() WHERE county_code = :c AND status = 'closed'"),
            {"c": OTHER_COUNTY},
        )
    body = (await client.get("/api/v1/stats")).json()
    other = next(u for u in body["counties"] if u["code"] == OTHER_COUNTY)
    assert (other["found"], other["closed"]) == (2, 0)


async def test_grid_counts_the_viewport(client: httpx.AsyncClient, known_ledger: dict[str, int]) -> None:
    city_bbox = "115.2,35.7,116.6,37.1"
    response = await client.get("/api/v1/stats/grid", params={"bbox": city_bbox, "cell": 0.5})
    assert response.status_code == 200
    grid = Grid.model_validate(response.json())
    assert grid.total == len(LEDGER)
    assert sum(c.open for c in grid.cells) == ledger.expected(LEDGER)["open"]
    assert sum(c.closed for c in grid.cells) == ledger.expected(LEDGER)["closed"]

    one_county = (
        await client.get(
            "/api/v1/stats/grid",
            params={"bbox": city_bbox, "cell": 0.01, "county": COUNTY, "status": "closed,rejected"},
        )
    ).json()
    assert one_county["total"] == 7
    without_expressways = (
        await client.get(
            "/api/v1/stats/grid",
            params=[
                ("bbox", city_bbox),
                ("county", COUNTY),
                ("road_group", "trunk,county_township"),
                ("road_group", "rural"),
                ("road_group", "none"),
            ],
        )
    ).json()
    assert without_expressways["total"] == 17 - 4


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cell": "0.01"}, "bbox"),
        ({"bbox": "115,35,117,37", "cell": "0.00001"}, "cell"),
        ({"bbox": "115,35,117,37", "cell": "0.0002"}, "cell"),
        ({"bbox": "115,35,117,37", "status": "shut"}, "status"),
        ({"bbox": "115,35,117,37", "road_group": "motorway"}, "road_group"),
        ({"bbox": "115,35,117,37", "visibility": "visible"}, "visibility"),
    ],
)
async def test_grid_refuses_bad_input(client: httpx.AsyncClient, params: dict[str, str], field: str) -> None:
    response = await client.get("/api/v1/stats/grid", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == field


async def test_duplicates_are_neither_found_nor_in_the_rate(
    client: httpx.AsyncClient, engine: AsyncEngine, known_ledger: dict[str, int]
) -> None:
    duplicates = [
        ledger.Row(COUNTY, "TG01", 0.12, "duplicate"),
        ledger.Row(COUNTY, None, 2, "duplicate"),
    ]
    async with engine.begin() as conn:
        await ledger.insert_ledger(conn, known_ledger, duplicates)
    body = (await client.get("/api/v1/stats", params={"weeks": 1})).json()
    county = next(u for u in body["counties"] if u["code"] == COUNTY)
    # As before the two duplicates were recorded: 17 found, 6 of 16 accepted closed.
    assert (county["found"], county["duplicate"], county["open"]) == (17, 2, 10)
    assert county["rectification_rate"] == round(6 / 16, 4)
    assert county["by_road_group"]["expressway"]["found"] == 4
    assert county["weekly"]["found"] == [17]
    assert (body["city"]["found"], body["city"]["duplicate"]) == (20, 2)
    assert body["city"]["rectification_rate"] == round(7 / 19, 4)
