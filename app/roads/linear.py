"""Linear referencing: a pin ↔ road + chainage (桩号), a chainage range → the stretch of road.

PostGIS does the geometry through the functions of the migration that adds crashes
(``road_chainage_at``, ``road_point_at``, ``road_line_between``) over ``roads.measured``: every
vertex of a road carries its 桩号 as its M value, so that a point, its chainage and the point again
agree to the millimetre, whatever the shape of the road. Where mileposts calibrate a road
(app.roads.mileposts) the M values are the posted 桩号, chain breaks included, so every caller
(locate, snap, cut, imports, crashes) answers in posted 桩号. These functions only read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.errors import FieldError, InvalidInput, NotFound, invalid
from app.roads import repository
from app.roads.chainage import format_chainage
from app.settings import get_settings

Executor = AsyncSession | AsyncConnection

# A chainage this far beyond a road's end is taken as the end: a label rounds to the metre.
END_TOLERANCE_M = 1.0


@dataclass(frozen=True)
class RoadPosition:
    """Where a pin lies on the network: the road, the chainage, and the point on the road."""

    road_id: int
    road_code: str
    road_name: str
    chainage_m: float
    distance_m: float  # from the pin to the road; 0 for a position given as road + chainage
    lon: float
    lat: float

    @property
    def chainage(self) -> str:
        return format_chainage(self.chainage_m) or ""

    @property
    def ewkt(self) -> str:
        return f"SRID=4326;POINT({self.lon!r} {self.lat!r})"


@dataclass(frozen=True)
class SnapResult:
    """The nearest road (whether or not within reach) and whether the pin was snapped to it."""

    nearest: RoadPosition | None
    max_distance_m: float

    @property
    def snapped(self) -> bool:
        return self.nearest is not None and self.nearest.distance_m <= self.max_distance_m

    @property
    def position(self) -> RoadPosition | None:
        """The position on the road when snapped, else None."""
        return self.nearest if self.snapped else None

    @property
    def message(self) -> str:
        if self.nearest is None:
            return "not snapped: there are no roads"
        where = f"{self.nearest.road_code} {self.nearest.chainage}"
        if self.snapped:
            return f"snapped to {where}, {self.nearest.distance_m:.0f} m away"
        return (
            f"not snapped: nearest road is {self.nearest.distance_m:.0f} m away ({where}); "
            f"a pin is snapped within {self.max_distance_m:g} m"
        )


@dataclass(frozen=True)
class RoadStretch:
    """A stretch of a route between two chainages, as one line running from start to end."""

    road_id: int  # the piece holding the start
    road_ids: list[int]  # every piece it crosses, in chainage order
    road_code: str
    road_name: str
    start_m: float
    end_m: float
    wkt: str
    geojson: str  # the line as PostGIS writes it
    length_m: float

    @property
    def chainage(self) -> str:
        return format_chainage(self.start_m, self.end_m) or ""

    @property
    def ewkt(self) -> str:
        return f"SRID=4326;{self.wkt}"


def _check_lonlat(lon: float, lat: float) -> None:
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        raise invalid("lon", "must be a longitude in degrees, -180 to 180 (WGS84)")
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise invalid("lat", "must be a latitude in degrees, -90 to 90 (WGS84)")


def _check_chainage(value: float, field: str) -> None:
    if not (math.isfinite(value) and value >= 0):
        raise invalid(field, "must be a chainage of 0 m or more")


async def nearest_road(db: Executor, lon: float, lat: float, route: str | None = None) -> RoadPosition | None:
    """The nearest road to a WGS84 point, however far, with the chainage there; None without roads.

    With ``route`` (a road code) only the pieces of that route are considered.
    """
    _check_lonlat(lon, lat)
    srid = get_settings().metric_srid
    params = {"lon": lon, "lat": lat, "srid": srid, "code": route}
    row = await repository.snap(db, params)
    if row is None:
        return None
    return RoadPosition(
        road_id=row.road_id,
        road_code=row.road_code,
        road_name=row.road_name,
        chainage_m=row.chainage_m,
        distance_m=row.distance_m,
        lon=row.lon,
        lat=row.lat,
    )


async def check_in_city(db: Executor, lon: float, lat: float) -> None:
    """Refuse a pin farther outside the city than the border tolerance: no road of ours is there."""
    _check_lonlat(lon, lat)
    settings = get_settings()
    params = {
        "lon": lon,
        "lat": lat,
        "city_code": settings.city_code,
        "tolerance_m": settings.city_border_tolerance_m,
    }
    metres = await repository.metres_outside_city(db, params)
    if metres is not None:
        message = (
            f"the point (lon {lon:g}, lat {lat:g}) lies {metres / 1000:.1f} km outside the city "
            f"(more than {settings.city_border_tolerance_m:.0f} m beyond its border); check the "
            "coordinates and their order"
        )
        raise InvalidInput(
            detail=f"lon, lat: {message}", errors=[FieldError("lon", message), FieldError("lat", message)]
        )


async def snap_to_road(
    db: Executor, lon: float, lat: float, max_distance_m: float | None = None, route: str | None = None
) -> SnapResult:
    """Snap a pin to the nearest road (of ``route``, if given) within ``max_distance_m`` (default 50 m)."""
    limit = get_settings().snap_distance_m if max_distance_m is None else max_distance_m
    if not (math.isfinite(limit) and limit > 0):
        raise invalid("max_distance_m", "must be a distance in metres above 0")
    return SnapResult(nearest=await nearest_road(db, lon, lat, route), max_distance_m=limit)


def normalise_code(code: str, field: str = "road") -> str:
    c = code.strip().upper()
    if not c:
        raise invalid(field, "is empty: give a route code such as G309")
    return c


async def _beyond(db: Executor, code: str, what: str, field: str) -> Exception:
    """The error for a chainage the route does not reach (or a route that does not exist)."""
    rows = await repository.coverage(db, {"code": code, "tolerance": END_TOLERANCE_M})
    if not rows:
        return NotFound(detail=f"no road with the code {code!r}")
    runs = ", ".join(f"{format_chainage(r.start_m)}–{format_chainage(r.end_m)}" for r in rows)
    return invalid(field, f"{what} is beyond road {code}, which runs {runs}")


async def point_at_chainage(
    db: Executor, road_code: str, chainage_m: float, field: str = "chainage"
) -> RoadPosition:
    """The point of route ``road_code`` at ``chainage_m``; refused beyond the route's ends."""
    code = normalise_code(road_code)
    _check_chainage(chainage_m, field)
    row = await repository.locate_point(
        db, {"code": code, "chainage": chainage_m, "tolerance": END_TOLERANCE_M}
    )
    if row is not None and row.lon is None:
        gap = await repository.chain_gap(db, {"code": code, "chainage": chainage_m})
        if gap is not None:
            back, ahead = format_chainage(gap.back_m), format_chainage(gap.ahead_m)
            raise invalid(
                field,
                f"{format_chainage(chainage_m)} does not exist on road {code}: it falls in a chain "
                f"break (断链) where the 桩号 jumps from {back} to {ahead}",
            )
    if row is None or row.lon is None:
        raise await _beyond(db, code, format_chainage(chainage_m) or str(chainage_m), field)
    return RoadPosition(
        road_id=row.road_id,
        road_code=row.road_code,
        road_name=row.road_name,
        chainage_m=row.chainage_m,
        distance_m=0.0,
        lon=row.lon,
        lat=row.lat,
    )


