from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.hazards.conftest import api_roads
from tests.roads.fixtures import FixtureRoad, fixture_roads

__all__ = ["api_roads"]


@pytest.fixture(scope="module")
async def roads(engine: AsyncEngine) -> AsyncIterator[dict[str, FixtureRoad]]:
    """The fixture roads (X901, X902 in two pieces, X903 with a gap), for the module's tests."""
    async for r in fixture_roads(engine):
        yield r
