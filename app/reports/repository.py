"""The reports' queries: PostgreSQL counts the ledger, the delistings and the crashes (sql/*.sql)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncSession

from app import overdue
from app.sqlfiles import load

PKG = "app.reports"


async def jurisdiction(session: AsyncSession, code: str) -> tuple[str, str] | None:
    """The name and level of a jurisdiction, None when there is none with this code."""
    row = (
        await session.execute(text("SELECT name, level FROM jurisdictions WHERE code = :c"), {"c": code})
    ).one_or_none()
    return None if row is None else (row[0], row[1])


async def ledger(session: AsyncSession, bounds: dict[str, Any], today: date) -> Sequence[RowMapping]:
    """sql/ledger.sql: found, closed, overdue… per period, county and dimension."""
    values = {**bounds, "today": today, **overdue.params()}
    return (await session.execute(text(load(PKG, "ledger")), values)).mappings().all()


async def delisted(session: AsyncSession, bounds: dict[str, Any]) -> Sequence[RowMapping]:
    """sql/delisted.sql: the delistings (摘牌) per period and county."""
    return (await session.execute(text(load(PKG, "delisted")), bounds)).mappings().all()


async def crashes(session: AsyncSession, params: dict[str, Any]) -> Sequence[RowMapping]:
    """sql/crashes.sql: crashes and deaths per period and county."""
    return (await session.execute(text(load(PKG, "crashes")), params)).mappings().all()


async def units(session: AsyncSession, code: str, *, with_counties: bool) -> list[tuple[str, str, str]]:
    """The jurisdiction (code, name, level), then its counties and zones when ``with_counties``."""
    rows = await session.execute(
        text(
            "SELECT code, name, level FROM jurisdictions WHERE code = :c"
            " OR (CAST(:all AS boolean) AND level IN ('county', 'zone') AND parent_code = :c)"
            " ORDER BY level = 'city' DESC, level, code"
        ),
        {"c": code, "all": with_counties},
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def category_names(session: AsyncSession) -> dict[str, str]:
    """Every category's Chinese name by its code."""
    return {
        str(c): str(n) for c, n in (await session.execute(text("SELECT code, name_zh FROM categories"))).all()
    }
