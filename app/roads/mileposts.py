"""Mileposts (known 桩号 at known points) read from a CSV, stored, and the routes calibrated by them.

The CSV has one row per milepost: road code, 桩号 and the point (Chinese or English headers:
``道路编号``/``road_code``, ``桩号``/``chainage``, ``经度``/``lon``, ``纬度``/``lat``). A chain break
(断链) is two rows of the same code at the same point, first the 桩号 behind it, then the one ahead.
A file replaces the current mileposts of each code it names (the old ones are kept, marked
replaced) and recalibrates every piece of those routes (app.roads.calibration).
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field

import shapely

from app.coords import Crs, lonlat_to_wgs84
from app.errors import InvalidInput, invalid
from app.roads import repository
from app.roads.calibration import GEOD, Calibration, Milepost, calibrate, is_finite_point
from app.roads.chainage import format_chainage, parse_chainage
from app.roads.repository import Executor
from app.settings import get_settings

COLUMNS = {
    "road_code": ("road_code", "code", "road", "道路编号", "路线编号", "路线代码", "道路代码"),
    "chainage": ("chainage", "桩号", "里程桩号", "stake"),
    "lon": ("lon", "lng", "longitude", "经度", "x"),
    "lat": ("lat", "latitude", "纬度", "y"),
}


@dataclass(frozen=True)
class RefusedRow:
    row: int
    reason: str


@dataclass
class MilepostFile:
    """The mileposts of a file per road code (in the file's order), and the rows refused."""

    by_code: dict[str, list[Milepost]] = field(default_factory=dict)
    labels: dict[tuple[str, int], str] = field(default_factory=dict)
    refused: list[RefusedRow] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.by_code.values())


@dataclass
class RouteReport:
    code: str
    pieces: int = 0
    calibrated: int = 0
    posts: int = 0
    breaks: int = 0
    reversed: int = 0
    # Posted 桩号 span against the measured length of the calibrated pieces, in metres.
    posted_span_m: float = 0.0
    length_m: float = 0.0
    refused: list[str] = field(default_factory=list)


@dataclass
class CalibrationReport:
    routes: list[RouteReport] = field(default_factory=list)
    refused_rows: list[RefusedRow] = field(default_factory=list)

    @property
    def summary(self) -> str:
        done = sum(r.posts for r in self.routes)
        return (
            f"{done} mileposts on {len(self.routes)} routes; "
            f"{sum(len(r.refused) for r in self.routes) + len(self.refused_rows)} refused"
        )


def _column(header: list[str], names: tuple[str, ...], what: str) -> int:
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name.lower() in lowered:
            return lowered.index(name.lower())
    looked = ", ".join(names)
    raise invalid("file", f"no {what} column (looked for {looked}); the header is {', '.join(header)}")


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise invalid("file", "cannot decode it as UTF-8 or GB18030")


def _chainage_m(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        parsed = parse_chainage(text, field="chainage")
        if parsed.end_m is not None:
            raise ValueError("is a range; a milepost has one 桩号") from None
        return parsed.start_m
    if not (value >= 0 and value < 1e9):
        raise ValueError("is not a 桩号 of 0 m or more")
    return value


def read_mileposts(data: bytes, crs: Crs = Crs.wgs84) -> MilepostFile:
    """Parse a milepost CSV; a row that cannot be read is refused with its reason, the rest kept."""
    rows = list(csv.reader(io.StringIO(_decode(data))))
    if not rows:
        raise invalid("file", "the file is empty")
    header, body = rows[0], rows[1:]
    cols = {key: _column(header, names, key) for key, names in COLUMNS.items()}
    out = MilepostFile()
    seq: dict[str, int] = defaultdict(int)
    for n, row in enumerate(body, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {key: (row[i].strip() if i < len(row) else "") for key, i in cols.items()}
        code = cells["road_code"].upper()
        if not code:
            out.refused.append(RefusedRow(n, "road_code: empty"))
            continue
        try:
            chainage_m = _chainage_m(cells["chainage"])
        except (ValueError, InvalidInput) as exc:
            out.refused.append(RefusedRow(n, f"chainage: {cells['chainage']!r} {exc}"))
            continue
        try:
            lon, lat = float(cells["lon"]), float(cells["lat"])
        except ValueError:
            out.refused.append(RefusedRow(n, f"lon, lat: {cells['lon']!r}, {cells['lat']!r} are not numbers"))
            continue
        if not is_finite_point(lon, lat):
            out.refused.append(RefusedRow(n, f"lon, lat: ({lon:g}, {lat:g}) is not a point in degrees"))
            continue
        lon, lat = lonlat_to_wgs84(lon, lat, crs)
        seq[code] += 1
        post = Milepost(seq=seq[code], chainage_m=chainage_m, lon=lon, lat=lat)
        out.by_code.setdefault(code, []).append(post)
        out.labels[(code, post.seq)] = cells["chainage"]
    return out


async def recalibrate(db: Executor, codes: list[str]) -> list[RouteReport]:
    """Measure every piece of these routes again from their current mileposts."""
    settings = get_settings()
    pieces = await repository.pieces_to_calibrate(db, codes)
    reports: dict[str, RouteReport] = {}
    for piece in pieces:
        report = reports.setdefault(piece.code, RouteReport(piece.code))
        report.pieces += 1
        posts = [Milepost(p["seq"], p["chainage_m"], p["lon"], p["lat"]) for p in piece.posts]
        if not posts:
            if piece.calibrated:
                await repository.reset_measure(db, piece.id)
            continue
        geom = shapely.from_wkb(piece.wkb)
        result: Calibration = await asyncio.to_thread(
            calibrate, geom, posts, srid=settings.metric_srid, start_m=piece.start_chainage_m
        )
        report.refused.extend(f"{p.label}: {reason}" for p, reason in result.refused)
        if not result.used:
            if piece.calibrated:
                await repository.reset_measure(db, piece.id)
            continue
        await repository.store_measure(db, piece.id, result.ewkt, result.start_m, result.span_m)
        report.calibrated += 1
        report.posts += len(result.used)
        report.breaks += sum(1 for s in result.stations if s.is_break)
        report.reversed += int(result.reversed)
        report.posted_span_m += result.span_m
        report.length_m += _length_m(geom)
    return list(reports.values())


def _length_m(geom: shapely.Geometry) -> float:
    return float(GEOD.geometry_length(geom))


async def load_mileposts(db: Executor, parsed: MilepostFile, source: str) -> CalibrationReport:
    """Store the file's mileposts (replacing each named code's) and recalibrate those routes.

    A code with no road in the network is refused as a whole; nothing of it is stored.
    """
    report = CalibrationReport(refused_rows=list(parsed.refused))
    codes = sorted(parsed.by_code)
    known = await repository.existing_codes(db, codes)
    for code in codes:
        posts = parsed.by_code[code]
        if code not in known:
            reason = f"road_code: no road {code} in the network ({len(posts)} mileposts not stored)"
            report.refused_rows.append(RefusedRow(0, reason))
            continue
        rows = [
            {
                "seq": p.seq,
                "chainage_m": p.chainage_m,
                "lon": p.lon,
                "lat": p.lat,
                "label": parsed.labels.get((code, p.seq)) or format_chainage(p.chainage_m),
            }
            for p in posts
        ]
        await repository.replace_mileposts(db, code, rows, source)
    report.routes = await recalibrate(db, [c for c in codes if c in known])
    return report
