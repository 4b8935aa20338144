from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_LIST = text(
    """
    SELECT coalesce(json_agg(json_build_object(
        'code', code, 'group', group_code, 'group_zh', group_zh, 'group_en', group_en,
        'name_zh', name_zh, 'name_en', name_en, 'usual_visibility', usual_visibility, 'active', active
    ) ORDER BY code), '[]'::json)::text
    FROM categories
    """
)


async def list_json(session: AsyncSession) -> str:
    """Every category as a JSON array, built by PostgreSQL like every other list."""
    return str((await session.execute(_LIST)).scalar_one())
