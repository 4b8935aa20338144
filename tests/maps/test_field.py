"""The field app in Chromium at 360×640: it opens with no network after one visit, keeps any number of
reports with their photos in its outbox through reloads and browser restarts, and sends each exactly
once when the network returns — asking the officer about a duplicate, and handing back a refusal to fix."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.async_api import (
    Browser,
    BrowserContext,
    FilePayload,
    Page,
    Playwright,
    Route,
    async_playwright,
    expect,
)
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import auth_headers
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, log_in, new_visit
from tests.support.ledger import COUNTY

pytestmark = pytest.mark.browser

OFFICER = "t-officer"  # a county officer of 东昌府区, where the fixture roads lie
PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 640},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
# new_visit sets these itself; the persistent phone needs them said.
PLACE: dict[str, Any] = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
# On the fixture roads (y = 36.47 is TS01, y = 36.44 is TX01), well apart from the fixture hazards.
PLACES = [(36.47, 115.9225), (36.44, 115.9405), (36.47, 115.9575)]


# The origin the phones' permissions are set for (the live server's, known once it runs).
SERVER_ORIGIN: list[str] = []


@pytest.fixture
async def playwright(server: str) -> AsyncIterator[Playwright]:
    SERVER_ORIGIN[:] = [server]
    async with async_playwright() as p:
        yield p


async def phone(p: Playwright, profile: Path, *, offline: bool = False) -> BrowserContext:
    """A phone's browser with a profile on disk: closing it and opening it again keeps the service
    worker, its caches, the IndexedDB outbox and the session cookie, as a phone does.

    Background Sync is refused to the site, as browsers without it do: it follows the machine's real
    connection, which Playwright's offline switch does not cut, so the worker would send the outbox
    while the test says there is no network. The page's own sending (the `online` event, the retry
    timer) is what these tests watch."""
    context = await p.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        offline=offline,
        **PHONE,
        **PLACE,
    )
    page = context.pages[0] if context.pages else await context.new_page()
    cdp = await context.new_cdp_session(page)
    await cdp.send(
        "Browser.setPermission",
        {"permission": {"name": "background-sync"}, "setting": "denied", "origin": SERVER_ORIGIN[0]},
    )
    if offline:
        await context.set_offline(True)
    return context


async def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


async def ready(page: Page) -> None:
    await expect(page.locator("body[data-ready=true]")).to_have_count(1, timeout=15_000)


async def first_visit(context: BrowserContext, server: str) -> Page:
    """Sign in and open /field once online; wait until the service worker controls the page."""
    page = context.pages[0] if context.pages else await context.new_page()
    await log_in(page, server, OFFICER)
    await page.goto(f"{server}/field")
    await ready(page)
    await page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    await page.reload()
    await ready(page)
    assert await page.evaluate("Boolean(navigator.serviceWorker.controller)")
    assert await page.get_attribute("#field-map", "data-area") == "ready"
    return page


def photo(seed: int) -> FilePayload:
    """A small PNG whose bytes differ per seed (the service stores the same bytes once)."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40 * seed % 256, 90, 160)).save(out, format="PNG")
    return {"name": f"现场{seed}.png", "mimeType": "image/png", "buffer": out.getvalue()}


async def report(page: Page, lat: float, lon: float, *, category: str, seed: int | None = None,
                 road: str | None = None, chainage: str | None = None) -> None:  # fmt: skip
    """Pin (lat, lon), fill the form, save: the report goes to the outbox."""
    await page.evaluate("([lat, lon]) => window.hmMap.setView([lat, lon], 17, {animate: false})", [lat, lon])
    box = await page.locator("#field-map").bounding_box()
    assert box is not None
    await page.tap("#field-map", position={"x": box["width"] / 2, "y": box["height"] / 2})
    await expect(page.locator("#field-form")).to_be_visible()
    await page.select_option("#field-form select[name=category]", category)
    await page.locator("#field-form input[name=grade][value=general]").check(force=True)
    await page.fill("#field-form textarea[name=description]", f"现场发现 {category}")
    if road is not None:
        await page.fill("#field-form input[name=road]", road)
    if chainage is not None:
        await page.fill("#field-form input[name=chainage]", chainage)
    if seed is not None:
        await page.set_input_files("#field-form input[name=photos]", [photo(seed)])
        await expect(page.locator("#field-form [data-thumbs] img")).to_have_count(1)
    await page.tap("#field-form [data-submit]")
    await expect(page.locator("#field-form")).to_be_hidden()


