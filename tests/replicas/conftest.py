"""A real streaming replica of the test cluster: ``pg_basebackup -R`` and a hot standby on its own
port (``HAZARDMAP_TEST_REPLICA_PORT``, default the test port + 10), run by the same unprivileged
system user as the test cluster; removed at the end of the module."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.cluster import APP_ROLE, Cluster
from app.replicas import routing
from app.replicas.settings import get_replica_settings
from app.settings import PROJECT_ROOT
from tests.support.databases import TEST_DB, TEST_PORT

REPLICA_PORT = int(os.environ.get("HAZARDMAP_TEST_REPLICA_PORT", str(TEST_PORT + 10)))


@pytest.fixture(scope="session")
def standby(cluster: Cluster, engine: AsyncEngine) -> Iterator[Cluster]:
    """Made after the test database exists (``engine``), so that it holds it too."""
    s = cluster.standby(PROJECT_ROOT / "var" / f"pg-test-{TEST_PORT}-standby", REPLICA_PORT)
    yield s
    s.destroy()


@pytest.fixture
def replica_url(standby: Cluster) -> str:
    """The test database on the standby, as the service's role."""
    return standby.url(TEST_DB, APP_ROLE)


@pytest.fixture
async def reading_replica(replica_url: str) -> AsyncIterator[str]:
    """The application under test reads from the standby."""
    routing.configure([replica_url])
    yield replica_url
    await routing.dispose_replicas()


@pytest.fixture
def paused(cluster: Cluster, standby: Cluster, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cluster]:
    """The standby with its replay paused: it answers, but sees no write made from now on. The
    read-your-writes window is an hour, so that the paused standby stays near enough to be read."""
    monkeypatch.setattr(get_replica_settings(), "read_your_writes_s", 3600.0)
    caught_up(cluster, standby)  # what the tests before wrote (and emptied) is there first
    standby.psql("SELECT pg_wal_replay_pause()", TEST_DB)
    try:
        yield standby
    finally:
        standby.psql("SELECT pg_wal_replay_resume()", TEST_DB)


def caught_up(primary: Cluster, standby: Cluster, limit_s: float = 30) -> None:
    """Wait until the standby has replayed everything the primary has written so far."""
    lsn = primary.psql("SELECT pg_current_wal_lsn()")
    deadline = time.monotonic() + limit_s
    while standby.psql(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn") != "t":
        assert time.monotonic() < deadline, f"the standby did not replay up to {lsn}"
        time.sleep(0.05)
