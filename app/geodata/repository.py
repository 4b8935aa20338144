"""The queries of the importers beside their staging scripts (app.geodata.staging)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.sqlfiles import load, statements

PKG = "app.geodata"


async def county_has_outline(conn: AsyncConnection, code: str) -> bool:
    return (await conn.execute(text(load(PKG, "county_outline")), {"code": code})).first() is not None


async def act_as(conn: AsyncConnection, actor: str, action: str) -> None:
    """Who the hazards' history names for what this transaction changes (e.g. a road moved)."""
    await conn.execute(text("SELECT set_config('hazardmap.actor', :actor, true)"), {"actor": actor[:64]})
    await conn.execute(text("SELECT set_config('hazardmap.action', :action, true)"), {"action": action})


async def route_counts(conn: AsyncConnection) -> Row[Any]:
    return (await conn.execute(text(load(PKG, "routes_counts")))).one()


async def jurisdiction_count(conn: AsyncConnection) -> int:
    return int((await conn.execute(text("SELECT count(*) FROM jurisdictions"))).scalar_one())


async def refused_rows(conn: AsyncConnection, table: str) -> list[Row[Any]]:
    """A staging table's refused rows, in file order. The table name is one of our constants, never input."""
    rows = await conn.execute(
        text(f"SELECT row_no, reason FROM {table} WHERE reason IS NOT NULL ORDER BY row_no")
    )
    return list(rows)


async def insert_shipped(conn: AsyncConnection, name: str, rows: list[dict[str, Any]]) -> None:
    """One shipped file's rows through its INSERT (shipped_jurisdiction, shipped_road)."""
    await conn.execute(text(load(PKG, name)), rows)


async def upsert_boundaries(conn: AsyncConnection, level: str, source: str) -> list[bool]:
    """The staged outlines into jurisdictions; for each row, whether it was new."""
    (upsert,) = statements(PKG, "boundaries_upsert")
    result = await conn.execute(text(upsert), {"level": level, "source": source})
    return [bool(r.inserted) for r in result]
