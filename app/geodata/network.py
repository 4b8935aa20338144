"""A road network from OpenStreetMap (``.osm.pbf``/``.osm``) or a GIS file with OSM-style fields.

Each way carries ``highway`` (its function) and ``ref`` (its route codes, ``G309;S1`` when two
routes share it). The route code says the road's class under GB/T 917 (G/S + 1–2 or 4 digits:
expressway; G/S/X/Y/C + 3 digits: national, provincial, county, township, village road); a Z
(专用公路, special-purpose) road takes the class its ``highway`` tag suggests. The ways of one code
are joined into one route (``line_merge``); of a dual carriageway (two one-way ways side by side)
one carriageway is kept, so the route's length is the road's, not twice it. Ramps (``*_link``) are
left out. Ways with no route code are not roads of the ledger's network: they are counted per
``highway`` value in the report.

The reading and joining here need no database; app.roads.network_import stores the routes.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from app.coords import Crs
from app.geodata.reading import bad_file, cell, read_table
from app.vocab import RoadClass

OSM_SUFFIXES = (".pbf", ".osm")
# The OSM driver puts every tag it has no column for into other_tags: "key"=>"value",…
_TAG = re.compile(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"')
_CODE = re.compile(r"^([GSXYCZ])(\d{1,4})$")
_EXPRESSWAY = re.compile(r"^[GS](\d{1,2}|\d{4})$")
_ORDINARY = {
    "G": RoadClass.national,
    "S": RoadClass.provincial,
    "X": RoadClass.county,
    "Y": RoadClass.township,
    "C": RoadClass.village,
}
# A Z road's class by the way's function.
_BY_HIGHWAY = {
    "motorway": RoadClass.expressway,
    "trunk": RoadClass.national,
    "primary": RoadClass.provincial,
    "secondary": RoadClass.county,
    "tertiary": RoadClass.township,
}
# Within this distance (metres) for most of its length, a one-way chain is the other carriageway.
CARRIAGEWAY_SPACING_M = 80.0


def is_osm(path: Path) -> bool:
    return path.name.lower().endswith(OSM_SUFFIXES)


def split_refs(ref: str) -> tuple[list[str], list[str]]:
    """``'G309;S1'`` → (['G309', 'S1'], []); what is not a route code comes back second."""
    codes: list[str] = []
    other: list[str] = []
    for part in re.split(r"[;,/，；、]", ref):
        token = re.sub(r"\s+", "", part).upper()
        if not token:
            continue
        (codes if _CODE.match(token) else other).append(token)
    return codes, other


def road_class(code: str, highway: str) -> RoadClass | None:
    if _EXPRESSWAY.match(code):
        return RoadClass.expressway
    if re.match(r"^[GSXYC]\d{3}$", code):
        return _ORDINARY[code[0]]
    if code.startswith("Z"):
        return _BY_HIGHWAY.get(highway.removesuffix("_link"), RoadClass.village)
    return None


@dataclass
class Way:
    highway: str
    name: str
    oneway: bool
    line: BaseGeometry


@dataclass
class Route:
    code: str
    road_class: RoadClass
    name: str
    geom: BaseGeometry  # LineString or MultiLineString, WGS84
    ways: int
    dropped_carriageway_m: float = 0.0


@dataclass
class Network:
    routes: list[Route] = field(default_factory=list)
    ways_read: int = 0
    unclassified: Counter[str] = field(default_factory=Counter)  # highway → ways without a route code
    bad_refs: Counter[str] = field(default_factory=Counter)  # ref text that is no route code → ways
    links: int = 0


@dataclass(frozen=True)
class NetworkFields:
    """Which fields of a GIS file hold the OSM-style tags."""

    ref_field: str = "ref"
    highway_field: str | None = "highway"
    name_field: str | None = "name"
    oneway_field: str | None = None


def _tags(other: Any) -> dict[str, str]:
    text = cell(other)
    return {k.replace('\\"', '"'): v.replace('\\"', '"') for k, v in _TAG.findall(text)} if text else {}


def read_osm(path: Path) -> tuple[pd.DataFrame, list[BaseGeometry]]:
    """The ways with a ``highway`` tag: columns highway, name, ref, oneway; WGS84 lines."""
    if not path.exists():
        raise bad_file(path, "no such file")
    try:
        gdf = pyogrio.read_dataframe(path, layer="lines", where="highway IS NOT NULL")
    except Exception as exc:  # GDAL's errors have no common base worth naming; all mean "unreadable"
        raise bad_file(path, f"cannot read it as OpenStreetMap data: {exc}") from exc
    tags = [_tags(v) for v in gdf.get("other_tags", pd.Series([None] * len(gdf))).tolist()]
    frame = pd.DataFrame(
        {
            "highway": [cell(v) for v in gdf["highway"].tolist()],
            "name": [t.get("name:zh") or cell(n) for t, n in zip(tags, gdf["name"].tolist(), strict=True)],
            "ref": [t.get("ref", "") for t in tags],
            "oneway": [t.get("oneway", "") for t in tags],
        }
    )
    return frame, list(gdf.geometry.array)


def read_gis(
    path: Path, fields: NetworkFields, crs: Crs, layer: str | None, encoding: str | None
) -> tuple[pd.DataFrame, list[BaseGeometry]]:
    """A GeoPackage/Shapefile/GeoJSON with OSM-style fields, as :func:`read_osm` gives them."""
    table = read_table(path, crs, layer=layer, encoding=encoding)
    table.require(
        ref_field=fields.ref_field,
        highway_field=fields.highway_field,
        name_field=fields.name_field,
        oneway_field=fields.oneway_field,
    )
    frame = pd.DataFrame(
        {
            "highway": table.cells(fields.highway_field),
            "name": table.cells(fields.name_field),
            "ref": table.cells(fields.ref_field),
            "oneway": table.cells(fields.oneway_field),
        }
    )
    return frame, list(table.geoms)


def _lines(geom: BaseGeometry | None) -> list[BaseGeometry]:
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type == "LineString":
        return [geom]
    if geom.geom_type == "MultiLineString":
        return list(geom.geoms)
    return []


def build_network(frame: pd.DataFrame, geoms: list[BaseGeometry], metric_srid: int) -> Network:
    """Classify the ways and join them into one route per code."""
    net = Network(ways_read=len(frame))
    by_code: dict[str, list[Way]] = defaultdict(list)
    classes: dict[str, Counter[RoadClass]] = defaultdict(Counter)
    for highway, name, ref, oneway, geom in zip(
        frame["highway"], frame["name"], frame["ref"], frame["oneway"], geoms, strict=True
    ):
        codes, other = split_refs(ref)
        for token in other:
            net.bad_refs[token] += 1
        if not codes:
            net.unclassified[highway or "(no highway)"] += 1
            continue
        if highway.endswith("_link"):
            net.links += 1
            continue
        for line in _lines(geom):
            for code in codes:
                cls = road_class(code, highway)
                if cls is None:
                    continue
                classes[code][cls] += 1
                by_code[code].append(Way(highway, name, oneway in ("yes", "true", "1", "-1"), line))
    to_metric = Transformer.from_crs(4326, metric_srid, always_xy=True)
    for code in sorted(by_code):
        ways = by_code[code]
        geom, dropped = _join(ways, to_metric)
        names = Counter(w.name for w in ways if w.name)
        net.routes.append(
            Route(
                code=code,
                road_class=classes[code].most_common(1)[0][0],
                name=names.most_common(1)[0][0] if names else "",
                geom=geom,
                ways=len(ways),
                dropped_carriageway_m=dropped,
            )
        )
    return net


def _join(ways: list[Way], to_metric: Transformer) -> tuple[BaseGeometry, float]:
    """One route's line from its ways: one carriageway of a dual carriageway, parts joined."""
    two_way = [w.line for w in ways if not w.oneway]
    one_way = [w.line for w in ways if w.oneway]
    dropped = 0.0
    kept: list[BaseGeometry] = []
    if one_way:
        chains = _lines(shapely.line_merge(shapely.MultiLineString(one_way), directed=True))
        metric = [shapely.transform(c, lambda xy: _xy(xy, to_metric)) for c in chains]
        order = sorted(range(len(chains)), key=lambda i: -metric[i].length)
        kept_metric: list[BaseGeometry] = [
            shapely.transform(w, lambda xy: _xy(xy, to_metric)) for w in two_way
        ]
        for i in order:
            if _beside(metric[i], kept_metric):
                dropped += metric[i].length
                continue
            kept.append(chains[i])
            kept_metric.append(metric[i])
    merged = shapely.line_merge(shapely.MultiLineString([*two_way, *kept]))
    return merged, dropped


def _xy(xy: Any, tf: Transformer) -> Any:
    x, y = tf.transform(xy[:, 0], xy[:, 1])
    out = xy.copy()
    out[:, 0], out[:, 1] = x, y
    return out


def _beside(chain: BaseGeometry, kept: list[BaseGeometry]) -> bool:
    """Whether most of ``chain`` runs within the carriageway spacing of what is kept."""
    if not kept:
        return False
    others = shapely.union_all(kept)
    samples = [chain.interpolate(f, normalized=True) for f in (0.1, 0.3, 0.5, 0.7, 0.9)]
    near = sum(1 for p in samples if p.distance(others) <= CARRIAGEWAY_SPACING_M)
    return near >= 3
