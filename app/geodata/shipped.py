"""Load the shipped geodata (placeholder until the geodata importer lands)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine


async def load_shipped(engine: AsyncEngine) -> None:
    raise NotImplementedError