async def states(page: Page) -> list[str]:
    return await page.locator("#field-outbox [data-list] li").evaluate_all(
        "(ls) => ls.map((l) => l.dataset.state)"
    )


async def new_hazards(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT h.uid, h.ledger_no, h.county_code, h.status, h.duplicate_of, h.road_id, h.chainage_m,"
                " (SELECT count(*) FROM hazard_photos p WHERE p.hazard_id = h.id) AS photos,"
                " (SELECT count(*) FROM hazard_events e WHERE e.hazard_id = h.id"
                "   AND e.action = 'photo_add') AS photo_events"
                " FROM hazards h WHERE h.description LIKE '现场发现%' ORDER BY h.id"
            )
        )
        return list(rows)


async def test_offline_reports_survive_reload_and_restart_and_are_sent_exactly_once(
    playwright: Playwright, server: str, known_ledger: AsyncEngine, tmp_path: Path
) -> None:
    context = await phone(playwright, tmp_path / "profile")
    page = await first_visit(context, server)

    await context.set_offline(True)
    await expect(page.locator("[data-net]")).to_be_visible()
    for i, (lat, lon) in enumerate(PLACES, start=1):
        await report(page, lat, lon, category="JC01" if i != 2 else "SS01", seed=i)
        await expect(page.locator("[data-pending-count]")).to_have_text(str(i))
    await expect(page.locator("#field-status [data-text]")).to_have_text("已保存在本机，联网后自动上报")
    await shot(page, "field-offline-3-waiting")
    assert await new_hazards(known_ledger) == [], "sent while offline (1)"

    # Reload with no network: the page comes from the service worker, the reports from IndexedDB.
    await page.reload()
    await ready(page)
    await page.tap("[data-action=outbox]")
    assert await states(page) == ["waiting", "waiting", "waiting"]
    await shot(page, "field-offline-outbox")
    assert await new_hazards(known_ledger) == [], "sent while offline (2)"
    await context.close()

    # The browser closed and opened again, still with no network.
    context = await phone(playwright, tmp_path / "profile", offline=True)
    page = context.pages[0] if context.pages else await context.new_page()
    await page.goto(f"{server}/field")
    await ready(page)
    await expect(page.locator("[data-pending-count]")).to_have_text("3")
    assert await page.get_attribute("#field-map", "data-area") == "ready"  # roads drawn from the package
    await page.evaluate("window.hmMap.setView([36.47, 115.94], 16, {animate: false})")
    await shot(page, "field-offline-basemap")
    assert await new_hazards(known_ledger) == []

    posts: list[str] = []
    context.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    await context.set_offline(False)
    await expect(page.locator("body[data-pending='0']")).to_have_count(1, timeout=20_000)

    made = await new_hazards(known_ledger)
    assert len(made) == 3
    assert {row.county_code for row in made} == {COUNTY}
    assert [(row.photos, row.photo_events) for row in made] == [(1, 1)] * 3
    assert len({row.uid for row in made}) == 3
    assert len(posts) == 6  # three hazards, three photos: nothing twice
    await page.tap("[data-action=outbox]")
    listed = await page.locator("#field-outbox [data-list]").inner_text()
    for row in made:
        assert f"台账编号 {row.ledger_no}" in listed
    assert await states(page) == ["sent", "sent", "sent"]
    await shot(page, "field-sent-outbox")
    await context.close()


