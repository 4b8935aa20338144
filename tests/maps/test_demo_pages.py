"""The pages over the demo data set (a year of work through the workflow), as a county would see them:
screenshots at 1440×900, 360×640 and, for the wall, 1920×1080; the wall's trend by reported and
closed dates; the cluster badges at city zoom."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from playwright.async_api import Browser
from sqlalchemy.ext.asyncio import create_async_engine

from app.cluster import Cluster
from app.demo.loader import load_demo
from tests.support.accounts import auth_headers
from tests.support.browser import Visit, new_visit, settle
from tests.support.databases import clone
from tests.support.service import live_service

pytestmark = pytest.mark.browser

DEMO_DB = f"hazardmap_maps_demo_{os.getpid()}"
SIZES = {"1440x900": {"width": 1440, "height": 900}, "360x640": {"width": 360, "height": 640}}


@pytest.fixture(scope="module")
async def demo_url(cluster: Cluster, template_db: str) -> AsyncIterator[str]:
    url = clone(cluster, template_db, DEMO_DB)
    engine = create_async_engine(url)
    started = time.monotonic()
    async with engine.begin() as conn:
        report = await load_demo(conn)
    print(f"demo load: {report.total} rows in {time.monotonic() - started:.1f} s")
    await engine.dispose()
    yield url
    cluster.drop_database(DEMO_DB)


@pytest.fixture(scope="module")
def demo_server(demo_url: str) -> Iterator[str]:
    with live_service(demo_url, "maps-demo") as base:
        yield base


async def test_weekly_trend_counts_reports_and_close_outs_by_their_dates(demo_server: str) -> None:
    async with httpx.AsyncClient(base_url=demo_server, headers=auth_headers()) as client:
        body = (await client.get("/api/v1/stats", params={"weeks": 12})).json()
    weekly = body["city"]["weekly"]
    # found and closed spread over the weeks, not all in the week of the load
    assert sum(1 for n in weekly["found"] if n > 0) >= 9
    assert sum(1 for n in weekly["closed"] if n > 0) >= 6
    assert weekly["found"][-1] < sum(weekly["found"]) / 3
    assert body["city"]["closed"] > 100 and body["city"]["on_time_rate"] is not None


@pytest.mark.parametrize("size", SIZES)
async def test_screenshots(browser: Browser, demo_server: str, size: str) -> None:
    visit: Visit = await new_visit(browser, demo_server, viewport=SIZES[size])
    page = visit.page
    await visit.open("/map")
    await settle(page)
    await visit.screenshot(f"demo-map-city-{size}")
    if size == "360x640":
        await visit.screenshot(f"demo-map-city-{size}-full", full_page=True)
    await visit.open("/map/371502?status=open")
    await settle(page)
    await visit.screenshot(f"demo-map-county-open-{size}")
    await visit.open("/map/371502?overdue=true&lang=en")
    await settle(page)
    await visit.screenshot(f"demo-map-county-overdue-en-{size}")
    await visit.open("/ledger/371502?status=closed")
    await page.wait_for_selector("body[data-state=ready]")
    await visit.screenshot(f"demo-ledger-closed-{size}")
    await visit.context.close()
    assert visit.outside == []


async def test_wall_screenshot(browser: Browser, demo_server: str) -> None:
    wall = await new_visit(browser, demo_server, viewport={"width": 1920, "height": 1080})
    await wall.open("/wall")
    await wall.page.wait_for_selector("body[data-updated]")
    await wall.page.wait_for_selector("#wall-trend-chart polyline")
    await wall.screenshot("demo-wall-1920x1080")
    await wall.context.close()
    assert wall.outside == []
