"""The database out of reach: 503 problems with Retry-After, /healthz says so, writes resume by themselves.

The service reaches the test cluster through a TCP relay of the test's own; "stopping the database"
closes the relay's port and cuts every connection through it, as a database that goes down does,
without touching the cluster the other tests share.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine

from app.cluster import APP_ROLE, Cluster
from app.db import make_engine, set_engine
from app.problems import database_unavailable
from tests.support.accounts import auth_headers
from tests.support.databases import TEST_DB
from tests.support.hazards import GULOU, point

PROBLEM = "application/problem+json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Relay:
    """127.0.0.1:port → the cluster, which can be cut (every connection aborted) and restored."""

    def __init__(self, port: int, target_port: int) -> None:
        self.port = port
        self.target_port = target_port
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def up(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)

    async def down(self) -> None:
        assert self.server is not None
        self.server.close()
        for w in list(self.writers):
            w.transport.abort()
        self.writers.clear()
        await self.server.wait_closed()
        self.server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self.writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.writers -= {writer, up_writer}


@pytest.fixture
async def relay(cluster: Cluster, app_engine: AsyncEngine) -> AsyncIterator[Relay]:
    """The application's engine pointed at a relay to the test database (put back afterwards)."""
    r = Relay(_free_port(), cluster.port)
    await r.up()
    relayed = make_engine(
        make_url(cluster.url(TEST_DB, APP_ROLE)).set(port=r.port).render_as_string(hide_password=False)
    )
    set_engine(relayed)
    try:
        yield r
    finally:
        set_engine(app_engine)
        if r.server is not None:
            await r.down()
        await relayed.dispose()


@pytest.fixture
async def api(relay: Relay, application: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=auth_headers("admin")
    ) as c:
        yield c


def _unavailable(r: httpx.Response) -> None:
    assert r.status_code == 503, r.text
    assert r.headers["content-type"] == PROBLEM
    assert r.headers["retry-after"] == "5"
    assert r.json()["title"] == "Service unavailable"
    assert "location" not in r.headers and "etag" not in r.headers


async def _post(api: httpx.AsyncClient) -> httpx.Response:
    return await api.post("/api/v1/hazards", json=point(GULOU), params={"on_duplicate": "create"})


async def test_outage_answers_503_and_writes_resume(api: httpx.AsyncClient, relay: Relay) -> None:
    assert (await _post(api)).status_code == 201
    assert (await api.get("/healthz")).status_code == 200

    await relay.down()  # the pool's connections die with it
    _unavailable(await _post(api))
    _unavailable(await api.get("/api/v1/hazards"))
    _unavailable(await api.get("/api/v1/hazards/1"))
    _unavailable(await api.get("/ogc/collections"))
    health = await api.get("/healthz")
    assert health.status_code == 503
    assert health.headers["retry-after"] == "5"
    assert health.json() == {"status": "unavailable", "database": {"status": "unavailable"}}

    await relay.up()
    back = time.monotonic()
    deadline = back + 5
    while (r := await _post(api)).status_code != 201:
        _unavailable(r)
        assert time.monotonic() < deadline, "writes did not resume within 5 s"
        await asyncio.sleep(0.05)
    assert (await api.get("/healthz")).status_code == 200
    listed = (await api.get("/api/v1/hazards")).json()
    assert listed["numberMatched"] == 2


async def test_nothing_listening(api: httpx.AsyncClient, relay: Relay) -> None:
    """A service started while its database is not there at all."""
    await relay.down()
    await set_engine_fresh(relay)
    _unavailable(await _post(api))
    _unavailable(await api.get("/api/v1/hazards"))
    # The pages' form posts too.
    form = await api.get("/login")
    token = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    _unavailable(await api.post("/login", data={"login": "t-admin", "password": "y", "csrf_token": token}))
    assert (await api.get("/healthz")).status_code == 503


async def set_engine_fresh(relay: Relay) -> None:
    """An engine that never had a connection, pointed at the (closed) relay."""
    from app import db

    old = db.get_engine()
    set_engine(make_engine(old.url.render_as_string(hide_password=False)))
    await old.dispose()


async def test_healthz_versions_only_to_administrators(
    anonymous: httpx.AsyncClient, clients: dict[str, httpx.AsyncClient]
) -> None:
    anon = await anonymous.get("/healthz")
    assert anon.status_code == 200
    assert anon.json() == {"status": "ok", "database": {"status": "ok"}}
    for role in ("viewer", "commander", "agency"):
        r = await clients[role].get("/healthz")
        assert r.json() == {"status": "ok", "database": {"status": "ok"}}, role
    for wrong in ("Bearer nonsense", "Basic dDp0"):
        r = await anonymous.get("/healthz", headers={"Authorization": wrong})
        assert r.status_code == 200
        assert r.json() == {"status": "ok", "database": {"status": "ok"}}
    admin = (await clients["admin"].get("/healthz")).json()
    assert admin["database"]["postgis"].startswith("3.")
    assert "GEOS=" in admin["database"]["postgis_full"]
    assert admin["database"]["postgresql"]
    assert admin["version"]


class _Orig(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("exc", "unavailable"),
    [
        (ConnectionRefusedError(111, "Connect call failed"), True),
        (ConnectionResetError(104, "reset by peer"), True),
        (TimeoutError(), True),
        (socket.gaierror(-2, "Name or service not known"), True),
        (PoolTimeout("QueuePool limit of size 20 overflow 10 reached"), True),
        (asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"), True),
        (asyncpg.exceptions.CannotConnectNowError("the database system is starting up"), True),
        (DBAPIError("COMMIT", {}, _Orig("57P01")), True),  # admin shutdown
        (DBAPIError("COMMIT", {}, _Orig("40001")), True),  # serialization failure
        (DBAPIError("SELECT", {}, _Orig("08006")), True),  # connection failure
        (DBAPIError("INSERT", {}, _Orig("23505")), False),  # unique violation: the request's fault
        (OSError(28, "No space left on device"), False),  # the photo store's disk: ours, a 500
        (ValueError("x"), False),
    ],
)
def test_what_counts_as_unavailable(exc: BaseException, unavailable: bool) -> None:
    assert database_unavailable(exc) is unavailable
    wrapped = RuntimeError("while committing")
    wrapped.__cause__ = exc
    assert database_unavailable(wrapped) is unavailable
