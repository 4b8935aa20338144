"""Until tests/conftest.py runs Alembic off the event loop, these tests build the template here.

The shared ``template_db`` calls ``migrate.upgrade`` (which uses ``asyncio.run``) from inside
the session's running loop, which fails; this override is the same fixture with the migration
moved to a thread. Remove it once the shared harness does the same.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from app import migrate
from app.cluster import Cluster
from tests.conftest import TEMPLATE_DB


@pytest.fixture(scope="session")
async def template_db(cluster: Cluster) -> str:
    from app.geodata.shipped import load_shipped

    cluster.drop_database(TEMPLATE_DB)
    cluster.ensure_database(TEMPLATE_DB)
    url = cluster.url(TEMPLATE_DB)
    await asyncio.to_thread(migrate.upgrade, url)
    engine = create_async_engine(url)
    try:
        await load_shipped(engine)
    finally:
        await engine.dispose()
    return TEMPLATE_DB
