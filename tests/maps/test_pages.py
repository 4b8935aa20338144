"""The map pages in a real Chromium against the real service and PostGIS (issue 3)."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Awaitable, Callable

import httpx
import pytest
from playwright.async_api import Browser, Page, Route
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import auth_headers
from tests.maps import ledger
from tests.maps.conftest import Visit, new_visit, wait_ready
from tests.maps.ledger import COUNTY, LEDGER

pytestmark = pytest.mark.browser

FIXTURE = ledger.expected(LEDGER, COUNTY)


async def on_map(page: Page) -> dict[str, int]:
    """What the map draws, read off the DOM: cluster bubbles' counts, single pins, segment lines."""
    counted: dict[str, int] = await page.evaluate(
        """() => {
            const map = document.getElementById('hm-map');
            const n = (sel) => map.querySelectorAll(sel).length;
            const sum = (sel) => [...map.querySelectorAll(sel)]
                .reduce((a, b) => a + Number(b.textContent), 0);
            const pins = '.leaflet-marker-icon.hm-pin';
            return {
                open: sum('.hm-cluster b.o') + n(pins + '.hm-open') + n('path.hm-seg-open'),
                closed: sum('.hm-cluster b.c') + n(pins + '.hm-closed') + n('path.hm-seg-closed'),
                tally_open: Number(document.getElementById('hm-onmap').dataset.open),
                tally_closed: Number(document.getElementById('hm-onmap').dataset.closed),
            };
        }"""
    )
    return counted


