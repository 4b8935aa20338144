"""Browser tests of the map pages: the real service (uvicorn) on 127.0.0.1, a database of its own cloned
from the harness template, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, Request, async_playwright
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.cluster import Cluster
from app.settings import PROJECT_ROOT
from tests.conftest import TEST_PASSWORD, clone, live_service
from tests.maps import ledger

CHROMIUM = os.environ.get("HAZARDMAP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = PROJECT_ROOT / "var" / "screenshots"
MAPS_DB = "hazardmap_maps"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (make install puts it there)")
        for item in items:
            if "tests/maps" in str(item.fspath):
                item.add_marker(skip)


@dataclass
class MapsDb:
    url: str
    engine: AsyncEngine
    road_ids: dict[str, int]


@pytest.fixture(scope="session")
async def maps_db(cluster: Cluster, template_db: str) -> AsyncIterator[MapsDb]:
    """The service's database for these tests, with the fixture roads (hazards come per test)."""
    url = clone(cluster, template_db, MAPS_DB)
    engine = create_async_engine(url, pool_size=2, max_overflow=2)
    async with engine.begin() as conn:
        road_ids = await ledger.insert_roads(conn)
    yield MapsDb(url, engine, road_ids)
    await engine.dispose()
    cluster.drop_database(MAPS_DB)


@pytest.fixture(scope="session")
def server(maps_db: MapsDb) -> Iterator[str]:
    """uvicorn serving app.main:app on 127.0.0.1 at a free port, over the maps database."""
    with live_service(maps_db.url, "maps") as base:
        yield base


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        await b.close()


@dataclass
class Visit:
    """A browser context on the service, and every request its pages made to anywhere else."""

    context: BrowserContext
    page: Page
    base: str
    outside: list[str] = field(default_factory=list)

    def watch(self, request: Request) -> None:
        if not request.url.startswith(("http://127.0.0.1:", "data:", "blob:")):
            self.outside.append(request.url)

    async def open(self, path: str) -> None:
        await self.page.goto(self.base + path)

    async def screenshot(self, name: str, full_page: bool = False) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        await self.page.screenshot(path=str(path), full_page=full_page)
        return path


async def new_visit(
    browser: Browser, server: str, login: str | None = "t-admin", **context_args: Any
) -> Visit:
    """A new browser context, logged in through the login page as ``login`` (a harness user)."""
    context = await browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **context_args)
    page = await context.new_page()
    visit = Visit(context, page, server)
    context.on("request", visit.watch)
    if login is not None:
        await log_in(page, server, login)
    return visit


async def log_in(page: Page, server: str, login: str, password: str = TEST_PASSWORD) -> None:
    await page.goto(f"{server}/login?next=/healthz")
    await page.fill("input[name=login]", login)
    await page.fill("input[name=password]", password)
    async with page.expect_navigation():
        await page.click("button[type=submit]")
    assert page.url == f"{server}/healthz", page.url


@pytest.fixture
async def visit(browser: Browser, server: str) -> AsyncIterator[Visit]:
    v = await new_visit(browser, server, viewport={"width": 1366, "height": 768})
    yield v
    await v.context.close()
    assert v.outside == [], "a page made requests outside the service"


@pytest.fixture
async def known_ledger(maps_db: MapsDb) -> AsyncIterator[AsyncEngine]:
    engine = maps_db.engine
    async with engine.begin() as conn:
        await ledger.insert_ledger(conn, maps_db.road_ids)
    yield engine
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE hazard_events, hazards, ledger_counters RESTART IDENTITY CASCADE"))


async def wait_ready(page: Page, selector: str = "#hm-map") -> None:
    await page.wait_for_selector(f"{selector}[data-state=ready]", timeout=15_000)
    # markercluster adds its markers in chunks after the data arrived
    await asyncio.sleep(0.3)
