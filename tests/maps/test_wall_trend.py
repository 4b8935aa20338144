"""The wall's weekly trend chart: inline SVG drawn from the weekly series of GET /api/v1/stats."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, Page
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import auth_headers
from tests.support.browser import new_visit

pytestmark = pytest.mark.browser

SERIES = ("found", "closed", "open", "overdue")


async def drawn(page: Page) -> dict[str, list[int]]:
    lines: dict[str, str] = await page.eval_on_selector_all(
        "#wall-trend-chart polyline",
        "nodes => Object.fromEntries(nodes.map(n => [n.dataset.series, n.dataset.values]))",
    )
    return {k: [int(v) for v in values.split(",")] for k, values in lines.items()}


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_trend_chart_shows_the_city_series(
    browser: Browser, server: str, known_ledger: AsyncEngine, lang: str
) -> None:
    wall = await new_visit(browser, server, viewport={"width": 1920, "height": 1080})
    page = wall.page
    await wall.open(f"/wall?refresh=30&rotate=0&lang={lang}")
    await page.wait_for_selector("#wall-trend-chart polyline")
    async with httpx.AsyncClient(base_url=server, headers=auth_headers("admin")) as client:
        api = (await client.get("/api/v1/stats")).json()
    assert await page.get_attribute("#wall-trend-chart", "data-unit") == api["city"]["code"]
    assert await drawn(page) == {k: api["city"]["weekly"][k] for k in SERIES}
    # the fixture's hazards are all this week's: the last point carries them
    assert api["city"]["weekly"]["found"][-1] > 0
    points = await page.get_attribute("#wall-trend-chart polyline[data-series=found]", "points")
    assert points is not None and len(points.split(" ")) == 12
    labels = await page.eval_on_selector_all(
        ".wall-trend-legend li", "nodes => nodes.map(n => n.textContent.trim())"
    )
    title = await page.text_content("#wall-trend-title")
    if lang == "zh":
        assert labels == ["发现", "已销号", "未销号", "超期"] and title == "近 12 周趋势"
    else:
        assert labels == ["found", "closed", "open", "overdue"] and title == "The last 12 weeks"
    await wall.screenshot(f"wall-trend-{lang}")
    await wall.context.close()
    assert wall.outside == []
