"""Possible duplicates: an open hazard of the same category on the same road, a few metres away.

The hazards service asks this when a hazard is created, and offers to merge the new report
into the one already in the ledger instead of numbering a second row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import shapely

from app.roads import repository
from app.roads.chainage import format_chainage
from app.roads.linear import Executor
from app.settings import get_settings
from app.vocab import OPEN_STATUSES

# Metres per degree of latitude; a degree of longitude is shorter, never longer.
_M_PER_DEGREE = 111_000.0


@dataclass(frozen=True)
class PossibleDuplicate:
    id: int
    ledger_no: str
    kind: str
    status: str
    road_id: int | None
    road_code: str | None
    chainage: str | None
    distance_m: float


def _box_degrees(distance_m: float, lat: float) -> float:
    """A box half-width in degrees that holds every point within ``distance_m`` of latitude ``lat``."""
    return distance_m / (_M_PER_DEGREE * max(math.cos(math.radians(min(abs(lat), 89.0))), 0.01)) * 1.01


async def find_possible_duplicates(
    db: Executor,
    geom: shapely.Geometry | str,
    category: str,
    road_id: int | None,
    *,
    distance_m: float | None = None,
    exclude_id: int | None = None,
    chainage: tuple[float, float] | None = None,
) -> list[PossibleDuplicate]:
    """Open hazards of ``category`` within ``distance_m`` (default: the setting, 30 m) of ``geom``.

    ``geom`` is a WGS84 shapely geometry or (E)WKT text. With a ``road_id`` only hazards on that
    road count; a hazard on no road is compared with every hazard of its category. ``exclude_id``
    leaves out the hazard itself (when an edit is checked). ``chainage`` (from, to) on the road
    also finds the hazards of that route whose chainage overlaps the range (a segment's stretch).
    """
    shape = shapely.from_wkt(geom.split(";", 1)[-1]) if isinstance(geom, str) else geom
    limit = get_settings().duplicate_distance_m if distance_m is None else distance_m
    _, south, _, north = shapely.bounds(shape)
    rows = await repository.possible_duplicates(
        db,
        {
            "ewkt": f"SRID=4326;{shape.wkt}",
            "category": category,
            "open_statuses": [s.value for s in OPEN_STATUSES],
            "road_id": road_id,
            "exclude_id": exclude_id,
            "box_deg": _box_degrees(limit, max(abs(south), abs(north))),
            "distance_m": limit,
            "from_m": min(chainage) if chainage else None,
            "to_m": max(chainage) if chainage else None,
        },
    )
    return [
        PossibleDuplicate(
            id=r.id,
            ledger_no=r.ledger_no,
            kind=r.kind,
            status=r.status,
            road_id=r.road_id,
            road_code=r.road_code,
            chainage=format_chainage(r.chainage_m, r.end_chainage_m),
            distance_m=round(r.distance_m, 2),
        )
        for r in rows
    ]
