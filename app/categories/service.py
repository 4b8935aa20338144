"""Category administration: create, rename, regroup, retire; every change in category_events."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.categories import repository
from app.categories.schemas import CategoryIn, CategoryPatch
from app.errors import Conflict, FieldError, NotFound, invalid


async def _group_names(session: AsyncSession, group: str) -> tuple[str, str] | None:
    row = (
        await session.execute(
            text("SELECT group_zh, group_en FROM categories WHERE group_code = :g LIMIT 1"), {"g": group}
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1])


async def _resolve_group(
    session: AsyncSession, group: str, group_zh: str | None, group_en: str | None
) -> tuple[str, str]:
    """An existing group keeps its names (one group, one name); a new group must bring both."""
    known = await _group_names(session, group)
    if known is not None:
        for field, given, have in (("group_zh", group_zh, known[0]), ("group_en", group_en, known[1])):
            if given is not None and given != have:
                raise invalid(field, f"group {group} is named {have!r}; group names are not changed here")
        return known
    if group_zh is None:
        raise invalid("group_zh", f"required: {group} is a new group and needs its Chinese name")
    if group_en is None:
        raise invalid("group_en", f"required: {group} is a new group and needs its English name")
    return group_zh, group_en


async def _record(session: AsyncSession, code: str, action: str, actor: str, changes: dict[str, Any]) -> None:
    await session.execute(
        text(
            "INSERT INTO category_events (category_code, action, actor, changes)"
            " VALUES (:code, :action, :actor, CAST(:changes AS jsonb))"
        ),
        {"code": code, "action": action, "actor": actor, "changes": json.dumps(changes, ensure_ascii=False)},
    )


async def create(session: AsyncSession, new: CategoryIn, actor: str) -> str:
    if not new.code.startswith(new.group):
        raise invalid("code", f"a category of group {new.group} has a code {new.group}NN, not {new.code}")
    if await repository.one_json(session, new.code) is not None:
        raise Conflict(
            detail=f"category {new.code} exists; change it with PATCH",
            errors=[FieldError("code", f"category {new.code} exists")],
        )
    group_zh, group_en = await _resolve_group(session, new.group, new.group_zh, new.group_en)
    values = {
        "code": new.code,
        "group_code": new.group,
        "group_zh": group_zh,
        "group_en": group_en,
        "name_zh": new.name_zh,
        "name_en": new.name_en,
        "usual_visibility": new.usual_visibility.value,
        "active": True,
    }
    await session.execute(
        text(
            "INSERT INTO categories (code, group_code, group_zh, group_en, name_zh, name_en,"
            " usual_visibility, active) VALUES (:code, :group_code, :group_zh, :group_en, :name_zh,"
            " :name_en, :usual_visibility, :active)"
        ),
        values,
    )
    await _record(session, new.code, "create", actor, values)
    return await _one(session, new.code)


async def update(session: AsyncSession, code: str, patch: CategoryPatch, actor: str) -> str:
    row = (
        await session.execute(
            text(
                "SELECT group_code, group_zh, group_en, name_zh, name_en, usual_visibility, active"
                "  FROM categories WHERE code = :code FOR UPDATE"
            ),
            {"code": code},
        )
    ).one_or_none()
    if row is None:
        raise NotFound(detail=f"no category {code}; see GET /api/v1/categories")
    old = dict(row._mapping)
    given = patch.model_dump(exclude_unset=True)
    for field, value in given.items():
        if value is None:
            raise invalid(field, "may not be null; leave it out to keep the current value")
    if not given:
        raise invalid("body", "nothing to change: give at least one field")
    new = dict(old)
    if "group" in given or "group_zh" in given or "group_en" in given:
        group = given.get("group", old["group_code"])
        new["group_code"] = group
        new["group_zh"], new["group_en"] = await _resolve_group(
            session, group, given.get("group_zh"), given.get("group_en")
        )
    for field in ("name_zh", "name_en", "active"):
        if field in given:
            new[field] = given[field]
    if "usual_visibility" in given:
        new["usual_visibility"] = patch.usual_visibility.value if patch.usual_visibility else None
    changes = {k: [old[k], new[k]] for k in new if new[k] != old[k]}
    if not changes:
        return await _one(session, code)
    await session.execute(
        text(
            "UPDATE categories SET group_code = :group_code, group_zh = :group_zh, group_en = :group_en,"
            " name_zh = :name_zh, name_en = :name_en, usual_visibility = :usual_visibility,"
            " active = :active WHERE code = :code"
        ),
        {**new, "code": code},
    )
    action = "update"
    if set(changes) == {"active"}:
        action = "reactivate" if new["active"] else "retire"
    await _record(session, code, action, actor, changes)
    return await _one(session, code)


async def _one(session: AsyncSession, code: str) -> str:
    found = await repository.one_json(session, code)
    assert found is not None  # written in this transaction
    return found


async def history_json(session: AsyncSession, code: str) -> str:
    if await repository.one_json(session, code) is None:
        raise NotFound(detail=f"no category {code}; see GET /api/v1/categories")
    return await repository.events_json(session, code)
