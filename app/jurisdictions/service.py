"""Reading jurisdictions: the city, counties, development zones, townships (and villages)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound, invalid
from app.jurisdictions import repository as repo
from app.jurisdictions.schemas import GeometryChoice


async def list_features(
    session: AsyncSession,
    *,
    levels: list[str] | None,
    parent: str | None,
    geometry: GeometryChoice,
    simplify: float | None,
) -> repo.Listing:
    if parent and ("\x00" in parent or not await repo.exists(session, parent)):
        raise invalid("parent", f"unknown jurisdiction code {parent!r}")
    return await repo.list_features(
        session, levels=levels, parent=parent, geometry=geometry, simplify=simplify
    )


async def one_feature(
    session: AsyncSession, code: str, *, geometry: GeometryChoice, simplify: float | None
) -> str:
    feature = None
    if "\x00" not in code:  # PostgreSQL text cannot hold it; no code contains it
        feature = await repo.one_feature(session, code, geometry=geometry, simplify=simplify)
    if feature is None:
        raise NotFound(detail=f"there is no jurisdiction with code {code!r}")
    return feature
