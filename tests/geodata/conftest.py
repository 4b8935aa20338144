"""Fixtures of the geodata tests: engines without a pool on the template and on an isolated database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from app.cluster import Cluster


@pytest.fixture
async def template_engine(cluster: Cluster, template_db: str) -> AsyncIterator[AsyncEngine]:
    """Read-only checks of the shipped set, straight on the template.

    NullPool: a connection left open on the template would make the next clone of it fail.
    """
    eng = create_async_engine(cluster.url(template_db), poolclass=NullPool)
    yield eng
    await eng.dispose()


@pytest.fixture
async def iso_engine(isolated_db: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the test's own database (for imports, which write)."""
    eng = create_async_engine(isolated_db, poolclass=NullPool)
    yield eng
    await eng.dispose()
