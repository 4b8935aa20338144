"""The map's filters kept in the address, the export button, keyboard access, cluster badges and the
wall's alarm and stale warning, clicked through in Chromium against the real service and PostGIS."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import geopandas
import httpx
import pytest
from playwright.async_api import Browser, Page, Route, expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support import ledger
from tests.support.accounts import auth_headers
from tests.support.browser import Visit, new_visit, on_map, settle, until, wait_ready
from tests.support.ledger import COUNTY, LEDGER, PAST, TODAY

pytestmark = pytest.mark.browser

MINE = [r for r in LEDGER if r.county == COUNTY]


async def api_features(base: str, collection: str, **params: str) -> list[dict]:
    async with httpx.AsyncClient(base_url=base, headers=auth_headers()) as client:
        r = await client.get(f"/api/v1/{collection}", params={**params, "limit": 1000})
    assert r.status_code == 200, r.text
    features: list[dict] = r.json()["features"]
    return features


async def chosen(page: Page) -> dict[str, str | bool]:
    values: dict[str, str | bool] = await page.eval_on_selector(
        "#hm-filters",
        """form => Object.fromEntries([...form.elements].filter(e => e.name && e.name !== 'lang')
            .map(e => [e.name, e.type === 'checkbox' ? e.checked : e.value]))""",
    )
    return values


async def test_filtered_address_reloads_to_the_same_view(visit: Visit, known_ledger: AsyncEngine) -> None:
    await visit.open(f"/map/{COUNTY}")
    await settle(visit.page)
    await visit.page.select_option("select[name=status]", "open")
    await visit.page.select_option("select[name=category]", "SS01")
    await visit.page.uncheck("input[name=road_group][value=rural]")
    await settle(visit.page)
    url = visit.page.url
    assert "status=open" in url and "category=SS01" in url
    assert "road_group=expressway%2Ctrunk%2Ccounty_township%2Cnone" in url
    expected = [r for r in MINE if r.status in ledger.OPEN and r.category == "SS01" and r.road != "TC01"]
    drawn = await on_map(visit.page)
    assert drawn["open"] == drawn["tally_open"] == len(expected) == 2 and drawn["closed"] == 0
    form = await chosen(visit.page)

    await visit.page.reload()
    await settle(visit.page)
    assert visit.page.url == url
    assert await chosen(visit.page) == form
    assert not await visit.page.is_checked("input[name=road_group][value=rural]")
    assert await on_map(visit.page) == drawn

    # overdue and supervised: a bookmarked address opens on them, counted as the API counts them
    await visit.open(f"/map/{COUNTY}?overdue=true")
    await settle(visit.page)
    overdue = [r for r in MINE if r.status in ledger.OPEN and r.deadline and r.deadline < TODAY]
    assert (await on_map(visit.page))["open"] == len(overdue) == 2
    assert await visit.page.is_checked("input[name=overdue]")
    await visit.page.uncheck("input[name=overdue]")
    await visit.page.check("input[name=supervised]")
    await settle(visit.page)
    assert "supervised=true" in visit.page.url and "overdue" not in visit.page.url
    drawn = await on_map(visit.page)
    supervised = [r for r in MINE if r.supervision]
    assert (drawn["open"], drawn["closed"]) == (
        sum(r.status in ledger.OPEN for r in supervised),
        sum(r.status == "closed" for r in supervised),
    )
    # a reported-date range that ends before anything was reported draws nothing
    await visit.page.fill("input[name=reported_to]", PAST.isoformat())
    await visit.page.dispatch_event("input[name=reported_to]", "change")
    await settle(visit.page)
    assert f"reported_to={PAST.isoformat()}" in visit.page.url
    assert await on_map(visit.page) == {"open": 0, "closed": 0, "tally_open": 0, "tally_closed": 0}
    await visit.page.click("#hm-filter-clear")
    await settle(visit.page)
    assert visit.page.url.split("#")[0] == f"{visit.base}/map/{COUNTY}"


@pytest.mark.parametrize("fmt", ["geojson", "shp", "xlsx"])
async def test_export_button_downloads_exactly_the_filtered_features(
    visit: Visit, known_ledger: AsyncEngine, tmp_path: Path, fmt: str
) -> None:
    await visit.open(f"/map/{COUNTY}")
    await settle(visit.page)
    await visit.page.select_option("select[name=status]", "open")
    await visit.page.check("input[name=supervised]")
    await settle(visit.page)
    link = f".hm-export-link[data-collection=hazards][data-format={fmt}]"
    async with visit.page.expect_download() as info:
        await visit.page.click(link)
    download = await info.value
    path = tmp_path / f"export.{'zip' if fmt == 'shp' else fmt}"
    await download.save_as(path)
    wanted = await api_features(visit.base, "hazards", county=COUNTY, status="open", supervised="true")
    expected = [r for r in MINE if r.kind == "point" and r.status in ledger.OPEN and r.supervision]
    assert len(wanted) == len(expected) == 2
    if fmt == "xlsx":
        import openpyxl

        sheet = openpyxl.load_workbook(path).active
        assert sheet is not None
        assert sheet.max_row == 1 + len(wanted)
        return
    if fmt == "shp":
        with zipfile.ZipFile(path) as z:
            assert any(n.endswith(".shp") for n in z.namelist())
        frame = geopandas.read_file(f"zip://{path}")
    else:
        frame = geopandas.read_file(io.BytesIO(path.read_bytes()))
    assert sorted(frame["ledger_no"]) == sorted(f["properties"]["ledger_no"] for f in wanted)
    assert frame.crs is not None and frame.crs.to_epsg() == 4326


async def test_keyboard_reaches_the_layer_switches_in_few_presses(
    visit: Visit, known_ledger: AsyncEngine
) -> None:
    await visit.open(f"/map/{COUNTY}")
    await settle(visit.page)

    async def focused() -> str:
        name: str = await visit.page.evaluate(
            "() => { const e = document.activeElement;"
            " return `${e.tagName}:${e.name || e.className || ''}`; }"
        )
        return name

    presses = 0
    while await focused() != "INPUT:road_group":
        await visit.page.keyboard.press("Tab")
        presses += 1
        assert presses < 30, "the layer switches are not reached by Tab"
    # skip link, the navigation bar (seven links, an admin's base maps and webhooks, the bell, the search
    # box and its button), area, language, account, the two print links, then the first switch; no marker
    # before them
    assert presses == 19
    # and the skip link gets there in three: Tab, Enter, Tab
    await visit.page.reload()
    await settle(visit.page)
    await visit.page.keyboard.press("Tab")
    assert await focused() == "A:hm-skip"
    await visit.page.keyboard.press("Enter")
    await visit.page.keyboard.press("Tab")
    assert await focused() == "INPUT:road_group"
    # the switch works from the keyboard: Space hides the expressway and its hazards
    await visit.page.keyboard.press("Space")
    await expect(visit.page.locator("path.hm-road-expressway")).to_have_count(0)
    await expect(visit.page).to_have_url(re.compile(r"road_group="))


async def test_clusters_count_the_overdue_and_supervised(visit: Visit, known_ledger: AsyncEngine) -> None:
    await visit.open(f"/map/{COUNTY}")
    await settle(visit.page)
    await visit.page.evaluate("() => window.hmMap.setZoom(9, { animate: false })")
    await settle(visit.page)

    async def badges() -> dict[str, int]:
        found: dict[str, int] = await visit.page.evaluate(
            """() => {
                const map = document.getElementById('hm-map');
                const sum = (attr) => [...map.querySelectorAll(`.hm-cluster [data-${attr}]`)]
                    .reduce((a, n) => a + Number(n.dataset[attr]), 0);
                return {
                    clusters: map.querySelectorAll('.hm-cluster').length,
                    overdue: sum('overdue')
                        + map.querySelectorAll('.leaflet-marker-icon.hm-pin.hm-overdue').length,
                    supervised: sum('supervised')
                        + map.querySelectorAll('.leaflet-marker-icon.hm-pin.hm-supervised').length,
                    badge_overdue: [...map.querySelectorAll('.hm-badges em.ov')]
                        .reduce((a, n) => a + Number(n.textContent.slice(1)), 0),
                };
            }"""
        )
        return found

    counted = await badges()
    points = [r for r in MINE if r.kind == "point" and r.status in {*ledger.OPEN, "closed"}]
    assert counted["clusters"] >= 1
    late = [r for r in points if r.status in ledger.OPEN and r.deadline and r.deadline < TODAY]
    assert counted["overdue"] == len(late)
    assert counted["overdue"] == 2 and counted["badge_overdue"] >= 1
    assert counted["supervised"] == sum(r.supervision is not None for r in points) == 3
    await visit.screenshot("map-clusters-with-overdue-badges")


async def test_wall_alarm_when_a_hazard_becomes_overdue_or_is_listed(
    browser: Browser, server: str, known_ledger: AsyncEngine
) -> None:
    wall = await new_visit(browser, server, viewport={"width": 1920, "height": 1080})
    page = wall.page
    await wall.open("/wall?refresh=1&alarm=600")
    await page.wait_for_selector("body[data-updated]")
    first = await page.get_attribute("body", "data-updated")

    async def refreshed() -> bool:
        return await page.get_attribute("body", "data-updated") != first

    await until(refreshed, 5.0, "a second refresh (the first only takes stock)")
    assert await page.is_hidden("#wall-alarm")

    # one claimed hazard's deadline passes; another is listed for supervision by the commander
    async with known_ledger.begin() as conn:
        late_no, late_id = (
            await conn.execute(
                text(
                    "UPDATE hazards SET deadline = :past WHERE id = (SELECT min(id) FROM hazards"
                    " WHERE status = 'claimed' AND county_code = :county AND deadline >= :today)"
                    " RETURNING ledger_no, id"
                ),
                {"past": PAST, "county": COUNTY, "today": TODAY},
            )
        ).one()
        listed_id, listed_no, version = (
            await conn.execute(
                text(
                    "SELECT id, ledger_no, version FROM hazards WHERE status = 'reported'"
                    " AND supervision_level IS NULL AND kind = 'point' ORDER BY id LIMIT 1"
                )
            )
        ).one()
    async with httpx.AsyncClient(base_url=server, headers=auth_headers("commander")) as client:
        moved = await client.post(
            f"/api/v1/hazards/{listed_id}/transitions",
            json={"action": "list", "level": "city", "reason": "测试挂牌"},
            headers={"If-Match": f'"{version}"'},
        )
    assert moved.status_code == 200, moved.text

    await page.wait_for_selector("#wall-alarm:not([hidden])", timeout=5000)
    items = await page.eval_on_selector_all("#wall-alarm-items li", "nodes => nodes.map(n => n.textContent)")
    assert any(late_no in i and i.startswith("新增超期") for i in items), items
    assert any(listed_no in i and i.startswith("新挂牌督办") for i in items), items
    assert late_id != listed_id
    await wall.screenshot("wall-alarm-1920x1080")
    # it stays over the next refreshes ...
    second = await page.get_attribute("body", "data-updated")

    async def again() -> bool:
        return await page.get_attribute("body", "data-updated") != second

    await until(again, 5.0, "another refresh")
    assert await page.is_visible("#wall-alarm")
    # ... until someone acknowledges it
    await page.click("#wall-alarm-ack")
    assert await page.is_hidden("#wall-alarm")
    await wall.context.close()
    assert wall.outside == []


async def test_wall_stale_warning_appears_when_the_api_fails_and_clears(
    browser: Browser, server: str, known_ledger: AsyncEngine
) -> None:
    wall = await new_visit(browser, server, viewport={"width": 1920, "height": 1080})
    page = wall.page
    await wall.open("/wall?refresh=1")
    await page.wait_for_selector("body[data-updated]")
    assert await page.is_hidden("#wall-stale")

    async def fail(route: Route) -> None:
        await route.fulfill(status=503, body="")

    await page.route("**/api/v1/stats*", fail)
    await page.wait_for_selector("#wall-stale:not([hidden])", timeout=5000)
    banner = await page.text_content("#wall-stale") or ""
    assert banner.startswith("数据未能更新")
    size = await page.eval_on_selector("#wall-stale", "e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 36  # readable across the room at 1080p
    await wall.screenshot("wall-stale-1920x1080")
    await page.unroute("**/api/v1/stats*", fail)
    await page.wait_for_selector("#wall-stale", state="hidden", timeout=5000)
    assert "is-stale" not in (await page.get_attribute("body", "class") or "")
    await wall.context.close()


async def test_filters_mean_the_same_on_list_ledger_export_and_grid(
    server: str, known_ledger: AsyncEngine
) -> None:
    """One filter definition: the same parameters select the same hazards everywhere."""
    cases = [
        {"status": "open", "overdue": "true"},
        {"supervised": "true"},
        {"supervised": "false", "road_group": "none"},
        {"status": "open", "road_group": "trunk,none", "grade": "major"},
        {"reported_from": TODAY.isoformat(), "reported_to": TODAY.isoformat(), "category": "SS01"},
        {"reported_to": PAST.isoformat()},
    ]
    async with httpx.AsyncClient(base_url=server, headers=auth_headers()) as client:
        for params in cases:
            listed = set()
            for collection in ("hazards", "segments"):
                r = await client.get(f"/api/v1/{collection}", params={**params, "limit": 1000})
                assert r.status_code == 200, (params, r.text)
                listed |= {f["properties"]["ledger_no"] for f in r.json()["features"]}
            book = await client.get("/api/v1/ledger", params=params)
            assert book.status_code == 200, book.text
            assert {row["ledger_no"] for row in book.json()["rows"]} == listed, params
            exported = set()
            for collection in ("hazards", "segments"):
                e = await client.get("/api/v1/export", params={**params, "collection": collection})
                assert e.status_code == 200, e.text
                exported |= {f["properties"]["ledger_no"] for f in e.json()["features"]}
            assert exported == listed, params
            grid = await client.get(
                "/api/v1/stats/grid", params={**params, "bbox": "115.3,35.7,116.9,37.1", "cell": "1"}
            )
            assert grid.status_code == 200, grid.text
            assert grid.json()["total"] == len(listed), params
        backwards = {"reported_from": "2026-02-01", "reported_to": "2026-01-01"}
        bad = await client.get("/api/v1/hazards", params=backwards)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "reported_to"
        bad = await client.get("/api/v1/ledger", params={"overdue": "maybe"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "overdue"
        # the pages read their address with the same definition
        for page in (f"/map/{COUNTY}", "/map", f"/ledger/{COUNTY}"):
            bad = await client.get(page, params={"category": "ZZ99"})
            assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "category", page
            bad = await client.get(page, params={"reported_from": "2026-13-01"})
            assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "reported_from", page


async def test_a_county_clicked_on_the_city_map_opens_its_map_with_the_filters(
    visit: Visit, known_ledger: AsyncEngine
) -> None:
    await visit.open("/map?status=open")
    await settle(visit.page)
    async with httpx.AsyncClient(base_url=visit.base, headers=auth_headers()) as client:
        centres = (
            await client.get("/api/v1/jurisdictions", params={"level": "county", "geometry": "centre"})
        ).json()
    guan = next(f for f in centres["features"] if f["properties"]["name"] == "冠县")
    lon, lat = guan["geometry"]["coordinates"]
    # a little off the seat, where the county's name is written
    at = await visit.page.evaluate(
        "([lat, lon]) => { const p = window.hmMap.latLngToContainerPoint([lat, lon]);"
        " const r = document.getElementById('hm-map').getBoundingClientRect();"
        " return [r.left + p.x, r.top + p.y]; }",
        [lat - 0.05, lon],
    )
    async with visit.page.expect_navigation():
        await visit.page.mouse.click(at[0], at[1])
    assert visit.page.url.split("#")[0] == f"{visit.base}/map/{guan['properties']['code']}?status=open"
    await wait_ready(visit.page)
    assert await visit.page.input_value("select[name=status]") == "open"
