"""The queries of the importers beside their staging scripts (app.geodata.staging)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.sqlfiles import load

PKG = "app.geodata"


async def county_has_outline(conn: AsyncConnection, code: str) -> bool:
    return (await conn.execute(text(load(PKG, "county_outline")), {"code": code})).first() is not None


async def act_as(conn: AsyncConnection, actor: str, action: str) -> None:
    """Who the hazards' history names for what this transaction changes (e.g. a road moved)."""
    await conn.execute(text("SELECT set_config('hazardmap.actor', :actor, true)"), {"actor": actor[:64]})
    await conn.execute(text("SELECT set_config('hazardmap.action', :action, true)"), {"action": action})


async def route_counts(conn: AsyncConnection) -> Row[Any]:
    return (await conn.execute(text(load(PKG, "routes_counts")))).one()
