"""`hazardmap import boundaries`: outlines and seat points, GCJ-02, refusals, updates."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.coords import Crs, lonlat_from_wgs84
from app.errors import InvalidInput
from app.geodata.boundaries import BoundaryImportOptions, import_boundaries
from app.geodata.reading import BadFile
from app.geodata.report import Refusal
from app.vocab import JurisdictionLevel
from tests.support.geodata import (
    BEIJING,
    GULOU_GCJ,
    GULOU_WGS,
    all_rows,
    feature,
    metres,
    scalar,
    write_geojson,
)

SHIPPED_UNITS = 148


def point(lonlat: tuple[float, float]) -> dict[str, object]:
    return {"type": "Point", "coordinates": list(lonlat)}


def box(x: float, y: float, size: float = 0.01) -> dict[str, object]:
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]],
    }


VILLAGES = BoundaryImportOptions(
    level=JurisdictionLevel.village, code_field="code", name_field="name", parent_field="town", crs=Crs.gcj02
)


async def test_gcj02_village_points_with_refusals(iso_engine: AsyncEngine, tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "villages.geojson",
        [
            feature(point(GULOU_GCJ), code="371502001001", name="测试社区", town="371502001"),
            feature(point(GULOU_GCJ), code="371502999001", name="无主村", town="371502999"),
            feature(
                {"type": "LineString", "coordinates": [[116, 36.5], [116.1, 36.5]]},
                code="371502001002",
                name="线村",
                town="371502001",
            ),
            feature(point(BEIJING), code="371502001003", name="远村", town="371502001"),
            feature(point(GULOU_GCJ), code="371502001001", name="重复", town="371502001"),
            feature(point(GULOU_GCJ), code="", name="无码", town="371502001"),
            feature(point(GULOU_GCJ), code="371502001004", name="", town="371502001"),
            feature(point(GULOU_GCJ), code="371502001005", name="无父", town=""),
        ],
    )
    report = await import_boundaries(iso_engine, path, VILLAGES)
    assert report.loaded == 1
    assert report.details == {"inserted": 1, "updated": 0}
    assert report.refused == [
        Refusal(2, "unknown parent code 371502999"),
        Refusal(3, "wrong geometry type LineString (expected a polygon or a point)"),
        Refusal(4, "outside the city"),
        Refusal(5, "duplicate code 371502001001 (also row 1)"),
        Refusal(6, "missing code"),
        Refusal(7, "missing name"),
        Refusal(8, "missing parent code"),
    ]
    ((level, parent, x, y, geom_null, source),) = await all_rows(
        iso_engine,
        "SELECT level, parent_code, ST_X(centre), ST_Y(centre), geom IS NULL, source "
        "FROM jurisdictions WHERE code = '371502001001'",
    )
    assert (level, parent, geom_null, source) == ("village", "371502001", True, "import:villages.geojson")
    assert metres((x, y), GULOU_WGS) < 1.0
    assert await scalar(iso_engine, "SELECT count(*) FROM jurisdictions") == SHIPPED_UNITS + 1


async def test_an_outline_for_a_known_township_updates_it(iso_engine: AsyncEngine, tmp_path: Path) -> None:
    x, y = lonlat_from_wgs84(GULOU_WGS[0] - 0.01, GULOU_WGS[1] - 0.01, Crs.gcj02)
    path = write_geojson(
        tmp_path / "towns.geojson",
        [feature(box(x, y, 0.02), adcode=371502001, name="古楼街道")],
    )
    opts = BoundaryImportOptions(
        level=JurisdictionLevel.township,
        code_field="adcode",
        name_field="name",
        parent="371502",
        crs=Crs.gcj02,
    )
    report = await import_boundaries(iso_engine, path, opts)
    assert (report.loaded, report.refused, report.details) == (1, [], {"inserted": 0, "updated": 1})
    ((name, gtype, covers_centre),) = await all_rows(
        iso_engine,
        "SELECT name, ST_GeometryType(geom), ST_Covers(geom, centre) FROM jurisdictions "
        "WHERE code = '371502001'",
    )
    # The outline is new; the seat point the township already had is kept.
    assert (name, gtype, covers_centre) == ("古楼街道", "ST_MultiPolygon", True)


async def test_old_chiping_code_and_level_conflicts(iso_engine: AsyncEngine, tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "counties.geojson",
        [
            feature(box(116.2, 36.55, 0.1), adcode="371523", name="茌平区", parent="371500"),
            feature(box(115.9, 36.4, 0.1), adcode="371502001", name="古楼", parent="371500"),
            # A self-intersecting bow tie is repaired, not refused.
            feature(
                {
                    "type": "Polygon",
                    "coordinates": [
                        [[116.0, 36.3], [116.05, 36.35], [116.05, 36.3], [116.0, 36.35], [116.0, 36.3]]
                    ],
                },
                adcode="371599",
                name="测试县",
                parent="371500",
            ),
        ],
    )
    opts = BoundaryImportOptions(
        level=JurisdictionLevel.county, code_field="adcode", name_field="name", parent_field="parent"
    )
    report = await import_boundaries(iso_engine, path, opts)
    assert report.refused == [Refusal(2, "code 371502001 exists as a township, not a county")]
    assert report.details == {"inserted": 1, "updated": 1}
    got = await all_rows(
        iso_engine,
        "SELECT code, ST_IsValid(geom), ST_NumGeometries(geom) FROM jurisdictions "
        "WHERE code IN ('371503', '371523', '371599') ORDER BY code",
    )
    assert got == [("371503", True, 1), ("371599", True, 2)]


def test_parent_field_and_fixed_parent_exclude_each_other() -> None:
    with pytest.raises(InvalidInput, match="not both"):
        BoundaryImportOptions(
            level=JurisdictionLevel.village,
            code_field="c",
            name_field="n",
            parent_field="p",
            parent="371502001",
        )


async def test_missing_field_changes_nothing(iso_engine: AsyncEngine, tmp_path: Path) -> None:
    path = write_geojson(tmp_path / "v.geojson", [feature(point(GULOU_GCJ), code="371502001009", name="村")])
    with pytest.raises(BadFile, match="no field 'town'") as exc:
        await import_boundaries(iso_engine, path, VILLAGES)
    assert exc.value.errors[0].field == "parent-field"
    assert await scalar(iso_engine, "SELECT count(*) FROM jurisdictions") == SHIPPED_UNITS
