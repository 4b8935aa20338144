"""The notification centre in a real Chromium: the bell on every page counts what another user's action
told me, the centre lists it newest first and marks one or all read; zh first, English on request; at
1440×900, 360×640 and on a 1920×1080 wall screen."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import TEST_USERS, auth_headers
from tests.support.browser import MapsDb, Visit, new_visit

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)

GULOU = (115.959865, 36.461981)  # 古楼街道, 东昌府区 371502: the officer's county
SIZES: dict[str, ViewportSize] = {
    "wide": {"width": 1440, "height": 900},
    "phone": {"width": 360, "height": 640},
    "wall": {"width": 1920, "height": 1080},
}


@pytest.fixture
async def quiet(maps_db: MapsDb) -> AsyncIterator[AsyncEngine]:
    """No notification nor hazard before or after."""

    async def clear() -> None:
        async with maps_db.engine.begin() as conn:
            await conn.execute(
                text(
                    "TRUNCATE notifications, hazard_events, hazards, ledger_counters RESTART IDENTITY CASCADE"
                )
            )

    await clear()
    yield maps_db.engine
    await clear()


async def new_hazard(server: str) -> dict[str, Any]:
    """A hazard the admin reports in the officer's county: the officer is told."""
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": list(GULOU)},
        "properties": {"category": "JC01", "description": "路口视距不良"},
    }
    async with httpx.AsyncClient(base_url=server, headers=auth_headers("admin")) as client:
        r = await client.post("/api/v1/hazards", json=feature, params={"on_duplicate": "create"})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def as_user(browser: Browser, server: str, role: str, size: str = "wide") -> Visit:
    return await new_visit(browser, server, TEST_USERS[role].login, viewport=SIZES[size])


async def bell_refreshes(page: Page) -> None:
    """What a tab coming back into view does (the minute's refresh does the same)."""
    await page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")


async def read_at(engine: AsyncEngine) -> dict[int, bool]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT hazard_id, read_at IS NOT NULL FROM notifications"))
        return {r[0]: r[1] for r in rows}


async def test_the_bell_counts_another_users_action_and_the_centre_marks_read(
    browser: Browser, server: str, quiet: AsyncEngine
) -> None:
    officer = await as_user(browser, server, "county_officer")
    page = officer.page
    try:
        await officer.open("/todo")
        bell = page.locator(".hm-nav [data-bell]")
        count = bell.locator("[data-unread]")
        await expect(bell).to_have_attribute("aria-label", "通知")
        await expect(count).to_be_hidden()

        first = await new_hazard(server)  # the admin acts: the officer's open page learns of it
        await bell_refreshes(page)
        await expect(count).to_have_text("1")
        await expect(bell).to_have_attribute("aria-label", "通知（1 条未读）")
        second = await new_hazard(server)
        await page.reload()  # drawn with the page, too
        await expect(count).to_have_text("2")

        await bell.click()
        await expect(page).to_have_url(f"{server}/notifications")
        items = page.locator(".nf-item")
        await expect(items).to_have_count(2)
        # Newest first, both unread, each naming its hazard and linking to its record page.
        what = " · 平交路口缺“三必上” · 东昌府区"
        await expect(items.nth(0).locator(".nf-what")).to_have_text(second["properties"]["ledger_no"] + what)
        await expect(items.nth(1).locator(".nf-what")).to_have_text(first["properties"]["ledger_no"] + what)
        await expect(items.nth(0).locator("a[data-open]")).to_have_text("辖区新增隐患")
        await expect(items.nth(0).locator("a[data-open]")).to_have_attribute(
            "href", f"/hazards/{second['id']}"
        )
        await expect(page.locator(".nf-unread")).to_have_count(2)
        await expect(page.locator("#nf-summary")).to_have_text("共 2 条未读")
        await officer.screenshot("notifications-wide")

        # Mark one read: the page and the bell follow, the database has it.
        await items.nth(1).locator("[data-mark]").click()
        await expect(items.nth(1)).not_to_have_class("nf-item nf-created nf-unread")
        await expect(items.nth(1).locator("[data-mark]")).to_have_count(0)
        await expect(count).to_have_text("1")
        await expect(page.locator("#nf-summary")).to_have_text("共 1 条未读")
        assert await read_at(quiet) == {first["id"]: True, second["id"]: False}

        # Opening an unread one marks it read before its record page draws its bell.
        await items.nth(0).locator("a[data-open]").click()
        await expect(page).to_have_url(f"{server}/hazards/{second['id']}")
        await expect(page.locator(".hm-nav [data-bell] [data-unread]")).to_be_hidden()
        assert await read_at(quiet) == {first["id"]: True, second["id"]: True}

        # Mark all read; "unread only" then lists nothing.
        third = await new_hazard(server)
        await officer.open("/notifications?unread=true")
        await expect(page.locator(".nf-item")).to_have_count(1)
        await page.click("#nf-mark-all")
        await expect(page.locator("#nf-status")).to_have_text("已全部标为已读")
        await expect(page.locator(".nf-unread")).to_have_count(0)
        await expect(page.locator(".hm-nav [data-bell] [data-unread]")).to_be_hidden()
        await expect(page.locator("#nf-mark-all")).to_be_disabled()
        assert (await read_at(quiet))[third["id"]] is True
        await page.reload()
        await expect(page.locator(".nf-empty")).to_have_text("没有未读通知。")

        # English on request.
        await officer.open("/notifications?lang=en")
        await expect(page.locator("h1")).to_have_text("Notifications")
        await expect(page.locator(".nf-item a[data-open]").first).to_have_text(
            "New hazard in your jurisdiction"
        )
        await expect(page.locator("#nf-summary")).to_have_text("0 unread")
        await officer.open("/notifications?lang=zh")
    finally:
        await officer.context.close()
    assert officer.outside == []


