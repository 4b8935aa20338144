"""The test harness: a private PostGIS cluster (var/pg-test, port 54339), never the demo one.

Session start: create the cluster, a template database migrated by Alembic as the owner role
(with the grants of the app role) and the shipped geodata loaded, and the test database cloned
from it. The application under test connects as the app role (not superuser, owns nothing), as
in production; the tests' own ``engine`` is the superuser's, for fixtures and resets. The in-process
clients share one application for the session. Each test that used the database gets the ledger's
tables emptied afterwards (``tests.support.databases.empty_ledger``). Tests that change the geodata
or the schema take a database of their own (``isolated_db``). At the end everything is dropped and
the cluster removed, unless HAZARDMAP_KEEP_TEST_CLUSTER=1.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app import grants, migrate
from app.cluster import APP_ROLE, OWNER_ROLE, Cluster
from app.db import get_engine, make_engine, set_engine
from app.settings import PROJECT_ROOT, get_settings
from tests.support.accounts import TOKENS, auth_headers, seed_accounts
from tests.support.databases import TEMPLATE_DB, TEST_DB, TEST_PORT, clone, empty_ledger

# The fixtures shared by several directories (roads, photos).
pytest_plugins = ["tests.support.fixtures"]

_counter = itertools.count(1)


# The in-process clients' address, as HAZARDMAP_PUBLIC_URL names it: the base of absolute links. In the
# environment, so that settings read again (get_settings.cache_clear()) have it too.
TEST_PUBLIC_URL = "http://testserver"
os.environ["HAZARDMAP_PUBLIC_URL"] = TEST_PUBLIC_URL


@pytest.fixture(autouse=True, scope="session")
def _public_url() -> None:
    get_settings().public_url = TEST_PUBLIC_URL


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
    url = cluster.url(TEMPLATE_DB, OWNER_ROLE)
    # Alembic's env runs its own event loop, so it cannot run inside this one.
    await asyncio.to_thread(migrate.upgrade, url)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await grants.apply(conn, APP_ROLE)
        await load_shipped(engine)
        await seed_accounts(engine)
    finally:
        await engine.dispose()
    return TEMPLATE_DB


@pytest.fixture(scope="session")
async def engine(cluster: Cluster, template_db: str) -> AsyncIterator[AsyncEngine]:
    """The tests' own engine on the test database (superuser: fixtures, resets, back-dating).

    The application under test gets another one, as the app role, configured as the service
    configures it (``make_engine``): what the service may not do fails in the tests too.
    """
    url = clone(cluster, template_db, TEST_DB)
    eng = make_engine(url)
    app_engine = make_engine(cluster.url(TEST_DB, APP_ROLE))
    set_engine(app_engine)
    yield eng
    set_engine(None)
    await app_engine.dispose()
    await eng.dispose()
    cluster.drop_database(TEST_DB)


@pytest.fixture
def app_engine(engine: AsyncEngine) -> AsyncEngine:
    """The engine of the application under test: the app role, as the service connects."""
    return get_engine()


@pytest.fixture(autouse=True)
def _forget_principals() -> None:
    """Each test starts with this process's memory of tokens empty (app/accounts/cache.py)."""
    from app.accounts.cache import principals

    principals.clear()


@pytest.fixture(autouse=True)
async def _empty_hazards(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """After each test that touched the shared database, empty the ledger tables again."""
    yield
    if "engine" not in request.fixturenames:
        return
    eng: AsyncEngine = request.getfixturevalue("engine")
    async with eng.begin() as conn:
        await empty_ledger(conn)


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


@pytest.fixture(scope="session")
def application() -> FastAPI:
    """The application under test, one for the session: FastAPI prepares each route (its dependencies,
    models and parameters) on the first request an application gets, which made a new application per
    test cost about as much as the test itself. Settings are read per request, so a test may still
    change them (monkeypatch) for its own requests."""
    from app.main import create_app

    return create_app()


@pytest.fixture
async def client(engine: AsyncEngine, application: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The application in-process, over the real engine and PostGIS, acting as the test admin."""
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=auth_headers("admin")
    ) as c:
        yield c


@pytest.fixture
async def anonymous(engine: AsyncEngine, application: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The application in-process with no credentials."""
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def clients(engine: AsyncEngine, application: FastAPI) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """One in-process client per role of TOKENS ("admin", "commander", "county_officer", "verifier",
    "verifier2", "viewer", "agency"), over one application."""
    transport = httpx.ASGITransport(app=application)
    made = {
        role: httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=auth_headers(role))
        for role in TOKENS
    }
    try:
        yield made
    finally:
        for c in made.values():
            await c.aclose()
