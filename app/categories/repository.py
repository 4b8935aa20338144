from __future__ import annotations

import json
from typing import Any

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


async def group_names(session: AsyncSession, group: str) -> tuple[str, str] | None:
    """The Chinese and English names of a group in use, if any category has it."""
    row = (
        await session.execute(
            text("SELECT group_zh, group_en FROM categories WHERE group_code = :g LIMIT 1"), {"g": group}
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1])


async def record(session: AsyncSession, code: str, action: str, actor: str, changes: dict[str, Any]) -> None:
    """One row of category_events (append-only)."""
    await session.execute(
        text(
            "INSERT INTO category_events (category_code, action, actor, changes)"
            " VALUES (:code, :action, :actor, CAST(:changes AS jsonb))"
        ),
        {"code": code, "action": action, "actor": actor, "changes": json.dumps(changes, ensure_ascii=False)},
    )


async def insert(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(
        text(
            "INSERT INTO categories (code, group_code, group_zh, group_en, name_zh, name_en,"
            " usual_visibility, active) VALUES (:code, :group_code, :group_zh, :group_en, :name_zh,"
            " :name_en, :usual_visibility, :active)"
        ),
        values,
    )


async def lock(session: AsyncSession, code: str) -> dict[str, Any] | None:
    """The category's columns, the row locked for an update; None when there is none."""
    row = (
        await session.execute(
            text(
                "SELECT group_code, group_zh, group_en, name_zh, name_en, usual_visibility, active"
                "  FROM categories WHERE code = :code FOR UPDATE"
            ),
            {"code": code},
        )
    ).one_or_none()
    return None if row is None else dict(row._mapping)


async def update(session: AsyncSession, code: str, values: dict[str, Any]) -> None:
    await session.execute(
        text(
            "UPDATE categories SET group_code = :group_code, group_zh = :group_zh, group_en = :group_en,"
            " name_zh = :name_zh, name_en = :name_en, usual_visibility = :usual_visibility,"
            " active = :active WHERE code = :code"
        ),
        {**values, "code": code},
    )
