"""What /healthz asks the database."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_VERSIONS = text("SELECT current_setting('server_version'), postgis_lib_version(), postgis_full_version()")


async def ping(session: AsyncSession) -> None:
    await session.execute(text("SELECT 1"))


async def versions(session: AsyncSession) -> tuple[str, str, str]:
    """PostgreSQL's version, PostGIS's, and PostGIS's with GEOS, PROJ and the rest."""
    row = (await session.execute(_VERSIONS)).one()
    return str(row[0]), str(row[1]), str(row[2])
