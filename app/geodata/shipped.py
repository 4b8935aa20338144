"""The shipped geodata set (geodata/): Liaocheng's outlines, zones, townships and schematic roads."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.coords import Crs, lonlat_to_wgs84, to_wgs84
from app.geodata import repository
from app.geodata.boundaries import current_code
from app.settings import PROJECT_ROOT

GEODATA = PROJECT_ROOT / "geodata"
CITY_FILE = GEODATA / "boundaries" / "liaocheng_city_amap2016_gcj02_ccby.geojson"
COUNTIES_FILE = GEODATA / "boundaries" / "liaocheng_counties_amap2016_gcj02_ccby.geojson"
ZONES_FILE = GEODATA / "zones.csv"
TOWNSHIPS_FILE = GEODATA / "townships" / "liaocheng_townships_2016.csv"
ROADS_FILE = GEODATA / "roads" / "liaocheng_schematic_roads.geojson"

CITY_CODE = "371500"
# The outlines and the township table predate 2019, when 茌平县 became 茌平区.
NEW_NAMES = {"371503": "茌平区"}

OUTLINE_SOURCE = "Vonng/adcode, CC BY 4.0 (Amap district fence, ~2016); converted from GCJ-02"
TOWNSHIP_SOURCE = "Vonng/adcode, CC BY 4.0 (NBS codes, ~2016); centre converted from GCJ-02"
ZONE_SOURCE = "hazardmap internal code (the zone has no national code)"
ROAD_SOURCE = "hazardmap schematic network (geodata/build_schematic_roads.py), not a survey"


@dataclass
class LoadReport:
    """What ``load_shipped`` put into the database."""

    jurisdictions: dict[str, int] = field(default_factory=dict)  # level → rows
    roads: int = 0
    townships_without_centre: int = 0

    def summary(self) -> str:
        levels = ", ".join(f"{n} {level}" for level, n in self.jurisdictions.items())
        return f"jurisdictions: {levels}; roads: {self.roads}"


def _renamed(code: str, name: str) -> tuple[str, str]:
    code = current_code(code)
    return code, NEW_NAMES.get(code, name)


def _features(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        features: list[dict[str, Any]] = json.load(f)["features"]
    return features


def _outline_rows(path: Path, level: str, parent: str | None) -> list[dict[str, Any]]:
    rows = []
    for feature in _features(path):
        code, name = _renamed(str(feature["properties"]["adcode"]), feature["properties"]["name"])
        geom = to_wgs84(shapely.geometry.shape(feature["geometry"]), Crs.gcj02)
        rows.append(
            {
                "code": code,
                "name": name,
                "level": level,
                "parent_code": parent,
                "geom": geom.wkt,
                "centre": None,
                "source": OUTLINE_SOURCE,
            }
        )
    return sorted(rows, key=lambda r: r["code"])


def _zone_rows(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [
            {
                "code": r["code"],
                "name": r["name"],
                "level": "zone",
                "parent_code": r["parent_code"],
                "geom": None,
                "centre": None,
                "source": ZONE_SOURCE,
            }
            for r in csv.DictReader(f)
        ]


def _township_rows(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            centre = None
            if r["lon_gcj02"] and r["lat_gcj02"]:
                lon, lat = lonlat_to_wgs84(float(r["lon_gcj02"]), float(r["lat_gcj02"]), Crs.gcj02)
                centre = shapely.Point(lon, lat).wkt
            rows.append(
                {
                    "code": r["town_code"],
                    "name": r["name"],
                    "level": "township",
                    "parent_code": _renamed(r["county_adcode"], r["county"])[0],
                    "geom": None,
                    "centre": centre,
                    "source": TOWNSHIP_SOURCE,
                }
            )
    return rows


def _road_rows(path: Path) -> list[dict[str, Any]]:
    rows = []
    for feature in _features(path):
        p = feature["properties"]
        rows.append(
            {
                "code": p["code"],
                "name": p["name"],
                "road_class": p["class"],
                "start_chainage_m": float(p.get("start_chainage_m") or 0.0),
                "geom": shapely.geometry.shape(feature["geometry"]).wkt,
                "source": ROAD_SOURCE,
            }
        )
    return rows


async def load_shipped_into(conn: AsyncConnection) -> LoadReport:
    """Load the shipped set inside the caller's transaction (tables assumed empty)."""
    report = LoadReport()
    groups = [
        ("city", _outline_rows(CITY_FILE, "city", None)),
        ("county", _outline_rows(COUNTIES_FILE, "county", CITY_CODE)),
        ("zone", _zone_rows(ZONES_FILE)),
        ("township", _township_rows(TOWNSHIPS_FILE)),
    ]
    for level, rows in groups:
        await repository.insert_shipped(conn, "shipped_jurisdiction", rows)
        report.jurisdictions[level] = len(rows)
        if level == "township":
            report.townships_without_centre = sum(r["centre"] is None for r in rows)
    # The schematic network is a built artefact; a checkout without it still gets the places.
    if ROADS_FILE.exists():
        roads = _road_rows(ROADS_FILE)
        if roads:
            await repository.insert_shipped(conn, "shipped_road", roads)
        report.roads = len(roads)
    return report


async def load_shipped(engine: AsyncEngine) -> LoadReport:
    """Load outlines, zones, townships and schematic roads in one transaction."""
    async with engine.begin() as conn:
        return await load_shipped_into(conn)
