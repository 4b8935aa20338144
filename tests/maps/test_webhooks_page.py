"""The administrator's webhook page: add a subscription, send a test, read the log; zh first, en, a phone."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Dialog, expect
from sqlalchemy import text

from app.notifications.webhooks.formats import verify
from tests.support.browser import MapsDb, new_visit
from tests.webhooks.receiver import Receiver, receiver

SECRET = "page-test-secret"


@pytest.fixture
async def hook(maps_db: MapsDb) -> AsyncIterator[Receiver]:
    with receiver() as r:
        yield r
    async with maps_db.engine.begin() as conn:
        await conn.execute(text("DELETE FROM webhook_subscriptions"))


async def test_add_test_send_and_log(browser: Browser, server: str, hook: Receiver) -> None:
    visit = await new_visit(browser, server, viewport={"width": 1366, "height": 900})
    page = visit.page
    await visit.open("/")  # the workbench leads an administrator there
    await page.locator("#card-admin a[href$='/admin/webhooks']").click()
    await expect(page.locator("h1")).to_have_text("Webhook 推送")
    await expect(page.locator("main")).to_contain_text("尚无订阅。")

    await page.fill("#wh-form input[name=name]", "指挥中心接口")
    await page.select_option("#wh-form select[name=format]", "json")
    await page.fill("#wh-form input[name=url]", hook.url)
    await page.fill("#wh-form input[name=secret]", SECRET)
    await page.locator("#wh-form input[name=counties][value='371502']").check()
    await page.locator("#wh-form button[type=submit]").click()
    await expect(page.locator("#wh-status[data-state=ok]")).to_have_text("已完成。")
    row = page.locator("#wh-subscriptions tbody tr")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("指挥中心接口")
    await expect(row).to_contain_text("东昌府区")
    await expect(row).to_contain_text("已设置")
    assert SECRET not in await page.content()

    await row.locator("button[data-action=test]").click()
    await expect(page.locator("#wh-status[data-state=ok]")).to_have_text("测试消息已送达（HTTP 200）。")
    log = page.locator("#wh-log tbody tr")
    await expect(log).to_have_count(1)
    await expect(log.locator(".wh-state")).to_have_text("已送达")
    [got] = hook.received
    assert verify(SECRET, got.headers["x-hazardmap-signature"], got.body, now=int(time.time()))
    await visit.screenshot("webhooks-admin", full_page=True)

    # A receiver that refuses: the test says so, and the log keeps the error.
    hook.answers = [500]
    await row.locator("button[data-action=test]").click()
    await expect(page.locator("#wh-status[data-state=failed]")).to_have_text(
        "测试消息未送达：HTTP 500: receiver says no"
    )
    await expect(log.first.locator(".wh-state")).to_have_text("失败")
    await expect(log.first.locator(".wh-error")).to_have_text("HTTP 500: receiver says no")

    await row.locator("button[data-action=disable]").click()
    await expect(row.locator("button[data-action=enable]")).to_have_count(1)

    await visit.open("/admin/webhooks?lang=en")
    await expect(page.locator("h1")).to_have_text("Webhooks")
    await expect(page.locator("#wh-log tbody tr").first.locator(".wh-state")).to_have_text("failed")

    page.on("dialog", lambda d: _accept(d))
    await page.locator("#wh-subscriptions button[data-action=delete]").click()
    await expect(page.locator("main")).to_contain_text("No subscriptions yet.")
    await visit.context.close()
    assert visit.outside == []


async def _accept(dialog: Dialog) -> None:
    await dialog.accept()


async def test_a_phone_and_who_may_open_it(browser: Browser, server: str, hook: Receiver) -> None:
    phone = await new_visit(browser, server, viewport={"width": 360, "height": 640})
    await phone.open("/admin/webhooks?lang=zh")
    page = phone.page
    await expect(page.locator("#wh-form")).to_be_visible()
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide on a 360 px phone"
    await phone.screenshot("webhooks-admin-phone", full_page=True)
    await phone.context.close()

    viewer = await new_visit(browser, server, "t-viewer")
    await viewer.open("/admin/webhooks")
    assert await viewer.page.locator("#wh-form").count() == 0
    await viewer.context.close()
