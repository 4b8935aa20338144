"""Ledger statistics: what the county maps' counts panels and the wall display show."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import invalid
from app.settings import get_settings
from app.stats import repository
from app.stats.repository import GridFilter
from app.vocab import OPEN_STATUSES, Grade, RoadGroup, Status, Visibility

# The ledger's day: overdue is judged against the date in Beijing, as the ledger numbers are.
USERS_TIME_ZONE = "Asia/Shanghai"

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
        tz=USERS_TIME_ZONE,
        city_code=get_settings().city_code,
        open_statuses=[s.value for s in OPEN_STATUSES],
        road_groups=[*RoadGroup.codes(), NO_ROAD_GROUP],
        grades=Grade.codes(),
        weeks=weeks,
    )


def parse_codes(field: str, raw: list[str] | None, allowed: list[str]) -> list[str] | None:
    """A filter given as repeated parameters or a comma list (``status=claimed,closed``)."""
    if not raw:
        return None
    codes = [c.strip() for value in raw for c in value.split(",") if c.strip()]
    unknown = sorted(set(codes) - set(allowed))
    if unknown:
        raise invalid(field, f"unknown value(s) {', '.join(unknown)}; expected any of {', '.join(allowed)}")
    return codes or None


def grid_filter(
    *,
    county: str | None,
    status: list[str] | None,
    category: list[str] | None,
    visibility: str | None,
    grade: list[str] | None,
    road_group: list[str] | None,
) -> GridFilter:
    if visibility is not None and visibility not in Visibility.codes():
        raise invalid("visibility", f"expected one of {', '.join(Visibility.codes())}")
    categories = [c.strip() for value in category or [] for c in value.split(",") if c.strip()]
    return GridFilter(
        county=county,
        statuses=parse_codes("status", status, Status.codes()),
        categories=categories or None,
        visibility=visibility,
        grades=parse_codes("grade", grade, Grade.codes()),
        road_groups=parse_codes("road_group", road_group, [*RoadGroup.codes(), NO_ROAD_GROUP]),
    )


async def grid(
    session: AsyncSession, bbox: tuple[float, float, float, float] | None, cell: float, where: GridFilter
) -> str:
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
        today=datetime.now(ZoneInfo(USERS_TIME_ZONE)).date(),
        open_statuses=[s.value for s in OPEN_STATUSES],
        where=where,
    )
