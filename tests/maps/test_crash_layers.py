"""The crash analysis layers of the county map and the wall: accident-prone candidates and crash density."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.async_api import Browser, Request, expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import auth_headers
from tests.support.browser import MapsDb, Visit, new_visit, popup_shown, wait_ready
from tests.support.ledger import COUNTY

pytestmark = pytest.mark.browser

# On the fixture road TX01 (from K1+000 east along 36.44° N): five injury crashes within 80 m make
# an accident-prone point, three fatal ones 200 m apart an accident-prone segment.
POINT_CRASHES = [(3000 + 20 * i, 0, 1) for i in range(5)]
SEGMENT_CRASHES = [(6000 + 200 * i, 1, 0) for i in range(3)]


@pytest.fixture
async def crashes(maps_db: MapsDb, known_ledger: AsyncEngine, server: str) -> AsyncIterator[dict]:
    """The crashes on TX01 and the candidates the detection finds in them (through the API)."""
    when = datetime.now(UTC) - timedelta(days=100)
    async with maps_db.engine.begin() as conn:
        for chainage, deaths, injuries in POINT_CRASHES + SEGMENT_CRASHES:
            await conn.execute(
                text(
                    "INSERT INTO crashes (occurred_at, geom, road_id, chainage_m, snap_distance_m, deaths,"
                    " injuries, procedure) SELECT :at,"
                    " road_point_at(road_measured(r.geom, r.start_chainage_m, r.length_m), :ch),"
                    " r.id, :ch, 0, :deaths, :injuries, 'ordinary' FROM roads r WHERE r.code = 'TX01'"
                ),
                {"at": when, "ch": chainage, "deaths": deaths, "injuries": injuries},
            )
    async with httpx.AsyncClient(base_url=server, timeout=60, headers=auth_headers("admin")) as client:
        run = await client.post("/api/v1/detections", json={})
        assert run.status_code == 200, run.text
        found = (await client.get("/api/v1/detections/candidates")).json()
    yield {f["properties"]["kind"]: f for f in found["features"]}
    async with maps_db.engine.begin() as conn:
        await conn.execute(text("TRUNCATE accident_prone_candidates, crashes RESTART IDENTITY CASCADE"))


async def _switch_on(visit: Visit, layer: str) -> None:
    await visit.page.check(f"input[name=crash_layer][value={layer}]")
    await visit.page.wait_for_selector(f"#hm-map[data-{layer}-state=ready]", timeout=15_000)


async def test_candidates_and_density_on_the_county_map(visit: Visit, crashes: dict, maps_db: MapsDb) -> None:
    assert set(crashes) == {"point", "segment"}
    density_urls: list[str] = []

    def watch(request: Request) -> None:
        if "/crashes/density" in request.url:
            density_urls.append(request.url)

    visit.page.on("request", watch)
    await visit.open(f"/map/{COUNTY}#14/36.44/115.975")
    await wait_ready(visit.page)
    # Off until switched on.
    assert await visit.page.locator(".hm-cand").count() == 0
    assert density_urls == []

    await _switch_on(visit, "candidates")
    await expect(visit.page.locator("path.hm-cand-point")).to_have_count(1)
    await expect(visit.page.locator("path.hm-cand-segment")).to_have_count(1)
    await expect(visit.page.locator("[data-candidate-count]")).to_have_text("(2)")

    await _switch_on(visit, "density")
    async with httpx.AsyncClient(headers=auth_headers("admin")) as client:
        asked = (await client.get(density_urls[-1])).json()
    assert "cell=500" in density_urls[-1]  # some 40 px at zoom 14
    assert asked["cells"] > 0 and asked["crashes"] == len(POINT_CRASHES + SEGMENT_CRASHES)
    await expect(visit.page.locator("path.hm-density-cell")).to_have_count(asked["cells"])
    legend = await visit.page.inner_text("[data-density-legend]")
    assert "每格 500 m 内的事故起数" in legend and f"{asked['max_crashes']} 起" in legend
    await visit.screenshot("map-crash-layers")

    # The point's popup: the evidence, then accept it into the ledger as the officer.
    await visit.page.locator("path.hm-cand-point").click()
    popup = visit.page.locator(".hm-cand-popup")
    await popup.wait_for()
    body = await popup.inner_text()
    p = crashes["point"]["properties"]
    assert "事故易发多发点" in body and "待研判" in body
    assert f"TX01 {p['chainage']}" in body and "5 起" in body
    assert "受伤\n5 人" in body and "死亡\n0 人" in body
    assert "一般程序事故多发" in body
    await popup_shown(visit.page)
    await visit.screenshot("map-candidate-popup")
    await popup.locator("select[name=category]").select_option("XL01")
    await popup.locator("button.hm-cand-accept").click()
    await visit.page.wait_for_selector(".hm-cand-said:has-text('已纳入台账')")
    async with maps_db.engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT c.status, h.ledger_no, h.category_code, h.kind FROM accident_prone_candidates c"
                    " JOIN hazards h ON h.id = c.hazard_id WHERE c.id = :id"
                ),
                {"id": p["id"]},
            )
        ).one()
    assert (row.status, row.category_code, row.kind) == ("accepted", "XL01", "point")
    assert row.ledger_no in await popup.inner_text()
    # Closing the popup reloads the layer: the accepted candidate is no longer awaiting review.
    await visit.page.keyboard.press("Escape")
    await visit.page.locator(".leaflet-popup-close-button").click()
    await expect(visit.page.locator("path.hm-cand-point")).to_have_count(0)
    await expect(visit.page.locator("[data-candidate-count]")).to_have_text("(1)")

    # Switched off, the layers leave the map.
    await visit.page.uncheck("input[name=crash_layer][value=density]")
    await visit.page.uncheck("input[name=crash_layer][value=candidates]")
    assert await visit.page.locator("path.hm-density-cell").count() == 0
    assert await visit.page.locator(".hm-cand").count() == 0


async def test_crash_layers_in_english_and_on_the_wall(browser: Browser, server: str, crashes: dict) -> None:
    wall = await new_visit(browser, server, viewport={"width": 1920, "height": 1080})
    await wall.open("/wall?lang=en&layers=candidates,density")
    await wall.page.wait_for_selector("#wall-map[data-candidates-state=ready][data-density-state=ready]")
    await expect(wall.page.locator("path.hm-cand-segment")).to_have_count(1)
    await expect(wall.page.locator("path.hm-cand-point")).to_have_count(1)
    await expect(wall.page.locator("path.hm-density-cell").first).to_be_attached()
    legend = await wall.page.inner_text(".wall-layers")
    assert "Accident-prone candidates" in legend and "Crash density" in legend and "crashes per" in legend
    await wall.screenshot("wall-crash-layers")
    # The wall shows the evidence, and no decisions.
    await wall.page.locator("path.hm-cand-segment").click(force=True)
    popup = wall.page.locator(".hm-cand-popup")
    await popup.wait_for()
    assert "Accident-prone segment" in await popup.inner_text()
    assert await popup.locator("button").count() == 0
    await wall.page.uncheck("input[name=crash_layer][value=density]")
    assert await wall.page.locator("path.hm-density-cell").count() == 0
    await wall.context.close()
    assert wall.outside == []