async def test_a_duplicate_met_on_resend_is_put_to_the_officer(
    playwright: Playwright, server: str, known_ledger: AsyncEngine, tmp_path: Path
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
    context = await phone(playwright, tmp_path / "profile")
    page = await first_visit(context, server)
    await context.set_offline(True)
    await report(page, kept.lat, kept.lon + 0.0001, category="JC01", seed=7)
    await context.set_offline(False)
    await expect(page.locator("#field-outbox [data-list] li[data-state=attention]")).to_have_count(
        1, timeout=15_000
    )
    assert await new_hazards(known_ledger) == []  # the 409 recorded nothing
    await page.tap("[data-action=outbox]")
    item = page.locator("#field-outbox [data-list] li")
    await expect(item).to_contain_text("附近已有同类隐患，请确认")
    await shot(page, "field-outbox-duplicate")
    await item.locator("[data-action=decide]").tap()
    sheet = page.locator("#field-duplicates")
    await expect(sheet).to_be_visible()
    await expect(sheet.locator("[data-list] li")).to_contain_text(kept.ledger_no)
    await sheet.locator("[data-action=dup-merge]").tap()
    await expect(page.locator("body[data-pending='0']")).to_have_count(1, timeout=15_000)
    made = await new_hazards(known_ledger)
    assert [(row.status, row.duplicate_of, row.photos) for row in made] == [("duplicate", kept.id, 1)]
    await context.close()


async def test_a_refused_report_comes_back_to_be_fixed_and_resent(
    playwright: Playwright, server: str, known_ledger: AsyncEngine, tmp_path: Path
) -> None:
    context = await phone(playwright, tmp_path / "profile")
    page = await first_visit(context, server)
    await context.set_offline(True)
    # A 桩号 typed off a milepost that TS01 (K1+000 to about K14+400) does not have.
    await report(page, 36.47, 115.99, category="JC01", road="TS01", chainage="K99+000")
    await context.set_offline(False)
    refused = page.locator("#field-outbox [data-list] li[data-state=attention]")
    await expect(refused).to_have_count(1, timeout=15_000)
    assert await new_hazards(known_ledger) == []
    await page.tap("[data-action=outbox]")
    await expect(refused.locator(".field-report-problem")).to_contain_text("未被接受")
    await shot(page, "field-outbox-refused")
    await refused.locator("[data-action=fix]").tap()
    await expect(page.locator("#field-form")).to_be_visible()
    error = page.locator("#field-form [data-error=chainage]")
    await expect(error).to_be_visible()
    await shot(page, "field-fix-form")
    await page.fill("#field-form input[name=chainage]", "K5+200")
    await page.tap("#field-form [data-submit]")
    await expect(page.locator("body[data-pending='0']")).to_have_count(1, timeout=15_000)
    made = await new_hazards(known_ledger)
    assert len(made) == 1
    assert made[0].chainage_m == pytest.approx(5200, abs=0.5)
    await context.close()


async def test_a_place_written_as_in_a_notice(
    playwright: Playwright, server: str, known_ledger: AsyncEngine, tmp_path: Path
) -> None:
    """Road, 桩号, place and direction typed into the one 桩号 field, the road field left as snapped."""
    context = await phone(playwright, tmp_path / "profile")
    page = await first_visit(context, server)
    # The shipped G309 crosses 东昌府区 from K536+023; the pin's snapped road (TS01) is not sent.
    await report(page, 36.47, 115.99, category="JC01", chainage="G309线K540+000处(下行)")
    await expect(page.locator("body[data-pending='0']")).to_have_count(1, timeout=15_000)
    made = await new_hazards(known_ledger)
    assert len(made) == 1
    assert made[0].chainage_m == pytest.approx(540_000, abs=0.5)
    async with known_ledger.connect() as conn:
        road, direction = (
            await conn.execute(
                text(
                    "SELECT r.code, h.direction FROM hazards h JOIN roads r ON r.id = h.road_id"
                    " WHERE h.uid = :u"
                ),
                {"u": made[0].uid},
            )
        ).one()
    assert (road, direction) == ("G309", 1)
    await context.close()


async def test_two_tabs_send_the_outbox_once(
    playwright: Playwright, server: str, known_ledger: AsyncEngine, tmp_path: Path
) -> None:
    context = await phone(playwright, tmp_path / "profile")
    page = await first_visit(context, server)
    other = await context.new_page()
    await other.goto(f"{server}/field")
    await ready(other)
    await context.set_offline(True)
    await report(page, *PLACES[0], category="JC01", seed=11)
    await report(page, *PLACES[1], category="SS01", seed=12)
    await expect(other.locator("[data-pending-count]")).to_have_text("2")  # the other tab sees the outbox
    posts: list[str] = []
    context.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    await context.set_offline(False)  # both tabs hear `online`, and both try to send
    for p in (page, other):
        await expect(p.locator("body[data-pending='0']")).to_have_count(1, timeout=20_000)
    made = await new_hazards(known_ledger)
    assert [row.photos for row in made] == [1, 1]
    assert len(posts) == 4
    await context.close()


async def test_a_poor_gps_fix_is_not_used_for_the_pin(
    playwright: Playwright, server: str, known_ledger: AsyncEngine, tmp_path: Path
) -> None:
    context = await phone(playwright, tmp_path / "profile")
    page = await first_visit(context, server)
    await page.evaluate("window.hmShowPosition(36.47, 115.95, 900)")
    note = page.locator("#field-accuracy")
    await expect(note).to_have_text("定位精度较差（±900 米，超过 50 米），请在地图上点击标注准确位置")
    await expect(page.locator("#field-pin-here")).to_be_hidden()
    await shot(page, "field-poor-accuracy")
    await page.evaluate("window.hmShowPosition(36.47, 115.95, 12)")
    await expect(note).to_have_text("定位精度 ±12 米")
    await expect(page.locator("#field-pin-here")).to_be_visible()
    # The pin where the officer is, and the road and 桩号 it will snap to before anything is sent.
    await page.tap("#field-pin-here")
    await expect(page.locator("#field-form input[name=road]")).to_have_value("TS01")
    chainage = await page.locator("#field-form input[name=chainage]").input_value()
    assert chainage.startswith("K")
    await expect(page.locator("#field-form [data-snap]")).to_contain_text("将定位到：TS01")
    await shot(page, "field-snap-preview")
    await context.close()


async def test_the_field_app_is_installable(server: str, known_ledger: AsyncEngine) -> None:
    async with httpx.AsyncClient(base_url=server) as client:
        manifest = (await client.get("/field/manifest.webmanifest")).json()
        worker = await client.get("/field/sw.js")
        area = await client.get("/api/v1/field/area", headers=auth_headers("county_officer"))
        agency = await client.get("/api/v1/field/area", headers=auth_headers("agency"))
    assert manifest["start_url"] == "/field" and manifest["display"] == "standalone"
    assert {i["sizes"] for i in manifest["icons"]} == {"192x192", "512x512"}
    assert worker.headers["service-worker-allowed"] == "/field"
    assert worker.headers["content-type"].startswith("text/javascript")
    body = area.json()
    assert {f["properties"]["code"] for f in body["outlines"]} == {COUNTY}
    assert {"TG01", "TS01", "TX01", "TC01"} <= {f["properties"]["code"] for f in body["roads"]}
    assert body["townships"] and all(f["properties"]["county"] == COUNTY for f in body["townships"])
    assert agency.status_code == 403


async def test_an_answer_lost_on_the_way_back_makes_one_hazard(
    browser: Browser, server: str, known_ledger: AsyncEngine
) -> None:
    # No service worker here, so that the test can cut the answer: the outbox does not need one.
    visit = await new_visit(browser, server, OFFICER, service_workers="block", **PHONE)
    page = visit.page
    posts: list[dict[str, Any]] = []

    async def first_answer_lost(route: Route) -> None:
        if route.request.method != "POST":
            await route.continue_()
            return
        posts.append(json.loads(route.request.post_data or "{}"))
        if len(posts) == 1:
            # The server gets the report and records it; the phone never hears back.
            await route.fetch()
            await route.abort("connectionreset")
        else:
            await route.continue_()

    await page.route("**/api/v1/hazards", first_answer_lost)
    await visit.open("/field")
    await ready(page)
    await report(page, *PLACES[0], category="JC01")
    await expect(page.locator("[data-pending-count]")).to_have_text("1")
    await page.tap("[data-action=outbox]")
    # The outbox tries again by itself (or at once, by the officer's button).
    await page.locator("#field-outbox [data-action=send-now]").tap()
    await expect(page.locator("body[data-pending='0']")).to_have_count(1, timeout=30_000)
    assert len(posts) == 2 and posts[0]["properties"]["uid"] == posts[1]["properties"]["uid"]
    made = await new_hazards(known_ledger)
    assert len(made) == 1 and str(made[0].uid) == posts[0]["properties"]["uid"]
    await expect(page.locator("#field-outbox [data-list]")).to_contain_text(f"台账编号 {made[0].ledger_no}")
    await visit.context.close()
    assert visit.outside == []


async def test_a_segment_by_tapping_along_a_road_in_english(
    browser: Browser, server: str, known_ledger: AsyncEngine
) -> None:
    visit = await new_visit(browser, server, OFFICER, service_workers="block", **PHONE)
    page = visit.page
    await visit.open("/field?lang=en")
    await ready(page)
    await page.evaluate("window.hmMap.setView([36.47, 115.975], 15, {animate: false})")
    await page.tap(".field-mode button[data-mode=segment]")
    box = await page.locator("#field-map").bounding_box()
    assert box is not None
    for x in (80, 180, 280):
        await page.tap("#field-map", position={"x": x, "y": box["height"] / 2})
    await expect(page.locator("#field-segment [data-count]")).to_have_text("3 points")
    await page.tap("#field-segment [data-action=done]")
    await page.select_option("#field-form select[name=category]", "JC01")
    await page.locator("#field-form input[name=grade][value=general]").check(force=True)
    await page.fill("#field-form textarea[name=description]", "现场发现 segment")
    await page.tap("#field-form [data-submit]")
    sent = page.locator("#field-outbox [data-list] li[data-state=sent]")
    await expect(sent).to_have_count(1, timeout=15_000)
    async with known_ledger.connect() as conn:
        newest = text("SELECT kind, ST_NPoints(geom) FROM hazards ORDER BY id DESC LIMIT 1")
        assert tuple((await conn.execute(newest)).one()) == ("segment", 3)
    await page.tap("[data-action=outbox]")
    await expect(page.locator("#field-outbox [data-list] li .field-chip")).to_have_text("sent")
    await shot(page, "field-segment-sent-en")
    await visit.context.close()
    assert visit.outside == []


async def test_the_form_chooses_nothing_for_the_officer(
    browser: Browser, server: str, known_ledger: AsyncEngine
) -> None:
    visit = await new_visit(browser, server, OFFICER, service_workers="block", **PHONE)
    page = visit.page
    await visit.open("/field")
    await ready(page)
    await page.evaluate("window.hmMap.setView([36.47, 115.95], 17, {animate: false})")
    box = await page.locator("#field-map").bounding_box()
    assert box is not None
    await page.tap("#field-map", position={"x": box["width"] / 2, "y": box["height"] / 2})
    await page.tap("#field-form [data-submit]")
    await expect(page.locator("#field-form [data-error=category]")).to_have_text("请选择隐患类别")
    await expect(page.locator("#field-form [data-error=grade]")).to_have_text("请选择隐患等级")
    assert await page.get_attribute("#field-form input[name=photos]", "capture") is None
    await shot(page, "field-form-unchosen")
    assert await new_hazards(known_ledger) == []
    await visit.context.close()
