"""A command-room screen on a display key: the wall runs without a login; revoked, it says so."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import service
from app.accounts.permissions import Role
from tests.support.browser import MapsDb, new_visit

pytestmark = pytest.mark.browser


async def test_a_screen_on_a_display_key_and_its_revocation(
    browser: Browser, server: str, maps_db: MapsDb
) -> None:
    async with AsyncSession(maps_db.engine) as session, session.begin():
        key, row = await service.create_key(session, "指挥中心大屏（测试）", role=Role.display)
    screen = await new_visit(browser, server, login=None, viewport={"width": 1920, "height": 1080})
    page = screen.page
    await screen.open(f"/wall?display_key={key}&refresh=1&rotate=0")
    # The key left the address bar; the wall shows its figures.
    assert page.url == f"{server}/wall?refresh=1&rotate=0"
    await page.wait_for_selector("body[data-updated]", state="attached")
    assert await page.locator(".hm-account").count() == 0
    await screen.screenshot("wall-display-key")

    async with AsyncSession(maps_db.engine) as session, session.begin():
        await service.revoke_key(session, row.prefix)
    # The next refresh is refused; the page loads again and says why, instead of a login form.
    await page.wait_for_selector('[data-message="display_revoked"]', timeout=15_000)
    assert page.url.startswith(f"{server}/wall")
    assert await page.locator("input[name=password]").count() == 0
    assert "大屏密钥已失效" in await page.inner_text("h1")
    await screen.screenshot("wall-display-key-revoked")
    await screen.context.close()
    assert screen.outside == []
