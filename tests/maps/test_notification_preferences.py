"""The notification settings page in a browser, at phone width: choices and the address saved through
the API, a refused address shown, Chinese first and English on request."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy import text

from app.notifications.events import Event
from app.notifications.preferences import Channel, default
from tests.support.browser import MapsDb, new_visit

PHONE = {"width": 360, "height": 640}


@pytest.fixture
async def clean_preferences(maps_db: MapsDb) -> AsyncIterator[None]:
    yield
    async with maps_db.engine.begin() as conn:
        await conn.execute(text("DELETE FROM notification_preferences"))
        await conn.execute(text("UPDATE users SET email = NULL"))


async def test_choices_and_address_are_saved_at_phone_width(
    browser: Browser, server: str, maps_db: MapsDb, clean_preferences: None
) -> None:
    visit = await new_visit(browser, server, "t-officer", viewport=PHONE)
    page = visit.page
    await visit.open("/notifications/preferences")
    await expect(page.locator("#np-form[data-state=ready]")).to_have_count(1)
    await expect(page.locator("h1")).to_have_text("通知设置")
    await expect(page.locator(".np-table tbody tr")).to_have_count(len(Event))
    # Without a mail server the page says so; the choices are kept all the same.
    await expect(page.locator(".np-off")).to_contain_text("尚未配置邮件服务器")
    created_digest = page.locator("input[name='created:digest']")
    await expect(created_digest).to_be_checked()
    await expect(page.locator("input[name='created:email']")).not_to_be_checked()
    await expect(page.locator("input[name='rectified:email']")).to_be_checked()
    # Nothing wider than the phone: no sideways scrolling.
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width

    await page.fill("#np-email", "not an address")
    await page.locator("#np-form button[type=submit]").click()
    await expect(page.locator("#np-status[data-state=failed]")).to_contain_text("email")

    await page.fill("#np-email", "officer@jj.example.cn")
    await created_digest.uncheck()
    await page.locator("#np-form button[type=submit]").click()
    await expect(page.locator("#np-status[data-state=saved]")).to_have_text("已保存。")
    await visit.screenshot("notification-preferences-phone", full_page=True)

    await page.reload()
    await expect(page.locator("#np-email")).to_have_value("officer@jj.example.cn")
    await expect(page.locator("input[name='created:digest']")).not_to_be_checked()
    async with maps_db.engine.connect() as conn:
        stored = (
            await conn.execute(text("SELECT event, channel, enabled FROM notification_preferences"))
        ).all()
    # The page sends every box as shown: the defaults, and the one changed.
    expected = {(e.value, c.value): default(e, c) for e in Event for c in Channel}
    expected[("created", "digest")] = False
    assert {(r.event, r.channel): r.enabled for r in stored} == expected

    await visit.open("/notifications/preferences?lang=en")
    await expect(page.locator("h1")).to_have_text("Notification settings")
    await expect(page.locator(".np-table thead")).to_contain_text("Daily digest")
    await visit.screenshot("notification-preferences-phone-en", full_page=True)
    await visit.context.close()
    assert visit.outside == []
