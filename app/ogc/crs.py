"""Coordinate reference systems of the OGC API (Part 2): answers, boxes and filter geometries in
CRS84 (lon, lat, the default), EPSG:4326 or EPSG:4490 (CGCS2000).

The EPSG definitions order their axes latitude first, so coordinates in those two are (lat, lon);
CRS84 is the same datum as EPSG:4326 with longitude first. Everything is stored in WGS84 lon/lat;
PostGIS transforms and flips on the way out, app.coords (pyproj, the same PROJ) on the way in.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely

from app.coords import Crs as Datum
from app.coords import to_wgs84
from app.errors import BadRequest, FieldError


@dataclass(frozen=True)
class OgcCrs:
    uri: str
    srid: int
    datum: Datum
    lat_first: bool


CRS84 = OgcCrs("http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326, Datum.wgs84, False)
EPSG4326 = OgcCrs("http://www.opengis.net/def/crs/EPSG/0/4326", 4326, Datum.wgs84, True)
EPSG4490 = OgcCrs("http://www.opengis.net/def/crs/EPSG/0/4490", 4490, Datum.cgcs2000, True)
SUPPORTED = (CRS84, EPSG4326, EPSG4490)
_BY_URI = {c.uri: c for c in SUPPORTED}
# The safe CURIE form ([EPSG:4490]) that Part 2 also allows, and the short names people type.
_ALIASES = {
    "[OGC:CRS84]": CRS84,
    "OGC:CRS84": CRS84,
    "[EPSG:4326]": EPSG4326,
    "EPSG:4326": EPSG4326,
    "[EPSG:4490]": EPSG4490,
    "EPSG:4490": EPSG4490,
}


def bad(field_name: str, message: str) -> BadRequest:
    return BadRequest(detail=f"{field_name}: {message}", errors=[FieldError(field_name, message)])


def parse(field_name: str, value: str | None) -> OgcCrs:
    if value is None or not value.strip():
        return CRS84
    v = value.strip()
    found = _BY_URI.get(v.replace("https://", "http://")) or _ALIASES.get(v.upper())
    if found is None:
        raise bad(field_name, f"unsupported CRS {v!r}; supported: {', '.join(c.uri for c in SUPPORTED)}")
    return found


def geojson_sql(column: str, crs: OgcCrs) -> str:
    """The GeoJSON geometry of ``column`` (stored in EPSG:4326, lon/lat) in ``crs``."""
    geom = column if crs.srid == 4326 else f"ST_Transform({column}, {crs.srid})"
    if crs.lat_first:
        geom = f"ST_FlipCoordinates({geom})"
    return f"ST_AsGeoJSON({geom}, 7)::json"


def to_storage(geom: shapely.Geometry, crs: OgcCrs) -> shapely.Geometry:
    """A geometry given in ``crs`` as stored: WGS84 lon/lat."""
    if crs.lat_first:
        geom = shapely.transform(geom, lambda xy: xy[:, ::-1])
    return to_wgs84(geom, crs.datum)


def bbox(field_name: str, raw: str | None, crs: OgcCrs) -> tuple[float, float, float, float] | None:
    """``bbox`` in ``crs`` (in its axis order) as a WGS84 lon/lat box."""
    if raw is None or not raw.strip():
        return None
    order = "minLat,minLon,maxLat,maxLon" if crs.lat_first else "minLon,minLat,maxLon,maxLat"
    parts = raw.split(",")
    if len(parts) != 4:
        raise bad(field_name, f"expected four comma-separated numbers: {order} (in {crs.uri})")
    try:
        a, b, c, d = (float(p) for p in parts)
    except ValueError as exc:
        raise bad(field_name, "every value must be a number") from exc
    if not all(abs(v) < float("inf") for v in (a, b, c, d)):
        raise bad(field_name, "values must be finite numbers")
    x1, y1, x2, y2 = (b, a, d, c) if crs.lat_first else (a, b, c, d)
    if not (-180 <= x1 <= 180 and -180 <= x2 <= 180 and -90 <= y1 <= 90 and -90 <= y2 <= 90):
        raise bad(field_name, f"longitudes must lie in [-180, 180] and latitudes in [-90, 90] ({order})")
    if x1 > x2 or y1 > y2:
        raise bad(field_name, f"min must not exceed max ({order})")
    box = to_wgs84(shapely.box(x1, y1, x2, y2), crs.datum)
    minx, miny, maxx, maxy = shapely.bounds(box)
    return (float(minx), float(miny), float(maxx), float(maxy))
