from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_OBJECT = """json_build_object(
        'code', code, 'group', group_code, 'group_zh', group_zh, 'group_en', group_en,
        'name_zh', name_zh, 'name_en', name_en, 'usual_visibility', usual_visibility, 'active', active
    )"""

_LIST = text(f"SELECT coalesce(json_agg({_OBJECT} ORDER BY code), '[]'::json)::text FROM categories")
_ONE = text(f"SELECT {_OBJECT}::text FROM categories WHERE code = :code")
_EVENTS = text(
    """
    SELECT coalesce(json_agg(json_build_object(
        'action', action, 'actor', actor, 'at', at, 'changes', changes) ORDER BY id), '[]'::json)::text
      FROM category_events WHERE category_code = :code
    """
)


async def list_json(session: AsyncSession) -> str:
    """Every category as a JSON array, built by PostgreSQL like every other list."""
    return str((await session.execute(_LIST)).scalar_one())


async def one_json(session: AsyncSession, code: str) -> str | None:
    found = (await session.execute(_ONE, {"code": code})).scalar_one_or_none()
    return None if found is None else str(found)


async def events_json(session: AsyncSession, code: str) -> str:
    """The category's history, oldest first."""
    return str((await session.execute(_EVENTS, {"code": code})).scalar_one())
