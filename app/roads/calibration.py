"""桩号 calibration: a road's measure fitted to its known mileposts, piecewise linearly.

A posted 桩号 is not the distance from the first vertex of a line: roads were realigned, posts
were set from old surveys, and a route's numbering jumps where two sections were joined (断链,
a chain break). Highway asset systems keep calibration points (known 桩号 at known places) and
interpolate the measure linearly between them; this module does the same for one road piece:

- each milepost is placed on the line (nearest point, in metres) and gets its distance along it;
- between two mileposts the 桩号 runs linearly from one to the other; before the first and after
  the last it runs at one metre per metre;
- two mileposts at the same place (within ``BREAK_TOLERANCE_M``) are a chain break: the first in
  the file's order is the 桩号 behind the break, the second the 桩号 ahead. The measured line is
  split there into two parts, so a 桩号 in a short chain's gap is nowhere, and one in a long
  chain's overlap is found on the part before the break first;
- a line drawn against the 桩号 (OpenStreetMap ways run either way) is measured from its other end.

The result is a MultiLineString M (the M of every vertex is its 桩号) written as EWKT, stored in
``roads.measured`` and read by the database's linear referencing functions. No database here.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from functools import cache

import shapely
from pyproj import Geod, Transformer
from shapely.geometry.base import BaseGeometry

from app.roads.chainage import format_chainage

GEOD = Geod(ellps="WGS84")
# Two mileposts closer than this along the road stand at the same place: a chain break.
BREAK_TOLERANCE_M = 1.0
# A milepost farther than this from a piece of its route is not on that piece.
DEFAULT_REACH_M = 200.0


@dataclass(frozen=True)
class Milepost:
    """A known 桩号 of a route at a WGS84 point; ``seq`` is its order in the file."""

    seq: int
    chainage_m: float
    lon: float
    lat: float

    @property
    def label(self) -> str:
        return format_chainage(self.chainage_m) or f"{self.chainage_m:g} m"


@dataclass(frozen=True)
class Station:
    """Where the measure is pinned: a distance along the line and the 桩号 behind/ahead of it."""

    along_m: float
    back_m: float
    ahead_m: float

    @property
    def is_break(self) -> bool:
        return abs(self.back_m - self.ahead_m) > 1e-6


@dataclass
class Calibration:
    """The calibrated measure of one piece, and what was left out and why."""

    ewkt: str  # SRID=4326;MULTILINESTRING M (...)
    start_m: float
    end_m: float
    reversed: bool
    stations: list[Station]
    used: list[Milepost] = field(default_factory=list)
    refused: list[tuple[Milepost, str]] = field(default_factory=list)

    @property
    def span_m(self) -> float:
        return self.end_m - self.start_m


@cache
def _to_metric(srid: int) -> Transformer:
    return Transformer.from_crs(4326, srid, always_xy=True)


def _parts(geom: BaseGeometry) -> list[list[tuple[float, float]]]:
    """The line's parts after joining those that meet end to end (keeping their direction)."""
    merged = shapely.line_merge(geom, directed=True) if geom.geom_type == "MultiLineString" else geom
    lines = list(getattr(merged, "geoms", [merged]))
    return [[(float(x), float(y)) for x, y, *_ in line.coords] for line in lines if len(line.coords) >= 2]


@dataclass
class _Along:
    """The line's vertices with their distance along it (metres, the gaps between parts not counted)."""

    parts: list[list[tuple[float, float]]]
    along: list[list[float]]

    @property
    def length_m(self) -> float:
        return self.along[-1][-1] if self.along else 0.0


def _measure(parts: list[list[tuple[float, float]]]) -> _Along:
    along: list[list[float]] = []
    total = 0.0
    for part in parts:
        lons = [p[0] for p in part]
        lats = [p[1] for p in part]
        steps = [GEOD.inv(lons[i - 1], lats[i - 1], lons[i], lats[i])[2] for i in range(1, len(part))]
        ds = [total]
        for s in steps:
            total += s
            ds.append(total)
        along.append(ds)
    return _Along(parts, along)


