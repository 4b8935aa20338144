"""Category administration: create, rename, regroup, retire; every change in category_events."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.categories import repository
from app.categories.schemas import CategoryIn, CategoryPatch
from app.errors import Conflict, FieldError, NotFound, invalid


async def _resolve_group(
    session: AsyncSession, group: str, group_zh: str | None, group_en: str | None
) -> tuple[str, str]:
    """An existing group keeps its names (one group, one name); a new group must bring both."""
    known = await repository.group_names(session, group)
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
    await repository.insert(session, values)
    await repository.record(session, new.code, "create", actor, values)
    return await _one(session, new.code)


async def update(session: AsyncSession, code: str, patch: CategoryPatch, actor: str) -> str:
    old = await repository.lock(session, code)
    if old is None:
        raise NotFound(detail=f"no category {code}; see GET /api/v1/categories")
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
    await repository.update(session, code, new)
    action = "update"
    if set(changes) == {"active"}:
        action = "reactivate" if new["active"] else "retire"
    await repository.record(session, code, action, actor, changes)
    return await _one(session, code)


async def _one(session: AsyncSession, code: str) -> str:
    found = await repository.one_json(session, code)
    assert found is not None  # written in this transaction
    return found


async def history_json(session: AsyncSession, code: str) -> str:
    if await repository.one_json(session, code) is None:
        raise NotFound(detail=f"no category {code}; see GET /api/v1/categories")
    return await repository.events_json(session, code)
