"""The map file to hand over: one HTML file opened from disk in Chromium with every request refused."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Route
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import auth_headers
from tests.support.browser import SCREENSHOTS, Visit
from tests.support.ledger import COUNTY, LEDGER, OPEN

pytestmark = pytest.mark.browser


async def test_map_file_opens_from_disk_without_network(
    browser: Browser, server: str, known_ledger: AsyncEngine, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=server, headers=auth_headers("admin")) as client:
        response = await client.get(f"/api/v1/maps/{COUNTY}.html")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    body = response.text
    # Nothing linked: no script or style sheet is loaded from anywhere.
    assert re.search(r"<(script|link|img)\b[^>]*\b(src|href)=", body) is None
    path = tmp_path / f"map-{COUNTY}.html"
    path.write_text(body, encoding="utf-8")

    context = await browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    attempted: list[str] = []

    async def cut(route: Route) -> None:
        if route.request.url.startswith(("file://", "data:", "about:")):
            await route.continue_()
        else:
            attempted.append(route.request.url)
            await route.abort()

    await context.route("**/*", cut)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        await page.goto(path.as_uri())
        shown = [r for r in LEDGER if r.county == COUNTY and (r.status in OPEN or r.status == "closed")]
        markers = page.locator("path.hm-hazard")
        await markers.first.wait_for(state="attached")
        assert await markers.count() == len(shown) == 16
        assert await page.locator("path.hm-hazard.hm-open").count() == sum(r.status in OPEN for r in shown)
        assert await page.locator("path.hm-hazard.hm-overdue").count() == 2
        assert await page.text_content("#hm-shown") == "16"
        counts = await page.text_content(".hm-counts") or ""
        assert "发现 17" in counts and "未销号 10" in counts and "挂牌督办 3" in counts
        # A popup opens with the hazard's ledger number.
        await page.locator("path.hm-hazard.hm-closed").first.click(force=True)
        popup = page.locator(".leaflet-popup-content")
        await popup.wait_for()
        assert "隐患编号" in (await popup.text_content() or "")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / "map-file-371502.png"))
    finally:
        await context.close()
    assert attempted == []
    assert errors == []


@pytest.mark.parametrize(("path", "code"), [(f"/map/{COUNTY}", COUNTY), ("/map", "371500")])
async def test_map_pages_link_the_wall_map_and_the_map_file(visit: Visit, path: str, code: str) -> None:
    await visit.open(path)
    poster = await visit.page.get_attribute("#hm-poster", "href")
    map_file = await visit.page.get_attribute("#hm-map-file", "href")
    assert poster == f"/api/v1/posters/{code}.pdf?size=A1"
    assert map_file == f"/api/v1/maps/{code}.html"
    assert await visit.page.text_content("#hm-poster") == "打印挂图（A1 PDF）"
    # The page's own session opens them.
    response = await visit.page.request.get(visit.base + map_file)
    assert response.status == 200 and "text/html" in response.headers["content-type"]
