"""The test harness: a private PostGIS cluster (var/pg-test, port 54339), never the demo one.

Session start: create the cluster, a template database migrated by Alembic with the shipped
geodata loaded, and the test database cloned from it. Each test gets the hazard tables emptied
afterwards. Tests that change the geodata or the schema take a database of their own
(``isolated_db``). At the end everything is dropped and the cluster removed, unless
HAZARDMAP_KEEP_TEST_CLUSTER=1.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app import migrate
from app.cluster import Cluster
from app.db import make_engine, set_engine
from app.settings import PROJECT_ROOT

TEST_PORT = int(os.environ.get("HAZARDMAP_TEST_PORT", "54339"))
TEMPLATE_DB = "hazardmap_template"
TEST_DB = "hazardmap_test"

_counter = itertools.count(1)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    # One directory per port, so that two runs on different ports never share (or remove) a cluster.
    name = "pg-test" if TEST_PORT == 54339 else f"pg-test-{TEST_PORT}"
    c = Cluster(path=PROJECT_ROOT / "var" / name, port=TEST_PORT)
    c.up("postgres", fast=True)
    yield c
    if os.environ.get("HAZARDMAP_KEEP_TEST_CLUSTER") != "1":
        c.destroy()


@pytest.fixture(scope="session")
async def template_db(cluster: Cluster) -> str:
    """Migrated, with the shipped geodata (outlines, townships, schematic roads) loaded."""
    from app.geodata.shipped import load_shipped

    cluster.drop_database(TEMPLATE_DB)
    cluster.ensure_database(TEMPLATE_DB)
    url = cluster.url(TEMPLATE_DB)
    # Alembic's env runs its own event loop, so it cannot run inside this one.
    await asyncio.to_thread(migrate.upgrade, url)
    engine = create_async_engine(url)
    try:
        await load_shipped(engine)
    finally:
        await engine.dispose()
    return TEMPLATE_DB


def clone(cluster: Cluster, template: str, name: str) -> str:
    cluster.drop_database(name)
    cluster.psql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return cluster.url(name)


@pytest.fixture(scope="session")
async def engine(cluster: Cluster, template_db: str) -> AsyncIterator[AsyncEngine]:
    """The engine the application under test uses (set as the app's engine)."""
    url = clone(cluster, template_db, TEST_DB)
    eng = make_engine(url)  # configured as the service configures it
    set_engine(eng)
    yield eng
    set_engine(None)
    await eng.dispose()
    cluster.drop_database(TEST_DB)


@pytest.fixture(autouse=True)
async def _empty_hazards(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """After each test that touched the shared database, empty the ledger tables again."""
    yield
    if "engine" not in request.fixturenames:
        return
    eng: AsyncEngine = request.getfixturevalue("engine")
    async with eng.begin() as conn:
        # TRUNCATE does not fire the row triggers that keep the history append-only.
        await conn.execute(
            text(
                "TRUNCATE accident_prone_candidates, crashes, hazard_events, hazards, ledger_counters"
                " RESTART IDENTITY"
            )
        )


@pytest.fixture
async def isolated_db(cluster: Cluster, template_db: str) -> AsyncIterator[str]:
    """A database of the test's own, cloned from the template; dropped afterwards."""
    name = f"hazardmap_iso_{os.getpid()}_{next(_counter)}"
    url = clone(cluster, template_db, name)
    yield url
    cluster.drop_database(name)


@pytest.fixture
async def empty_db(cluster: Cluster) -> AsyncIterator[str]:
    """An empty database with PostGIS only (for the migration tests)."""
    name = f"hazardmap_empty_{os.getpid()}_{next(_counter)}"
    cluster.drop_database(name)
    cluster.ensure_database(name)
    yield cluster.url(name)
    cluster.drop_database(name)


@pytest.fixture
async def client(engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """The application in-process, over the real engine and PostGIS."""
    from app.main import create_app

    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c