def _place(line: _Along, lon: float, lat: float, srid: int) -> tuple[float, float]:
    """(distance along the line, distance from it) of the point, both in metres on the ellipsoid.

    The nearest point is found in the metric CRS ``srid``; the distances are geodesic.
    """
    tf = _to_metric(srid)
    px, py = tf.transform(lon, lat)
    pt = shapely.Point(px, py)
    best: tuple[float, tuple[float, float], tuple[float, float], float, float] | None = None
    for part, ds in zip(line.parts, line.along, strict=True):
        xs, ys = tf.transform([p[0] for p in part], [p[1] for p in part])
        for i in range(1, len(part)):
            seg = shapely.LineString([(xs[i - 1], ys[i - 1]), (xs[i], ys[i])])
            off = seg.distance(pt)
            if best is not None and off >= best[0]:
                continue
            frac = float(seg.project(pt, normalized=True)) if seg.length > 0 else 0.0
            best = (off, part[i - 1], part[i], frac, ds[i - 1] + frac * (ds[i] - ds[i - 1]))
    assert best is not None
    _, p, q, frac, d = best
    foot = _interpolate(p, q, frac)
    return d, float(GEOD.inv(lon, lat, foot[0], foot[1])[2])


def _stations(posts: list[tuple[float, Milepost]]) -> list[Station]:
    """Mileposts in order along the line, those at one place joined into a chain break."""
    out: list[Station] = []
    group: list[tuple[float, Milepost]] = []
    for d, post in sorted(posts, key=lambda dp: (dp[0], dp[1].seq)):
        if group and d - group[0][0] > BREAK_TOLERANCE_M:
            out.append(_station(group))
            group = []
        group.append((d, post))
    if group:
        out.append(_station(group))
    return out


def _station(group: list[tuple[float, Milepost]]) -> Station:
    ordered = sorted(group, key=lambda dp: dp[1].seq)
    return Station(along_m=group[0][0], back_m=ordered[0][1].chainage_m, ahead_m=ordered[-1][1].chainage_m)


def _reverse(line: _Along) -> _Along:
    total = line.length_m
    parts = [list(reversed(p)) for p in reversed(line.parts)]
    along = [[total - d for d in reversed(ds)] for ds in reversed(line.along)]
    return _Along(parts, along)


def _flip(stations: list[Station], total: float) -> list[Station]:
    # Behind and ahead follow the 桩号, which now runs with the line.
    return [Station(total - s.along_m, s.back_m, s.ahead_m) for s in reversed(stations)]


def _runs_backwards(stations: list[Station]) -> bool:
    if len(stations) < 2:
        return False
    return stations[-1].back_m < stations[0].ahead_m


def _drop_disorder(stations: list[Station]) -> tuple[list[Station], list[int]]:
    """Keep the stations whose 桩号 rise along the line; the indexes of those dropped."""
    kept: list[Station] = []
    dropped: list[int] = []
    for i, s in enumerate(stations):
        if kept and s.back_m <= kept[-1].ahead_m:
            dropped.append(i)
            continue
        kept.append(s)
    return kept, dropped


def _m_at(d: float, stations: list[Station]) -> float:
    """The 桩号 at distance ``d`` along the line (not at a station itself)."""
    if d <= stations[0].along_m:
        return stations[0].back_m - (stations[0].along_m - d)
    for a, b in itertools.pairwise(stations):
        if d <= b.along_m:
            span = b.along_m - a.along_m
            t = (d - a.along_m) / span if span > 0 else 1.0
            return a.ahead_m + t * (b.back_m - a.ahead_m)
    last = stations[-1]
    return last.ahead_m + (d - last.along_m)


def _interpolate(p: tuple[float, float], q: tuple[float, float], t: float) -> tuple[float, float]:
    return (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))