async def until(check: Callable[[], Awaitable[bool]], seconds: float, what: str) -> None:
    """Poll from the test: the pages' CSP forbids the eval that page.wait_for_function needs."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        await asyncio.sleep(0.1)


async def stats(base: str) -> dict:
    async with httpx.AsyncClient(base_url=base, headers=auth_headers()) as client:
        return (await client.get("/api/v1/stats")).json()


async def settle(page: Page) -> None:
    await page.wait_for_load_state("networkidle")
    await wait_ready(page)


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
    assert await popup.locator("a").get_attribute("href") == f"/api/v1/hazards/{row[0]}"
    assert "hm-overdue" in (await pin.get_attribute("class") or "")
    await asyncio.sleep(0.4)  # the popup fades in
    await visit.screenshot("map-popup")


async def test_road_group_switch_hides_exactly_its_features(visit: Visit, known_ledger: AsyncEngine) -> None:
    await visit.open(f"/map/{COUNTY}")
    await settle(visit.page)
    expressway_roads = visit.page.locator("path.hm-road-expressway")
    assert await expressway_roads.count() > 0

    on_expressway = [r for r in LEDGER if r.county == COUNTY and r.road_group == "expressway"]
    on_trunk = [r for r in LEDGER if r.county == COUNTY and r.road_group == "trunk"]
    await visit.page.uncheck("input[name=road_group][value=expressway]")
    await asyncio.sleep(0.5)
    drawn = await on_map(visit.page)
    assert drawn["open"] == FIXTURE["open"] - sum(r.status in ledger.OPEN for r in on_expressway)
    assert drawn["closed"] == FIXTURE["closed"] - sum(r.status == "closed" for r in on_expressway)
    assert drawn["tally_open"] == drawn["open"] and drawn["tally_closed"] == drawn["closed"]
    assert await expressway_roads.count() == 0

    await visit.page.uncheck("input[name=road_group][value=trunk]")
    await asyncio.sleep(0.5)
    gone = on_expressway + on_trunk
    drawn = await on_map(visit.page)
    assert drawn["open"] == FIXTURE["open"] - sum(r.status in ledger.OPEN for r in gone)
    assert drawn["closed"] == FIXTURE["closed"] - sum(r.status == "closed" for r in gone)
    assert await visit.page.locator("path.hm-seg").count() == 0  # the segment is on a trunk road
    await visit.screenshot("map-without-expressways-and-trunk-roads")

    await visit.page.check("input[name=road_group][value=expressway]")
    await visit.page.check("input[name=road_group][value=trunk]")
    await asyncio.sleep(0.5)
    drawn = await on_map(visit.page)
    assert (drawn["open"], drawn["closed"]) == (FIXTURE["open"], FIXTURE["closed"])
    assert await expressway_roads.count() > 0


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

    await page.set_viewport_size({"width": 3840, "height": 2160})
    await asyncio.sleep(1.5)
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


async def test_field_pin_creates_exactly_one_hazard_when_the_post_is_sent_twice(
    browser: Browser, server: str, known_ledger: AsyncEngine
) -> None:
    phone = await new_visit(
        browser,
        server,
        viewport={"width": 360, "height": 640},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": 36.45, "longitude": 116.0},
        permissions=["geolocation"],
    )
    page = phone.page
    posts: list[dict] = []

    async def first_answer_lost(route: Route) -> None:
        if route.request.method != "POST":
            await route.continue_()
            return
        posts.append(json.loads(route.request.post_data or "{}"))
        if len(posts) == 1:
            # The server gets the submission and records it; the phone never hears back.
            await route.fetch()
            await route.abort("connectionreset")
        else:
            await route.continue_()

    await page.route("**/api/v1/hazards", first_answer_lost)
    await phone.open("/field")
    await page.wait_for_selector("#field-map[data-state=ready]")
    await phone.screenshot("field-360x640")
    await page.tap("#field-locate")
    await page.wait_for_selector("path.field-me")
    await asyncio.sleep(0.6)  # the map pans to the position
    box = await page.locator("#field-map").bounding_box()
    assert box is not None
    await page.tap("#field-map", position={"x": box["width"] / 2, "y": box["height"] / 2})
    await page.wait_for_selector("#field-form:not([hidden])")
    await page.select_option("#field-form select[name=category]", "JC01")
    await page.fill("#field-form textarea[name=description]", "路口缺减速带")
    await phone.screenshot("field-form")
    await page.tap("#field-form .field-submit")
    await page.wait_for_selector("#field-status[data-ledger-no]", timeout=10_000)

    assert len(posts) == 2
    uid = posts[0]["properties"]["uid"]
    assert posts[1]["properties"]["uid"] == uid
    uuid.UUID(uid)
    async with known_ledger.connect() as conn:
        same = (
            await conn.execute(text("SELECT count(*) FROM hazards WHERE uid = :u"), {"u": uid})
        ).scalar_one()
        total = (await conn.execute(text("SELECT count(*) FROM hazards"))).scalar_one()
        ledger_no = (
            await conn.execute(text("SELECT ledger_no FROM hazards WHERE uid = :u"), {"u": uid})
        ).scalar()
    assert (same, total) == (1, len(LEDGER) + 1)
    assert await page.get_attribute("#field-status", "data-ledger-no") == ledger_no
    assert await page.locator(".hm-pin.is-new").count() == 1
    assert ledger_no in await page.inner_text("#field-status")
    await phone.screenshot("field-sent")
    await phone.context.close()
    assert phone.outside == []

    # The new hazard is on the county map.
    office = await new_visit(browser, server, viewport={"width": 1366, "height": 768})
    await office.open(f"/map/{COUNTY}")
    await settle(office.page)
    drawn = await on_map(office.page)
    assert (drawn["open"], drawn["closed"]) == (FIXTURE["open"] + 1, FIXTURE["closed"])
    await office.context.close()
    assert office.outside == []


async def test_field_segment_by_tapping_along_a_road(
    browser: Browser, server: str, known_ledger: AsyncEngine
) -> None:
    phone = await new_visit(
        browser, server, viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True
    )
    page = phone.page
    await phone.open("/field")
    await page.wait_for_selector("#field-map[data-state=ready]")
    await page.evaluate("window.hmMap.setView([36.47, 115.975], 15)")
    await asyncio.sleep(0.5)
    await page.tap(".field-mode button[data-mode=segment]")
    box = await page.locator("#field-map").bounding_box()
    assert box is not None
    y = box["height"] / 2
    for x in (80, 180, 280):
        await page.tap("#field-map", position={"x": x, "y": y})
    assert "3" in await page.inner_text("#field-segment [data-count]")
    await page.tap("#field-segment [data-action=done]")
    await page.wait_for_selector("#field-form:not([hidden])")
    await page.tap("#field-form .field-submit")
    await page.wait_for_selector("#field-status[data-ledger-no]", timeout=10_000)
    async with known_ledger.connect() as conn:
        newest = text("SELECT kind, ST_NPoints(geom) FROM hazards ORDER BY id DESC LIMIT 1")
        kinds = (await conn.execute(newest)).one()
    assert tuple(kinds) == ("segment", 3)
    await phone.screenshot("field-segment-sent")
    await phone.context.close()
    assert phone.outside == []


async def _pin_beside(page: Page, lat: float, lon: float, category: str) -> None:
    """Tap the map on (lat, lon) and submit a hazard of ``category`` there."""
    await page.wait_for_selector("#field-map[data-state=ready]")
    await page.evaluate("([lat, lon]) => window.hmMap.setView([lat, lon], 18, {animate: false})", [lat, lon])
    await asyncio.sleep(0.5)
    box = await page.locator("#field-map").bounding_box()
    assert box is not None
    # 24 px (about 12 m at zoom 18) beside the pin already there: a tap on the pin opens its popup.
    await page.tap("#field-map", position={"x": box["width"] / 2 - 24, "y": box["height"] / 2})
    await page.wait_for_selector("#field-form:not([hidden])")
    await page.select_option("#field-form select[name=category]", category)
    await page.tap("#field-form .field-submit")
    await page.wait_for_selector("#field-duplicates:not([hidden])", timeout=10_000)


async def test_field_page_asks_about_nearby_hazards_and_merges(
    browser: Browser, server: str, known_ledger: AsyncEngine
) -> None:
    async with known_ledger.connect() as conn:
        kept = (
            await conn.execute(
                text(
                    "SELECT h.id, h.ledger_no, ST_X(h.geom) AS lon, ST_Y(h.geom) AS lat FROM hazards h"
                    " JOIN roads r ON r.id = h.road_id"
                    " WHERE r.code = 'TS01' AND h.status = 'reported' AND h.category_code = 'JC01'"
                )
            )
        ).one()
        before = (await conn.execute(text("SELECT count(*) FROM hazards"))).scalar_one()
    phone = await new_visit(
        browser, server, viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True
    )
    page = phone.page
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    await phone.open("/field")
    await _pin_beside(page, kept.lat, kept.lon, "JC01")
    sheet = page.locator("#field-duplicates")
    assert "附近 30 米内已有同类隐患" in await sheet.locator("[data-title]").inner_text()
    items = sheet.locator("[data-list] li")
    assert await items.count() == 1
    item = await items.inner_text()
    assert kept.ledger_no in item and "已上报" in item and "TS01" in item
    metres = int(re.search(r"相距 (\d+) 米", item).group(1))  # type: ignore[union-attr]
    assert 8 <= metres <= 16
    assert await sheet.locator("input[name=duplicate_of]:checked").get_attribute("value") == str(kept.id)
    assert await sheet.locator("[data-action=dup-merge]").inner_text() == "合并为重复"
    assert await sheet.locator("[data-action=dup-create]").inner_text() == "仍然上报"
    async with known_ledger.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM hazards"))).scalar_one() == before
    await phone.screenshot("field-duplicates")

    await page.tap("#field-duplicates [data-action=dup-merge]")
    await page.wait_for_selector("#field-status[data-ledger-no]", timeout=10_000)
    async with known_ledger.connect() as conn:
        new = (
            await conn.execute(
                text("SELECT ledger_no, status, duplicate_of FROM hazards ORDER BY id DESC LIMIT 1")
            )
        ).one()
        assert (await conn.execute(text("SELECT count(*) FROM hazards"))).scalar_one() == before + 1
    assert (new.status, new.duplicate_of) == ("duplicate", kept.id)
    assert (
        await page.inner_text("#field-status [data-text]")
        == f"已合并为 {kept.ledger_no} 的重复上报（编号 {new.ledger_no}）"
    )
    assert posts[-1].endswith(f"/api/v1/hazards?on_duplicate=merge&duplicate_of={kept.id}")
    assert await sheet.is_hidden()
    await phone.screenshot("field-duplicate-merged")
    await phone.context.close()
    assert phone.outside == []


async def test_field_page_reports_anyway_in_english(
    browser: Browser, server: str, known_ledger: AsyncEngine
) -> None:
    async with known_ledger.connect() as conn:
        kept = (
            await conn.execute(
                text(
                    "SELECT h.id, ST_X(h.geom) AS lon, ST_Y(h.geom) AS lat FROM hazards h JOIN roads r"
                    " ON r.id = h.road_id WHERE r.code = 'TX01' AND h.status = 'claimed'"
                )
            )
        ).one()
    phone = await new_visit(
        browser, server, viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True
    )
    page = phone.page
    await phone.open("/field?lang=en")
    await _pin_beside(page, kept.lat, kept.lon, "SS01")
    assert "within 30 m" in await page.inner_text("#field-duplicates [data-title]")
    await phone.screenshot("field-duplicates-en")
    await page.tap("#field-duplicates [data-action=dup-create]")
    await page.wait_for_selector("#field-status[data-ledger-no]", timeout=10_000)
    ledger_no = await page.get_attribute("#field-status", "data-ledger-no")
    async with known_ledger.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT status, duplicate_of FROM hazards WHERE ledger_no = :n"), {"n": ledger_no}
            )
        ).one()
    assert tuple(row) == ("reported", None)
    assert await page.inner_text("#field-status [data-text]") == f"Sent: {ledger_no}"
    await phone.context.close()
    assert phone.outside == []
