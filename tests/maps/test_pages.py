"""The map pages in a real Chromium against the real service and PostGIS."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support import ledger
from tests.support.accounts import auth_headers
from tests.support.browser import Visit, drawn_until, new_visit, on_map, popup_shown, settle, until
from tests.support.ledger import COUNTY, LEDGER

pytestmark = pytest.mark.browser

FIXTURE = ledger.expected(LEDGER, COUNTY)


async def stats(base: str) -> dict:
    async with httpx.AsyncClient(base_url=base, headers=auth_headers()) as client:
        return (await client.get("/api/v1/stats")).json()


async def test_county_map_shows_the_ledger_open_and_closed(visit: Visit, known_ledger: AsyncEngine) -> None:
    await visit.open(f"/map/{COUNTY}")
    await settle(visit.page)
    drawn = await on_map(visit.page)
    assert drawn == {
        "open": FIXTURE["open"],
        "closed": FIXTURE["closed"],
        "tally_open": FIXTURE["open"],
        "tally_closed": FIXTURE["closed"],
    }
    # the counts panel agrees with the API's statistics (and with the fixture)
    api = next(u for u in (await stats(visit.base))["counties"] if u["code"] == COUNTY)
    panel = await visit.page.eval_on_selector_all(
        ".hm-counts [data-kpi]",
        "nodes => Object.fromEntries(nodes.map(n => [n.dataset.kpi, n.dataset.value]))",
    )
    for key in ("open", "closed", "overdue", "supervised", "found", "rejected"):
        assert panel[key] == str(api[key]) == str(FIXTURE[key]), key
    assert await visit.page.locator("path.hm-seg").count() == 1  # the segment, drawn as a line
    attribution = await visit.page.inner_text(".leaflet-control-attribution")
    assert "Vonng/adcode (CC BY 4.0)" in attribution and "高德地图行政区划" in attribution
    assert "示意路网 schematic road network" in attribution
    await visit.screenshot("map-county-371502")


async def test_popup_names_ledger_number_road_status_and_record(
    visit: Visit, known_ledger: AsyncEngine
) -> None:
    async with known_ledger.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT h.id, h.ledger_no, ST_X(h.geom), ST_Y(h.geom) FROM hazards h JOIN roads r"
                    " ON r.id = h.road_id WHERE r.code = 'TX01' AND h.status = 'reported'"
                )
            )
        ).one()
    await visit.open(f"/map/{COUNTY}")
    await settle(visit.page)
    # zoomed in to street level every pin stands alone
    await visit.page.evaluate("([lat, lon]) => window.hmMap.setView([lat, lon], 17)", [row[3], row[2]])
    await settle(visit.page)
    pin = visit.page.locator(f'.leaflet-marker-icon.hm-pin[title="{row[1]}"]')
    await pin.click()
    popup = visit.page.locator(".hm-popup")
    await popup.wait_for()
    body = await popup.inner_text()
    assert row[1] in body
    assert "SS01 标志缺失" in body and "TX01" in body and "K" in body
    assert "已上报" in body and "超期" in body and "东昌府区" in body
    assert await popup.locator("a").get_attribute("href") == f"/hazards/{row[0]}"  # the record page
    assert "hm-overdue" in (await pin.get_attribute("class") or "")
    await popup_shown(visit.page)
    await visit.screenshot("map-popup")


async def test_road_group_switch_hides_exactly_its_features(visit: Visit, known_ledger: AsyncEngine) -> None:
    await visit.open(f"/map/{COUNTY}")
    await settle(visit.page)
    expressway_roads = visit.page.locator("path.hm-road-expressway")
    assert await expressway_roads.count() > 0

    on_expressway = [r for r in LEDGER if r.county == COUNTY and r.road_group == "expressway"]
    on_trunk = [r for r in LEDGER if r.county == COUNTY and r.road_group == "trunk"]
    await visit.page.uncheck("input[name=road_group][value=expressway]")
    drawn = await drawn_until(
        visit.page,
        {
            "open": FIXTURE["open"] - sum(r.status in ledger.OPEN for r in on_expressway),
            "closed": FIXTURE["closed"] - sum(r.status == "closed" for r in on_expressway),
        },
    )
    assert drawn["tally_open"] == drawn["open"] and drawn["tally_closed"] == drawn["closed"]
    await expect(expressway_roads).to_have_count(0)

    await visit.page.uncheck("input[name=road_group][value=trunk]")
    gone = on_expressway + on_trunk
    await drawn_until(
        visit.page,
        {
            "open": FIXTURE["open"] - sum(r.status in ledger.OPEN for r in gone),
            "closed": FIXTURE["closed"] - sum(r.status == "closed" for r in gone),
        },
    )
    await expect(visit.page.locator("path.hm-seg")).to_have_count(0)  # the segment is on a trunk road
    await visit.screenshot("map-without-expressways-and-trunk-roads")

    await visit.page.check("input[name=road_group][value=expressway]")
    await visit.page.check("input[name=road_group][value=trunk]")
    await drawn_until(visit.page, {"open": FIXTURE["open"], "closed": FIXTURE["closed"]})
    await expect(expressway_roads.first).to_be_attached()


async def test_filters_ask_the_api_again(visit: Visit, known_ledger: AsyncEngine) -> None:
    await visit.open(f"/map/{COUNTY}")
    await settle(visit.page)
    await visit.page.select_option("select[name=status]", "closed")
    await settle(visit.page)
    assert await on_map(visit.page) == {"open": 0, "closed": 6, "tally_open": 0, "tally_closed": 6}
    await visit.page.select_option("select[name=status]", "")
    await visit.page.select_option("select[name=grade]", "major")
    await settle(visit.page)
    assert (await on_map(visit.page))["open"] == 2
    await visit.page.select_option("select[name=grade]", "")
    await visit.page.select_option("select[name=visibility]", "implicit")
    await settle(visit.page)
    implicit = [r for r in LEDGER if r.county == COUNTY and r.visibility == "implicit"]
    assert (await on_map(visit.page))["open"] == sum(r.status in ledger.OPEN for r in implicit)


async def test_city_map_shows_every_county(visit: Visit, known_ledger: AsyncEngine) -> None:
    await visit.open("/map")
    await settle(visit.page)
    city = ledger.expected(LEDGER)
    drawn = await on_map(visit.page)
    assert (drawn["open"], drawn["closed"]) == (city["open"], city["closed"])
    assert await visit.page.locator("#hm-area option").count() == 1 + 11
    await visit.screenshot("map-city")


async def test_english_switch_is_remembered(visit: Visit, known_ledger: AsyncEngine) -> None:
    await visit.open(f"/map/{COUNTY}?lang=en")
    await settle(visit.page)
    assert "hazard map" in await visit.page.inner_text("h1")
    assert await visit.page.get_attribute("html", "lang") == "en"
    await visit.open("/wall")  # no ?lang: the cookie remembers
    assert "wall map" in await visit.page.inner_text("h1")
    await visit.page.click("a.hm-lang")
    assert "挂图作战" in await visit.page.inner_text("h1")


async def test_unknown_county_is_a_page_not_a_crash(visit: Visit) -> None:
    response = await visit.page.goto(visit.base + "/map/999999")
    assert response is not None and response.status == 404
    assert "没有这个县" in await visit.page.inner_text("h1")


async def _wall_tiles(page: Page) -> dict[str, dict[str, str]]:
    tiles: dict[str, dict[str, str]] = await page.eval_on_selector_all(
        ".wall-tile",
        """nodes => Object.fromEntries(nodes.map(n => [n.dataset.unit, Object.fromEntries(
            [...n.querySelectorAll('[data-kpi]')].map(k => [k.dataset.kpi, k.dataset.value ?? '']))]))""",
    )
    return tiles


def _kpis(unit: dict) -> dict[str, str]:
    keys = ("found", "open", "closed", "rectification_rate", "on_time_rate", "overdue", "supervised")
    return {k: "" if unit[k] is None else str(unit[k]) for k in keys}


async def test_wall_tiles_equal_the_api_and_refresh_without_reload(
    browser: Browser, server: str, known_ledger: AsyncEngine
) -> None:
    wall = await new_visit(browser, server, viewport={"width": 1920, "height": 1080})
    page = wall.page
    await wall.open("/wall?refresh=1")
    await page.wait_for_selector("body[data-updated]")
    api = await stats(server)
    tiles = await _wall_tiles(page)
    assert tiles[api["city"]["code"]] == _kpis(api["city"])
    for unit in api["counties"]:
        assert tiles[unit["code"]] == _kpis(unit), unit["name"]
    visible = await page.inner_text(f'.wall-tile[data-unit="{COUNTY}"]')
    assert "东昌府区" in visible and "37.5%" in visible
    await wall.screenshot("wall-1920x1080")

    # A hazard recorded through the API shows on the wall at the next refresh, without a reload.
    await page.evaluate("window.__sameDocument = true")
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [116.0, 36.45]},
        "properties": {"category": "LM01", "description": "路面坑槽"},
    }
    async with httpx.AsyncClient(base_url=server, headers=auth_headers()) as client:
        created = await client.post("/api/v1/hazards", json=feature)
    assert created.status_code == 201, created.text
    found = str(FIXTURE["found"] + 1)
    county_found = f'.wall-tile[data-unit="{COUNTY}"] [data-kpi=found]'

    async def shown() -> bool:
        return await page.get_attribute(county_found, "data-value") == found

    # one refresh period (1 s), the statistics query and the time to draw them
    await until(shown, 3.0, "the new hazard counted on the wall")
    assert await page.evaluate("window.__sameDocument") is True
    city_found = await page.get_attribute(".wall-city [data-kpi=found]", "data-value")
    assert city_found == str(len(LEDGER) + 1)

    # The wall fits the city to the new size and paints its hot spots again (a grid request).
    async with page.expect_response(lambda r: "/stats/grid" in r.url):
        await page.set_viewport_size({"width": 3840, "height": 2160})
    await until(lambda: page.evaluate("window.innerWidth === 3840"), 5.0, "the wall at 3840 px")
    await wall.screenshot("wall-3840x2160")
    await wall.context.close()
    assert wall.outside == []


async def test_wall_rotates_through_the_counties(
    browser: Browser, server: str, known_ledger: AsyncEngine
) -> None:
    wall = await new_visit(browser, server, viewport={"width": 1920, "height": 1080})
    await wall.open("/wall?rotate=1&refresh=30")
    await wall.page.wait_for_selector(".wall-tile.is-focus", timeout=5000)
    first = await wall.page.get_attribute(".wall-tile.is-focus", "data-unit")

    async def moved_on() -> bool:
        return await wall.page.get_attribute(".wall-tile.is-focus", "data-unit") not in (first, None)

    await until(moved_on, 5.0, "the focus moves to the next county")
    await wall.context.close()
    assert wall.outside == []
