"""The replicas' own SQL: how far a standby lags."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.sqlfiles import load

PKG = "app.replicas"
_LAG = text(load(PKG, "lag"))


async def lag_seconds(db: AsyncSession | AsyncConnection) -> float | None:
    """Seconds this standby is behind its primary (0: caught up); None: it cannot know (not streaming)."""
    value = (await db.execute(_LAG)).scalar_one()
    return None if value is None else float(value)