def _build(line: _Along, stations: list[Station]) -> list[list[tuple[float, float, float]]]:
    """The parts of the measured line: every vertex with its 桩号, a vertex at every station."""
    out: list[list[tuple[float, float, float]]] = []
    pending = list(stations)
    for part, ds in zip(line.parts, line.along, strict=True):
        current: list[tuple[float, float, float]] = []
        for i, (p, d) in enumerate(zip(part, ds, strict=True)):
            if i > 0:
                # Stations strictly inside the segment before this vertex.
                while pending and pending[0].along_m < d - 1e-6:
                    s = pending.pop(0)
                    if s.along_m <= ds[i - 1] + 1e-6:
                        continue  # already pinned at the previous vertex
                    t = (s.along_m - ds[i - 1]) / (d - ds[i - 1])
                    x, y = _interpolate(part[i - 1], p, t)
                    current.append((x, y, s.back_m))
                    if s.is_break:
                        out.append(current)
                        current = [(x, y, s.ahead_m)]
            at = pending[0] if pending and abs(pending[0].along_m - d) <= 1e-6 else None
            if at is not None:
                pending.pop(0)
                current.append((p[0], p[1], at.back_m))
                if at.is_break:
                    out.append(current)
                    current = [(p[0], p[1], at.ahead_m)]
            else:
                current.append((p[0], p[1], _m_at(d, stations)))
        out.append(current)
    return [part for part in out if len(part) >= 2]


def _ewkt(parts: list[list[tuple[float, float, float]]]) -> str:
    body = ", ".join("(" + ", ".join(f"{x!r} {y!r} {m:.3f}" for x, y, m in part) + ")" for part in parts)
    return f"SRID=4326;MULTILINESTRING M ({body})"


def calibrate(
    geom: BaseGeometry,
    posts: list[Milepost],
    *,
    srid: int,
    start_m: float = 0.0,
    reach_m: float = DEFAULT_REACH_M,
) -> Calibration:
    """The measure of ``geom`` (a WGS84 line) fitted to the ``posts`` that lie within ``reach_m``.

    Without a usable post the measure runs from ``start_m`` at one metre per metre.
    """
    line = _measure(_parts(geom))
    placed: list[tuple[float, Milepost]] = []
    refused: list[tuple[Milepost, str]] = []
    for post in posts:
        d, off = _place(line, post.lon, post.lat, srid)
        if off > reach_m:
            refused.append((post, f"{off:.0f} m from the road (more than {reach_m:g} m)"))
        else:
            placed.append((d, post))
    stations = _stations(placed)
    flipped = _runs_backwards(stations)
    if flipped:
        line = _reverse(line)
        stations = _flip(stations, _measure(line.parts).length_m)
    stations, dropped = _drop_disorder(stations)
    if dropped:
        # Name the posts of the dropped stations (those at their places).
        dropped_posts = _posts_of_dropped(placed, dropped, line.length_m if flipped else None)
        refused.extend((p, "its 桩号 is out of order with the mileposts around it") for p in dropped_posts)
    used = [p for _, p in placed if p not in {q for q, _ in refused}]
    if not stations:
        stations = [Station(0.0, start_m, start_m)]
    parts = _build(line, stations)
    # A 桩号 is never below zero: a post near the start of a line extrapolated backwards stops at 0.
    parts = [[(x, y, max(m, 0.0)) for x, y, m in part] for part in parts]
    return Calibration(
        ewkt=_ewkt(parts),
        start_m=parts[0][0][2],
        end_m=parts[-1][-1][2],
        reversed=flipped,
        stations=stations,
        used=used,
        refused=refused,
    )


def _posts_of_dropped(
    placed: list[tuple[float, Milepost]], dropped: list[int], flipped_total: float | None
) -> list[Milepost]:
    groups: list[list[Milepost]] = []
    last: float | None = None
    ordered = sorted(placed, key=lambda dp: (dp[0], dp[1].seq))
    if flipped_total is not None:
        ordered = sorted(((flipped_total - d, p) for d, p in placed), key=lambda dp: (dp[0], dp[1].seq))
    for d, p in ordered:
        if last is None or d - last > BREAK_TOLERANCE_M:
            groups.append([])
            last = d
        groups[-1].append(p)
    return [p for i in dropped if i < len(groups) for p in groups[i]]


def is_finite_point(lon: float, lat: float) -> bool:
    return math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90