async def test_the_centre_fits_a_phone_and_a_wall_screen(
    browser: Browser, server: str, quiet: AsyncEngine
) -> None:
    for _ in range(3):
        await new_hazard(server)
    for size in ("phone", "wall"):
        officer = await as_user(browser, server, "county_officer", size)
        page = officer.page
        try:
            await officer.open("/notifications")
            await expect(page.locator(".nf-unread")).to_have_count(3)
            bell = page.locator(".hm-nav [data-bell]")
            await expect(bell.locator("[data-unread]")).to_have_text("3")
            await expect(bell).to_be_in_viewport()
            await expect(page.locator(".nf-item").first.locator("[data-mark]")).to_be_in_viewport()
            # Nothing wider than the screen.
            assert await page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
            await officer.screenshot(f"notifications-{size}")
            await officer.open("/map")  # the bell on a map page, too
            await expect(page.locator(".hm-nav [data-bell] [data-unread]")).to_have_text("3")
            await officer.screenshot(f"notifications-bell-map-{size}")
        finally:
            await officer.context.close()
        assert officer.outside == []


async def test_admins_find_the_base_maps_in_the_navigation(browser: Browser, server: str) -> None:
    admin = await as_user(browser, server, "admin")
    try:
        await admin.open("/")
        await admin.page.click(".hm-nav a[href='/admin/basemaps']")
        await expect(admin.page).to_have_url(f"{server}/admin/basemaps")
    finally:
        await admin.context.close()
    officer = await as_user(browser, server, "county_officer")
    try:
        await officer.open("/")
        await expect(officer.page.locator(".hm-nav [data-bell]")).to_be_visible()
        await expect(officer.page.locator(".hm-nav a[href='/admin/basemaps']")).to_have_count(0)
    finally:
        await officer.context.close()


async def test_a_candidates_link_opens_the_county_map_with_the_candidates_shown(
    browser: Browser, server: str
) -> None:
    officer = await as_user(browser, server, "county_officer")
    try:
        await officer.open("/map/371502?layer=candidates#16/36.46198/115.95987")
        await expect(officer.page.locator("input[name=crash_layer][value=candidates]")).to_be_checked()
        await expect(officer.page.locator("#hm-map")).to_have_attribute("data-candidates-state", "ready")
        await expect(officer.page.locator("input[name=crash_layer][value=density]")).not_to_be_checked()
    finally:
        await officer.context.close()
    assert officer.outside == []
