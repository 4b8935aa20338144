"""挂牌督办: which open hazards to suggest for listing."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.sqlfiles import load


async def suggestions(session: AsyncSession) -> str:
    return str((await session.execute(text(load("app.workflow", "suggestions")))).scalar_one())
