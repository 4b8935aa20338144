"""Reading roads (the layers of the map: 高速公路, 普通国省道, 县乡道, 农村道路)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.deps import Paging
from app.errors import NotFound
from app.roads import repository as repo
from app.roads.schemas import RoadFilter


async def list_features(session: AsyncSession, f: RoadFilter, page: Paging) -> repo.Page:
    return await repo.list_features(session, f, page.limit, page.offset)


async def one_feature(session: AsyncSession, road_id: int) -> str:
    feature = await repo.one_feature(session, road_id)
    if feature is None:
        raise NotFound(detail=f"there is no road with id {road_id}")
    return feature