async def stretch_between(
    db: Executor, road_code: str, start_m: float, end_m: float, field: str = "chainage"
) -> RoadStretch:
    """The stretch of ``road_code`` from ``start_m`` to ``end_m`` (ST_LineSubstring by chainage).

    The line runs from the start to the end as given, so a range written against the chainage
    (K517+200-K516+600) runs against the road's direction. Refused when the route does not
    cover the whole range.
    """
    code = normalise_code(road_code)
    _check_chainage(start_m, field)
    _check_chainage(end_m, field)
    if abs(end_m - start_m) < END_TOLERANCE_M:
        raise invalid(field, "a stretch needs two different chainages")
    lo, hi = min(start_m, end_m), max(start_m, end_m)
    params = {"code": code, "lo": lo, "hi": hi, "reverse": start_m > end_m}
    row = await repository.locate_line(db, params)
    if row is None or row.covered_m < (hi - lo) - 2 * END_TOLERANCE_M:
        raise await _beyond(db, code, format_chainage(start_m, end_m) or "the range", field)
    return RoadStretch(
        road_id=row.road_id,
        road_ids=list(row.road_ids),
        road_code=code,
        road_name=row.road_name,
        start_m=start_m,
        end_m=end_m,
        wkt=row.wkt,
        geojson=row.geojson,
        length_m=row.length_m,
    )
