"""挂牌督办: which open hazards to suggest for listing."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app import overdue
from app.sqlfiles import load


async def suggestions(session: AsyncSession) -> str:
    result = await session.execute(text(load("app.workflow", "suggestions")), overdue.params())
    return str(result.scalar_one())
