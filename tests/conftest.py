"""The test harness: a private PostGIS cluster (var/pg-test, port 54339), never the demo one.

Session start: create the cluster, a template database migrated by Alembic as the owner role
(with the grants of the app role) and the shipped geodata loaded, and the test database cloned
from it. The application under test connects as the app role (not superuser, owns nothing), as
in production; the tests' own ``engine`` is the superuser's, for fixtures and resets. Each test
gets the hazard tables emptied afterwards. Tests that change the geodata or the schema take a
database of their own (``isolated_db``). At the end everything is dropped and the cluster
removed, unless HAZARDMAP_KEEP_TEST_CLUSTER=1.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine

from app import grants, migrate
from app.cluster import APP_ROLE, OWNER_ROLE, Cluster
from app.db import get_engine, make_engine, set_engine
from app.settings import PROJECT_ROOT, get_settings

TEST_PORT = int(os.environ.get("HAZARDMAP_TEST_PORT", "54339"))
TEMPLATE_DB = "hazardmap_template"
TEST_DB = "hazardmap_test"

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


# -- accounts: one user per role in the template (so in every clone), each with a token ---------------
@dataclass(frozen=True)
class SeedUser:
    login: str
    name: str
    role: str
    counties: tuple[str, ...] = ()


# The county officer and the verifiers work in 东昌府区 (371502); "other" counties are e.g. 阳谷县 371521.
OWN_COUNTY = "371502"
OTHER_COUNTY = "371521"
TEST_USERS = {
    "admin": SeedUser("t-admin", "测试管理员", "admin"),
    # A second administrator: the one who closes out what the first marked rectified.
    "admin2": SeedUser("t-admin2", "第二管理员", "admin"),
    "commander": SeedUser("t-commander", "指挥中心值班", "commander"),
    "county_officer": SeedUser("t-officer", "东昌府民警", "county_officer", (OWN_COUNTY,)),
    "verifier": SeedUser("t-verifier", "东昌府核验员", "verifier", (OWN_COUNTY,)),
    "verifier2": SeedUser("t-verifier2", "第二核验员", "verifier", (OWN_COUNTY,)),
    "viewer": SeedUser("t-viewer", "查看员", "viewer"),
}
TEST_PASSWORD = "test-password-1"
# Filled by seed_accounts: role (or "verifier2") → bearer token; "agency" → an API key of the agency role.
TOKENS: dict[str, str] = {}


async def seed_accounts(engine: AsyncEngine) -> None:
    from app.accounts import service
    from app.accounts.permissions import Role

    async with AsyncSession(engine) as session, session.begin():
        for key, u in TEST_USERS.items():
            row = await service.add_user(
                session,
                u.login,
                role=Role(u.role),
                display_name=u.name,
                password=TEST_PASSWORD,
                jurisdictions=list(u.counties),
            )
            issued = await service.open_session(session, row)
            TOKENS[key] = issued.token
        # Tokens that outlive a long test run.
        await session.execute(text("UPDATE auth_sessions SET expires_at = now() + interval '7 days'"))
        TOKENS["agency"], _ = await service.create_key(session, "测试外部单位")


def auth_headers(role: str = "admin") -> dict[str, str]:
    """The headers of a request made as ``role`` (a key of TOKENS)."""
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def clone(cluster: Cluster, template: str, name: str) -> str:
    """A copy of ``template`` (owned by the owner role); the superuser's URL of it."""
    cluster.drop_database(name)
    cluster.psql(f'CREATE DATABASE "{name}" TEMPLATE "{template}" OWNER {OWNER_ROLE}')
    return cluster.url(name)


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
async def _empty_hazards(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """After each test that touched the shared database, empty the ledger tables again."""
    yield
    if "engine" not in request.fixturenames:
        return
    eng: AsyncEngine = request.getfixturevalue("engine")
    async with eng.begin() as conn:
        await empty_ledger(conn)


async def empty_ledger(conn: AsyncConnection) -> None:
    """Empty every table a test may fill through the ledger, crashes, photos and imports."""
    # TRUNCATE does not fire the row triggers that keep the history append-only.
    await conn.execute(
        text(
            "TRUNCATE accident_prone_candidates, crashes, hazard_events, hazard_photos, hazards,"
            " ledger_counters, import_jobs, login_throttle RESTART IDENTITY"
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
    """The application in-process, over the real engine and PostGIS, acting as the test admin."""
    from app.main import create_app

    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=auth_headers("admin")
    ) as c:
        yield c


@pytest.fixture
async def anonymous(engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """The application in-process with no credentials."""
    from app.main import create_app

    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def clients(engine: AsyncEngine) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """One in-process client per role of TOKENS ("admin", "commander", "county_officer", "verifier",
    "verifier2", "viewer", "agency"), over one application."""
    from app.main import create_app

    transport = httpx.ASGITransport(app=create_app())
    made = {
        role: httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=auth_headers(role))
        for role in TOKENS
    }
    try:
        yield made
    finally:
        for c in made.values():
            await c.aclose()


@contextmanager
def live_service(database_url: str, name: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """The real service (uvicorn) on 127.0.0.1 at a free port over ``database_url``; its base URL.

    For clients that speak HTTP themselves: the browser, GDAL's OAPIF driver. Its log goes to
    ``var/<name>-server-<port>.log``.
    """
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    log_path = PROJECT_ROOT / "var" / f"{name}-server-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "HAZARDMAP_DATABASE_URL": database_url,
        "HAZARDMAP_ENVIRONMENT": "test",
        "HAZARDMAP_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "HAZARDMAP_COOKIE_SECURE": "false",  # plain HTTP on the loopback
        **(env or {}),
    }
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the service did not start; see {log_path}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
