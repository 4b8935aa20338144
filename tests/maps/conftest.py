"""Browser tests of the map pages: the real service (uvicorn) on 127.0.0.1, a database of its own cloned
from the harness template, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.cluster import Cluster
from tests.support import ledger
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, MapsDb, Visit, new_visit
from tests.support.databases import clone, empty_ledger
from tests.support.service import live_service

MAPS_DB = "hazardmap_maps"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (make install puts it there)")
        for item in items:
            if "tests/maps" in str(item.fspath):
                item.add_marker(skip)


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
        await empty_ledger(conn)
