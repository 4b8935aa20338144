"""Coordinate systems: WGS84 (what we store), CGCS2000 (the official datum), GCJ-02 (AMap, Tencent).

Everything is stored in WGS84 (EPSG:4326). Input in another system is converted on the way in;
output in GCJ-02 is only ever produced for display on an AMap/Tencent base map.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import lru_cache
from typing import TypeVar

import numpy as np
import prcoords
import shapely
from numpy.typing import NDArray
from pyproj import Transformer

G = TypeVar("G", bound=shapely.Geometry)


class Crs(StrEnum):
    wgs84 = "wgs84"
    cgcs2000 = "cgcs2000"
    gcj02 = "gcj02"


# CGCS2000 differs from WGS84 by centimetres; going through pyproj anyway means that adopting a
# real datum transformation (a grid, a Helmert set) is a change of these codes, not of the code.
EPSG = {Crs.wgs84: "EPSG:4326", Crs.cgcs2000: "EPSG:4490"}


@lru_cache
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def _pointwise(fn: Callable[[float, float], tuple[float, float]]) -> Callable[[NDArray], NDArray]:
    """Apply a (lon, lat) → (lon, lat) function to shapely's (N, 2) coordinate array."""

    def apply(xy: NDArray) -> NDArray:
        out = np.empty_like(xy)
        for i, (lon, lat) in enumerate(xy):
            out[i] = fn(float(lon), float(lat))
        return out

    return apply


def _gcj_to_wgs(lon: float, lat: float) -> tuple[float, float]:
    # prcoords speaks (lat, lon). check_china=False: outside China GCJ-02 is WGS84 anyway, and
    # the library's warning for that case would be noise in an import of a border point.
    c = prcoords.gcj_wgs_bored((lat, lon), False)
    return c.lon, c.lat


def _wgs_to_gcj(lon: float, lat: float) -> tuple[float, float]:
    c = prcoords.wgs_gcj((lat, lon), False)
    return c.lon, c.lat


def _pyproj(src: Crs, dst: Crs) -> Callable[[NDArray], NDArray]:
    t = _transformer(EPSG[src], EPSG[dst])

    def apply(xy: NDArray) -> NDArray:
        x, y = t.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return apply


def _to_wgs84_fn(crs: Crs) -> Callable[[NDArray], NDArray] | None:
    if crs is Crs.wgs84:
        return None
    if crs is Crs.gcj02:
        return _pointwise(_gcj_to_wgs)
    return _pyproj(crs, Crs.wgs84)


def _from_wgs84_fn(crs: Crs) -> Callable[[NDArray], NDArray] | None:
    if crs is Crs.wgs84:
        return None
    if crs is Crs.gcj02:
        return _pointwise(_wgs_to_gcj)
    return _pyproj(Crs.wgs84, crs)


def to_wgs84(geom: G, crs: Crs | str) -> G:
    """A shapely geometry (any type, or an array of them) from ``crs`` to WGS84."""
    fn = _to_wgs84_fn(Crs(crs))
    return geom if fn is None else shapely.transform(geom, fn)


def from_wgs84(geom: G, crs: Crs | str) -> G:
    """A shapely geometry from WGS84 to ``crs`` (for display on a GCJ-02 base map)."""
    fn = _from_wgs84_fn(Crs(crs))
    return geom if fn is None else shapely.transform(geom, fn)


def lonlat_to_wgs84(lon: float, lat: float, crs: Crs | str) -> tuple[float, float]:
    """One (lon, lat) pair from ``crs`` to WGS84."""
    fn = _to_wgs84_fn(Crs(crs))
    if fn is None:
        return lon, lat
    out = fn(np.array([[lon, lat]], dtype=float))
    return float(out[0, 0]), float(out[0, 1])


def lonlat_from_wgs84(lon: float, lat: float, crs: Crs | str) -> tuple[float, float]:
    """One WGS84 (lon, lat) pair to ``crs``."""
    fn = _from_wgs84_fn(Crs(crs))
    if fn is None:
        return lon, lat
    out = fn(np.array([[lon, lat]], dtype=float))
    return float(out[0, 0]), float(out[0, 1])
