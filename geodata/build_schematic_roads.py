"""Build geodata/roads/liaocheng_schematic_roads.geojson: a SCHEMATIC road network of Liaocheng.

No real road network can be had offline (see the shared PROVENANCE.md), so this script draws one
that is good enough for demos and tests: lines that join real places (county seats and township
seats, in WGS84), with real route codes where the route is known to cross the city, and slightly
wiggly geometry so that it does not look like a spider's web of straight lines. The geometry is
invented; no line here is a surveyed road.

Deterministic: fixed seed, no network, coordinates rounded to 1e-6°; running it again gives the
same bytes (tests/geodata/test_schematic_roads.py checks that).

    .venv/bin/python geodata/build_schematic_roads.py [OUTPUT]
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from pyproj import Geod
from shapely.geometry import LineString, MultiLineString, Point, Polygon, shape
from shapely.ops import substring

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # our own GCJ-02 conversion, so the roads meet the loaded outlines

from app.coords import Crs, lonlat_to_wgs84, to_wgs84  # noqa: E402

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "roads" / "liaocheng_schematic_roads.geojson"
SEED = 371500
GEOD = Geod(ellps="WGS84")

# Roads stay this far inside the city outline (degrees, ~20 m), so that rounding never pushes a
# vertex across it; county and township roads stay this far inside their county.
CITY_MARGIN = 0.0002
COUNTY_MARGIN = 0.0005
MIN_PIECE_M = 300.0

OLD_CODES = {"371523": "371503"}
COUNTY_SHORT = {
    "371502": "聊", "371503": "茌", "371521": "阳", "371522": "莘",
    "371524": "阿", "371525": "冠", "371526": "高", "371581": "临",
}  # fmt: skip
# The seat of each county: its main 街道 where the township table has a point for it. 高唐's
# 街道 have no point, so its seat is the outline's centroid (within ~2 km of the real town).
SEAT_TOWNSHIP = {
    "371502": "371502001", "371503": "371523002", "371521": "371521001", "371522": "371522001",
    "371524": "371524001", "371525": "371525002", "371526": None, "371581": "371581003",
}  # fmt: skip


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    county: str
    lon: float
    lat: float

    @property
    def short(self) -> str:
        for suffix in ("街道办事处", "管委会", "镇", "乡"):
            if self.name.endswith(suffix) and len(self.name) > len(suffix) + 1:
                return self.name[: -len(suffix)]
        return self.name


def load_outlines() -> tuple[Polygon, dict[str, Polygon]]:
    def read(name: str) -> list[dict[str, Any]]:
        with (HERE / "boundaries" / name).open(encoding="utf-8") as f:
            features: list[dict[str, Any]] = json.load(f)["features"]
        return features

    (city_feature,) = read("liaocheng_city_amap2016_gcj02_ccby.geojson")
    city = to_wgs84(shape(city_feature["geometry"]), Crs.gcj02)
    counties = {}
    for f in read("liaocheng_counties_amap2016_gcj02_ccby.geojson"):
        code = str(f["properties"]["adcode"])
        counties[OLD_CODES.get(code, code)] = to_wgs84(shape(f["geometry"]), Crs.gcj02)
    return city, dict(sorted(counties.items()))


def load_places(counties: dict[str, Polygon]) -> tuple[dict[str, Place], dict[str, Place]]:
    """Township seats with a point (by code) and the county seats (by county code)."""
    townships: dict[str, Place] = {}
    with (HERE / "townships" / "liaocheng_townships_2016.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if not r["lon_gcj02"]:
                continue
            lon, lat = lonlat_to_wgs84(float(r["lon_gcj02"]), float(r["lat_gcj02"]), Crs.gcj02)
            county = OLD_CODES.get(r["county_adcode"], r["county_adcode"])
            townships[r["town_code"]] = Place(r["town_code"], r["name"], county, lon, lat)
    seats = {}
    for county, town in SEAT_TOWNSHIP.items():
        if town is None:
            c = counties[county].centroid
            seats[county] = Place(county, "县城", county, c.x, c.y)
        else:
            seats[county] = townships[town]
    return townships, seats


# --- geometry helpers -------------------------------------------------------------------------


def geodesic_length(line: LineString) -> float:
    return float(GEOD.geometry_length(line))


def wiggle(points: list[tuple[float, float]], rng: random.Random, step_m: float, amp_m: float) -> LineString:
    """A polyline through ``points`` whose legs bend gently; it passes exactly through each point."""
    out: list[tuple[float, float]] = [points[0]]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        lat0 = math.radians((y0 + y1) / 2)
        kx, ky = 111_320.0 * math.cos(lat0), 110_540.0  # metres per degree, locally
        dx, dy = (x1 - x0) * kx, (y1 - y0) * ky
        length = math.hypot(dx, dy)
        n = max(2, int(length / step_m))
        nx, ny = -dy / length, dx / length  # unit normal
        waves = max(1.0, length / 6000.0)
        # Two sines with random phase, tapered to zero at both ends of the leg.
        a1, a2 = rng.uniform(0.5, 1.0), rng.uniform(0.0, 0.5)
        p1, p2 = rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi)
        f1, f2 = waves * rng.uniform(0.4, 0.7), waves * rng.uniform(1.0, 1.6)
        amp = min(amp_m, length / 12)
        for i in range(1, n):
            t = i / n
            d = amp * math.sin(math.pi * t) * (a1 * math.sin(2 * math.pi * f1 * t + p1)
                                               + a2 * math.sin(2 * math.pi * f2 * t + p2))  # fmt: skip
            out.append((x0 + (dx * t + nx * d) / kx, y0 + (dy * t + ny * d) / ky))
        out.append((x1, y1))
    return LineString(out)


def parts(geom: shapely.Geometry) -> list[LineString]:
    if geom.is_empty:
        return []
    if isinstance(geom, LineString):
        return [geom]
    if isinstance(geom, MultiLineString):
        merged = shapely.line_merge(geom)
        return [merged] if isinstance(merged, LineString) else list(merged.geoms)
    return [g for sub in getattr(geom, "geoms", []) for g in parts(sub)]


def rounded(line: LineString) -> LineString:
    coords: list[tuple[float, float]] = []
    for x, y in line.coords:
        p = (round(x, 6), round(y, 6))
        if not coords or coords[-1] != p:
            coords.append(p)
    return LineString(coords)


# --- the routes that come from outside the city -------------------------------------------------

# Waypoints are township codes (their seat), "seat:<county>", or explicit WGS84 (lon, lat) pairs;
# points outside the city are cut off. Waypoint order is the direction of increasing chainage.
# ``anchor``: (waypoint index, posted chainage in metres there) fixes the chainage of the route;
# without it the chainage where the route enters the city is ``entry``.
#
# Which routes cross the city: docs/DOMAIN.md lists the expressways G20, G0321, S1, G22, 高东 and 济临,
# the national roads G105, G309, G308 and the provincial S245, S242, S254, S315 from public
# notices. Their courses below are sketched from general knowledge of the region, not traced.
Waypoint = str | tuple[float, float]


@dataclass(frozen=True)
class Route:
    code: str
    name: str
    road_class: str
    waypoints: tuple[Waypoint, ...]
    verified: bool  # the route code is in public notices for Liaocheng (docs/DOMAIN.md)
    entry: float = 0.0
    anchor: tuple[int, float] | None = None


ROUTES: tuple[Route, ...] = (
    # Expressways. Chainage at the city line: plausible figures from the distance to the route
    # origin (Qingdao, Dezhou, Jinan), not posted values.
    Route("G20", "G20 青银高速", "expressway", (
        (116.70, 36.60), (116.30, 36.585), (116.10, 36.55), (115.97, 36.505), (115.75, 36.505),
        (115.55, 36.47), (115.40, 36.455), (115.10, 36.47),
    ), verified=True, entry=392_000),
    Route("G0321", "G0321 德上高速", "expressway", (
        (116.36, 37.20), (116.30, 36.86), (116.21, 36.70), (116.14, 36.60), (116.06, 36.45),
        (116.00, 36.32), (115.93, 36.15), (115.85, 35.98), (115.76, 35.72),
    ), verified=True, entry=38_000),
    Route("S1", "S1 济聊高速", "expressway", (
        (116.70, 36.40), (116.45, 36.43), (116.25, 36.44), (116.07, 36.43),
    ), verified=True, entry=58_000),
    Route("G22", "G22 青兰高速", "expressway", (
        (116.75, 36.25), (116.35, 36.275), (116.15, 36.225), (115.95, 36.175), (115.75, 36.14),
        (115.60, 36.10), (115.45, 36.03), (115.15, 35.95),
    ), verified=True, entry=372_000),
    # 高东高速 (高唐—东阿) and 济临高速 (济南—临清): the names are verified, the provincial
    # expressway codes S21 and S12 are OUR GUESSES (no public source for them was found).
    Route("S21", "S21 高东高速", "expressway", (
        (116.28, 36.92), (116.33, 36.76), (116.335, 36.60), (116.33, 36.48), (116.30, 36.37),
        (116.29, 36.28),
    ), verified=False),
    Route("S12", "S12 济临高速", "expressway", (
        (116.75, 36.80), (116.40, 36.78), (116.15, 36.765), (115.98, 36.80), (115.80, 36.825),
        (115.66, 36.83),
    ), verified=False, entry=48_000),
    # National roads. G309's chainage is posted: K516+600–K517+200 lies in 茌平 (docs/DOMAIN.md), so
    # K516+600 is put 1.2 km east of the 茌平 seat.
    Route("G309", "G309 荣兰线", "national", (
        (116.70, 36.55), "371523105", (116.254, 36.606), "371523002", "371523104", (116.03, 36.50),
        (115.965, 36.474), "371502005", "371502102", "371525101", "371525002", "371525105",
        (115.15, 36.56),
    ), verified=True, anchor=(2, 516_600)),
    Route("G308", "G308 青石线", "national", (
        (116.70, 36.90), "371526104", "371526102", "seat:371526", "371526105", "371581111",
        "371581102", "371581003", (115.35, 36.92),
    ), verified=True, entry=405_000),
    Route("G105", "G105 京澳线", "national", (
        (116.30, 37.20), "371526101", "seat:371526", "371526108", "371523107", "371523002",
        "371523101", "371524002", "371524001", "371524108", (116.15, 36.05),
    ), verified=True, entry=393_000),
    # G240 and G342 are GUESSES: national roads that plausibly cross the west and the south of
    # the city under the 2013 national plan; neither was found in a Liaocheng notice.
    Route("G240", "G240 保台线", "national", (
        (115.60, 37.05), "371581003", "371581113", "371525103", "371525111", "371525108",
        "371525102", "371522115", "371522001", "371522107", "371522118", "371522104",
        (115.60, 35.70),
    ), verified=False, entry=268_000),
    Route("G342", "G342 日凤线", "national", (
        (116.75, 36.40), "371524102", "371524107", "371524205", "371524001", "371524105",
        "371521104", "371521105", "371521107", "371522001", "371522110", (115.20, 36.15),
    ), verified=False, entry=330_000),
    # Provincial roads: the codes are verified, the courses and all names but 临博路 are ours.
    Route("S245", "S245 临博路", "provincial", (
        "371581003", "371581004", "371581102", "371581103", "371526107", "371526108",
        "371526109", (116.70, 36.78),
    ), verified=True),
    Route("S242", "S242 临阳线", "provincial", (
        "371581105", "371502104", "371502103", "371502001", "371502109", "371521113",
        "371521106", "371521001", "371521109", (115.90, 35.85),
    ), verified=True),
    Route("S254", "S254 冠莘线", "provincial", (
        "371525106", "371525209", "371525002", "371525200", "371522111", "371522110",
        "371522116", "371522119", "371522112", "371522106",
    ), verified=True),
    Route("S315", "S315 阿冠线", "provincial", (
        (116.70, 36.48), "371524104", "371523101", "371502108", "371502002", "371502100",
        "371502106", "371502105", "371525110", "371525200", (115.15, 36.40),
    ), verified=True, entry=42_000),
)  # fmt: skip

STEP_M = {"expressway": 2000.0, "national": 1200.0, "provincial": 1000.0, "county": 700.0,
          "township": 600.0, "village": 400.0}  # fmt: skip
AMP_M = {"expressway": 120.0, "national": 250.0, "provincial": 300.0, "county": 350.0,
         "township": 300.0, "village": 150.0}  # fmt: skip


@dataclass
class Feature:
    code: str
    name: str
    road_class: str
    county: str
    start_chainage_m: int  # metres
    verified: bool
    line: LineString


def route_pieces(
    route: Route,
    townships: dict[str, Place],
    seats: dict[str, Place],
    inner_city: Polygon,
    counties: dict[str, Polygon],
) -> list[Feature]:
    """A route drawn through its waypoints, cut to the city, then into one piece per county."""

    def point(w: Waypoint) -> tuple[float, float]:
        if isinstance(w, tuple):
            return w
        p = seats[w.split(":")[1]] if w.startswith("seat:") else townships[w]
        return (p.lon, p.lat)

    rng = random.Random(f"{SEED}:{route.code}")
    full = wiggle([point(w) for w in route.waypoints], rng, STEP_M[route.road_class], AMP_M[route.road_class])
    inside = parts(full.intersection(inner_city))
    if not inside:
        raise SystemExit(f"{route.code} does not cross the city")
    d_entry = min(full.project(Point(p.coords[0])) for p in inside)

    def chainage_at(d: float) -> float:
        lo, hi = sorted((d_entry, d))
        metres = geodesic_length(substring(full, lo, hi)) if hi > lo else 0.0
        return metres if d >= d_entry else -metres

    if route.anchor is not None:
        index, posted = route.anchor
        start = posted - chainage_at(full.project(Point(point(route.waypoints[index]))))
    else:
        start = route.entry
    if start < 0:
        raise SystemExit(f"{route.code}: negative chainage at the city line")

    in_city = full.intersection(inner_city)
    pieces: list[Feature] = []
    for county, outline in counties.items():
        for piece in parts(in_city.intersection(outline)):
            if full.project(Point(piece.coords[-1])) < full.project(Point(piece.coords[0])):
                piece = piece.reverse()
            piece = rounded(piece)
            if geodesic_length(piece) < MIN_PIECE_M:
                continue
            chainage = round(start + chainage_at(full.project(Point(piece.coords[0]))))
            pieces.append(Feature(route.code, route.name, route.road_class, county, chainage,
                                  route.verified, piece))  # fmt: skip
    return sorted(pieces, key=lambda f: f.start_chainage_m)


# --- county, township and village roads ---------------------------------------------------------


def inside_line(
    a: Place | tuple[float, float], b: Place, county: Polygon, rng: random.Random, road_class: str
) -> LineString | None:
    """A wiggly line from a to b kept inside the county, or None if it would mostly leave it."""
    pa = (a.lon, a.lat) if isinstance(a, Place) else a
    line = wiggle([pa, (b.lon, b.lat)], rng, STEP_M[road_class], AMP_M[road_class])
    kept = parts(line.intersection(county))
    if not kept:
        return None
    best = max(kept, key=lambda g: g.length)
    if best.length < 0.95 * line.length:
        return None
    return rounded(best)


def spanning_tree(seat: Place, places: list[Place], county: Polygon) -> list[tuple[Place, Place]]:
    """Prim's tree from the county seat over its township seats, using only edges inside the county."""
    zone = county.buffer(0.003)
    shapely.prepare(zone)
    grown = [seat]
    left = [p for p in places if p.code != seat.code]
    edges: list[tuple[Place, Place]] = []
    while left:
        best: tuple[float, Place, Place] | None = None
        for b in left:
            for a in grown:
                d = math.dist((a.lon, a.lat * 1.25), (b.lon, b.lat * 1.25))
                if best is not None and d >= best[0]:
                    continue
                if zone.contains(LineString([(a.lon, a.lat), (b.lon, b.lat)])):
                    best = (d, a, b)
        if best is None:
            break  # the rest cannot be reached without leaving the county
        _, a, b = best
        edges.append((a, b))
        grown.append(b)
        left.remove(b)
    return edges


