"""Ledger statistics: what the county maps' counts panels and the wall display show."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.errors import invalid
from app.hazards.schemas import HazardFilter
from app.settings import get_settings
from app.stats import repository
from app.vocab import OPEN_STATUSES, Grade, RoadGroup

# The ledger's day: overdue is judged against the date in Beijing, as the ledger numbers are.

# The bucket for hazards that are on no known road (road_group filters and by_road_group).
NO_ROAD_GROUP = "none"

# A grid finer than this is pins again; a coarser one is a single blob for the whole city.
MIN_CELL_DEG = 0.0001
MAX_CELL_DEG = 1.0
# Bounds the response however large the viewport is.
MAX_CELLS = 40_000


# The weekly series: how many ISO weeks by default, and at most.
WEEKS_DEFAULT = 12
WEEKS_MAX = 104


async def summary(session: AsyncSession, weeks: int = WEEKS_DEFAULT) -> str:
    if not 1 <= weeks <= WEEKS_MAX:
        raise invalid("weeks", f"must lie between 1 and {WEEKS_MAX}")
    return await repository.summary(
        session,
        tz=clock.TIME_ZONE,
        city_code=get_settings().city_code,
        open_statuses=[s.value for s in OPEN_STATUSES],
        road_groups=[*RoadGroup.codes(), NO_ROAD_GROUP],
        grades=Grade.codes(),
        weeks=weeks,
    )


async def grid(session: AsyncSession, cell: float, where: HazardFilter) -> str:
    bbox = where.bbox
    if bbox is None:
        raise invalid("bbox", "required: the viewport to count in, minLon,minLat,maxLon,maxLat")
    if not MIN_CELL_DEG <= cell <= MAX_CELL_DEG:
        raise invalid("cell", f"must lie between {MIN_CELL_DEG} and {MAX_CELL_DEG} degrees")
    x1, y1, x2, y2 = bbox
    if ((x2 - x1) / cell + 1) * ((y2 - y1) / cell + 1) > MAX_CELLS:
        raise invalid("cell", f"too small for this bbox: at most {MAX_CELLS} cells; use a larger cell")
    return await repository.grid(
        session,
        bbox=bbox,
        cell=cell,
        today=clock.today(),
        open_statuses=[s.value for s in OPEN_STATUSES],
        where=replace(where, bbox=None),
    )
