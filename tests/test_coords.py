"""Coordinate conversion: GCJ-02 and CGCS2000 to and from WGS84."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Geod

from app.coords import Crs, from_wgs84, lonlat_from_wgs84, lonlat_to_wgs84, to_wgs84

BOUNDARIES = Path(__file__).resolve().parent.parent / "geodata" / "boundaries"
TOWNSHIPS = Path(__file__).resolve().parent.parent / "geodata" / "townships" / "liaocheng_townships_2016.csv"
GEOD = Geod(ellps="WGS84")


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


def public_gcj_forward(lon: float, lat: float) -> tuple[float, float]:
    """The GCJ-02 forward formula as commonly published (Krasovsky ellipsoid), written out here
    independently of prcoords so that the test catches a swapped (lat, lon) or a wrong direction."""
    a, ee = 6378245.0, 0.00669342162296594323
    x, y = lon - 105.0, lat - 35.0
    pi = math.pi
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    d_lat += (20.0 * math.sin(6.0 * x * pi) + 20.0 * math.sin(2.0 * x * pi)) * 2.0 / 3.0
    d_lat += (20.0 * math.sin(y * pi) + 40.0 * math.sin(y / 3.0 * pi)) * 2.0 / 3.0
    d_lat += (160.0 * math.sin(y / 12.0 * pi) + 320 * math.sin(y * pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    d_lon += (20.0 * math.sin(6.0 * x * pi) + 20.0 * math.sin(2.0 * x * pi)) * 2.0 / 3.0
    d_lon += (20.0 * math.sin(x * pi) + 40.0 * math.sin(x / 3.0 * pi)) * 2.0 / 3.0
    d_lon += (150.0 * math.sin(x / 12.0 * pi) + 300.0 * math.sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad = lat / 180.0 * pi
    magic = 1 - ee * math.sin(rad) ** 2
    d_lat = (d_lat * 180.0) / ((a * (1 - ee)) / (magic * math.sqrt(magic)) * pi)
    d_lon = (d_lon * 180.0) / (a / math.sqrt(magic) * math.cos(rad) * pi)
    return lon + d_lon, lat + d_lat


def test_crs_values() -> None:
    assert [c.value for c in Crs] == ["wgs84", "cgcs2000", "gcj02"]
    assert Crs("gcj02") is Crs.gcj02


# (GCJ-02, WGS84) pairs checked against a second, independent conversion: vertices of 东昌府区
# and 冠县, and the township seats of 梁村镇, 古云镇 and 金郝庄镇.
KNOWN_PAIRS = [
    ((115.738925, 36.70266), (115.733059, 36.702406)),
    ((115.442559, 36.690046), (115.436425, 36.689642)),
    ((116.242202, 36.970819), (116.236507, 36.970359)),
    ((115.392274, 35.825065), (115.386209, 35.824945)),
    ((115.993378, 36.855779), (115.987647, 36.855447)),
]


@pytest.mark.parametrize(("gcj", "wgs"), KNOWN_PAIRS)
def test_known_pairs(gcj: tuple[float, float], wgs: tuple[float, float]) -> None:
    # The pairs are rounded to 1e-6° (≤ 0.1 m); our inverse must land within 0.2 m of them.
    assert metres(lonlat_to_wgs84(*gcj, Crs.gcj02), wgs) < 0.2
    assert metres(lonlat_from_wgs84(*wgs, Crs.gcj02), gcj) < 0.2


@pytest.mark.parametrize(("lon", "lat"), [(115.3, 35.8), (115.98, 36.45), (116.5, 37.0), (121.47, 31.23)])
def test_forward_matches_the_public_formula(lon: float, lat: float) -> None:
    assert metres(lonlat_from_wgs84(lon, lat, Crs.gcj02), public_gcj_forward(lon, lat)) < 0.001


def test_round_trip_is_well_under_a_metre() -> None:
    rng = np.random.default_rng(371500)
    lons = rng.uniform(115.25, 116.55, 500)
    lats = rng.uniform(35.78, 37.04, 500)
    worst = 0.0
    for lon, lat in zip(lons, lats, strict=True):
        back = lonlat_to_wgs84(*lonlat_from_wgs84(lon, lat, Crs.gcj02), Crs.gcj02)
        worst = max(worst, metres((lon, lat), back))
    assert worst < 0.01


def test_offset_near_liaocheng_is_about_500_m_east() -> None:
    lon, lat = 115.98, 36.45  # 东昌府区
    glon, glat = lonlat_from_wgs84(lon, lat, Crs.gcj02)
    east = metres((lon, lat), (glon, lat))
    north = metres((lon, lat), (lon, glat))
    assert glon > lon
    assert 450 < east < 560
    assert north < 20


def test_county_outlines_come_back_to_their_gcj02_vertices_through_the_public_formula() -> None:
    # The shipped county outlines are GCJ-02. Our inverse takes every vertex to WGS84; the public
    # forward formula (written out above, independently of prcoords) must bring each one back to
    # where it was: a wrong inverse, a swapped axis or a shape that lost vertices fails here.
    with (BOUNDARIES / "liaocheng_counties_amap2016_gcj02_ccby.geojson").open(encoding="utf-8") as f:
        features = json.load(f)["features"]
    assert len(features) == 8
    worst = 0.0
    vertices = 0
    for feature in features:
        gcj = shapely.geometry.shape(feature["geometry"])
        ours = to_wgs84(gcj, Crs.gcj02)
        before = shapely.get_coordinates(gcj)
        after = shapely.get_coordinates(ours)
        assert after.shape == before.shape
        for (glon, glat), (lon, lat) in zip(before, after, strict=True):
            worst = max(worst, metres(public_gcj_forward(float(lon), float(lat)), (float(glon), float(glat))))
        vertices += len(before)
    assert vertices > 1000
    assert worst < 0.1


def test_township_csv_wgs84_columns_agree_within_1_m() -> None:
    with TOWNSHIPS.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["lon_gcj02"]]
    assert len(rows) == 109
    worst = max(
        metres(
            lonlat_to_wgs84(float(r["lon_gcj02"]), float(r["lat_gcj02"]), Crs.gcj02),
            (float(r["lon_wgs84"]), float(r["lat_wgs84"])),
        )
        for r in rows
    )
    assert worst < 1.0


def test_every_geometry_type_keeps_its_shape() -> None:
    geoms = [
        shapely.Point(115.9, 36.4),
        shapely.LineString([(115.9, 36.4), (116.0, 36.5)]),
        shapely.Polygon(
            [(115.8, 36.3), (116.1, 36.3), (116.1, 36.6), (115.8, 36.6)],
            holes=[[(115.9, 36.4), (116.0, 36.4), (116.0, 36.5)]],
        ),
        shapely.MultiPolygon([shapely.box(115.5, 36.0, 115.6, 36.1), shapely.box(115.7, 36.2, 115.8, 36.3)]),
        shapely.GeometryCollection(
            [shapely.Point(116.0, 36.0), shapely.LineString([(116, 36), (116.1, 36.1)])]
        ),
    ]
    for g in geoms:
        out = to_wgs84(g, Crs.gcj02)
        assert out.geom_type == g.geom_type
        assert len(shapely.get_coordinates(out)) == len(shapely.get_coordinates(g))
        # Every vertex moved about 0.5 km west, none is left behind.
        shifts = GEOD.inv(*shapely.get_coordinates(g).T, *shapely.get_coordinates(out).T)[2]
        assert np.all((shifts > 450) & (shifts < 560))
        assert (
            metres(shapely.get_coordinates(from_wgs84(out, Crs.gcj02))[0], shapely.get_coordinates(g)[0])
            < 0.01
        )


def test_arrays_with_missing_geometries() -> None:
    arr = np.array([shapely.Point(116.0, 36.5), None], dtype=object)
    out = to_wgs84(arr, Crs.gcj02)
    assert out[1] is None
    assert out[0].x < 116.0


def test_cgcs2000_is_wgs84_to_the_centimetre() -> None:
    lon, lat = lonlat_to_wgs84(116.0, 36.5, Crs.cgcs2000)
    assert metres((lon, lat), (116.0, 36.5)) < 0.01
    line = shapely.LineString([(115.5, 36.0), (116.5, 37.0)])
    assert to_wgs84(line, Crs.cgcs2000).equals_exact(line, 1e-7)


def test_wgs84_is_left_alone() -> None:
    p = shapely.Point(116.0, 36.5)
    assert to_wgs84(p, Crs.wgs84) is p
    assert lonlat_to_wgs84(116.0, 36.5, "wgs84") == (116.0, 36.5)