def local_roads(
    townships: dict[str, Place], seats: dict[str, Place], counties: dict[str, Polygon]
) -> list[Feature]:
    features: list[Feature] = []
    x_no = y_no = c_no = 0
    for county, outline in counties.items():
        inner = outline.buffer(-COUNTY_MARGIN)
        seat = seats[county]
        places = sorted((p for p in townships.values() if p.county == county), key=lambda p: p.code)
        for a, b in spanning_tree(seat, places, outline):
            # Roads from the seat, and long links, are county roads (县道); the rest township roads.
            length = geodesic_length(LineString([(a.lon, a.lat), (b.lon, b.lat)]))
            is_county = a is seat or length > 10_000
            road_class = "county" if is_county else "township"
            rng = random.Random(f"{SEED}:{county}:{a.code}:{b.code}")
            line = inside_line(a, b, inner, rng, road_class)
            if line is None:
                continue
            first = COUNTY_SHORT[county] if a is seat else a.short[0]
            title = f"{first}{b.short[0]}路"
            if is_county:
                x_no += 1
                code = f"X{x_no:03d}"
            else:
                y_no += 1
                code = f"Y{y_no:03d}"
            features.append(Feature(code, f"{code} {title}", road_class, county, 0, False, line))
        # Village roads (村道): short spurs from township seats to places 2–4 km away; the far
        # ends are invented points, so the names only say which township the road serves.
        for k, town in enumerate(places[:6], start=1):
            rng = random.Random(f"{SEED}:{county}:village:{town.code}")
            for _ in range(24):
                angle = rng.uniform(0, 2 * math.pi)
                dist = rng.uniform(2000, 4000)
                end = Place("", "", county,
                            town.lon + dist * math.cos(angle) / (111_320 * math.cos(math.radians(town.lat))),
                            town.lat + dist * math.sin(angle) / 110_540)  # fmt: skip
                if not inner.contains(Point(end.lon, end.lat)):
                    continue
                line = inside_line(town, end, inner, rng, "village")
                if line is not None:
                    break
            else:
                continue
            c_no += 1
            code = f"C{c_no:03d}"
            features.append(Feature(code, f"{code} {town.short}{k}号村道", "village", county, 0, False, line))
    return features


# --- output ---------------------------------------------------------------------------------------


def feature_json(f: Feature) -> str:
    doc = {
        "type": "Feature",
        "properties": {
            "code": f.code,
            "name": f.name,
            "class": f.road_class,
            "county": f.county,
            "start_chainage_m": f.start_chainage_m,
            "schematic": True,
            "code_verified": f.verified,
        },
        "geometry": {"type": "LineString", "coordinates": [[x, y] for x, y in f.line.coords]},
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def build() -> str:
    city, counties = load_outlines()
    townships, seats = load_places(counties)
    inner_city = city.buffer(-CITY_MARGIN)
    features: list[Feature] = []
    for route in ROUTES:
        features.extend(route_pieces(route, townships, seats, inner_city, counties))
    features.extend(local_roads(townships, seats, counties))
    header = (
        '{"type":"FeatureCollection",'
        '"name":"liaocheng_schematic_roads",'
        '"note":"SCHEMATIC road network generated by geodata/build_schematic_roads.py: real place '
        'points and route codes, invented geometry. Not a survey. WGS84.",\n'
        '"features":[\n'
    )
    return header + ",\n".join(feature_json(f) for f in features) + "\n]}\n"


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(build(), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
