"""The record page's, the to-do list's and the search's reads; the SQL is in ``sql/``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app import overdue
from app.sqlfiles import load

_RECORD = text(load("app.records", "record"))
_EVENTS = text(load("app.records", "events"))
_PHOTOS = text(load("app.records", "photos"))
_TODO = text(load("app.records", "todo"))
_TODO_COUNTS = text(load("app.records", "todo_counts"))
_SEARCH = text(load("app.records", "search"))


async def record(session: AsyncSession, hazard_id: int) -> dict[str, Any] | None:
    row = (await session.execute(_RECORD, {"id": hazard_id, **overdue.params()})).mappings().first()
    return dict(row) if row else None


async def events(session: AsyncSession, hazard_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in (await session.execute(_EVENTS, {"id": hazard_id})).mappings()]


async def photos(session: AsyncSession, hazard_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in (await session.execute(_PHOTOS, {"id": hazard_id})).mappings()]


def _scope(city_wide: bool, counties: list[str], actor: str) -> dict[str, Any]:
    return {"city_wide": city_wide, "counties": counties, "actor": actor, **overdue.params()}


async def todo_counts(
    session: AsyncSession, *, city_wide: bool, counties: list[str], actor: str
) -> dict[str, int]:
    row = (await session.execute(_TODO_COUNTS, _scope(city_wide, counties, actor))).mappings().one()
    return {k: int(v) for k, v in row.items()}


async def todo_rows(
    session: AsyncSession,
    *,
    city_wide: bool,
    counties: list[str],
    actor: str,
    lists: list[str],
    per_list: int,
) -> list[dict[str, Any]]:
    params = {**_scope(city_wide, counties, actor), "lists": lists, "per_list": per_list}
    return [dict(r) for r in (await session.execute(_TODO, params)).mappings()]


async def search(
    session: AsyncSession,
    *,
    how: str,
    q: str,
    pattern: str | None = None,
    road: str | None = None,
    chainage_m: float | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    params = {"how": how, "q": q, "pattern": pattern, "road": road, "chainage_m": chainage_m, "limit": limit}
    return [dict(r) for r in (await session.execute(_SEARCH, params)).mappings()]
