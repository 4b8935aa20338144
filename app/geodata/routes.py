"""Import a route network (app.geodata.network) into ``roads``: one row per route code.

A route already in the network is replaced, not duplicated: its first piece keeps its id (so what
refers to it stays linked), the others are merged into it, and every old row stays in
``road_versions``. With ``county`` only the part of each route inside that county is imported
and only that county's pieces are replaced. The mileposts of the routes calibrate them again.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import shapely
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.coords import Crs
from app.errors import invalid
from app.geodata import repository
from app.geodata.network import Network, NetworkFields, build_network, is_osm, read_gis, read_osm
from app.geodata.progress import NoProgress, ProgressSink
from app.geodata.report import ImportReport
from app.geodata.staging import copy_rows, refusals, run_script
from app.roads import mileposts
from app.settings import get_settings
from app.vocab import ROAD_GROUP_OF_CLASS

_COLUMNS = ("row_no", "code", "name", "road_class", "wkb")


@dataclass
class RouteImportOptions:
    fields: NetworkFields
    crs: Crs = Crs.wgs84
    layer: str | None = None
    encoding: str | None = None
    county: str | None = None
    source: str | None = None


def read_network(path: Path, options: RouteImportOptions) -> Network:
    if is_osm(path):
        frame, geoms = read_osm(path)
    else:
        frame, geoms = read_gis(path, options.fields, options.crs, options.layer, options.encoding)
    return build_network(frame, geoms, get_settings().metric_srid)


async def import_network_into(
    conn: AsyncConnection, net: Network, options: RouteImportOptions, file_name: str, progress: ProgressSink
) -> ImportReport:
    settings = get_settings()
    report = ImportReport(kind="roads", file=file_name)
    if options.county is not None and not await repository.county_has_outline(conn, options.county):
        raise invalid("county", f"no county {options.county!r} with an outline")
    records = [
        (i + 1, r.code, r.name, r.road_class.value, shapely.to_wkb(r.geom)) for i, r in enumerate(net.routes)
    ]
    await run_script(conn, "routes_stage")
    await copy_rows(conn, "import_routes", _COLUMNS, records, progress)
    progress.stage("checking routes")
    await run_script(
        conn,
        "routes_check",
        {
            "city_code": settings.city_code,
            "tolerance_m": settings.city_border_tolerance_m,
            "county": options.county,
        },
    )
    progress.stage("replacing and inserting routes")
    source = options.source or f"import:{file_name}"
    await repository.act_as(conn, source, "road_import")
    await run_script(conn, "routes_replace", {"county": options.county, "source": source})
    counts = await repository.route_counts(conn)
    progress.stage("calibrating by the mileposts", total=len(net.routes))
    routes = await mileposts.recalibrate(conn, [r.code for r in net.routes])
    progress.advance(len(net.routes))
    report.refused = await refusals(conn, "import_routes")
    report.loaded = counts.routes
    report.details = {
        "ways read": net.ways_read,
        "routes new": counts.routes - counts.replaced,
        "routes replaced": counts.replaced,
        "pieces merged into their route": counts.merged_pieces,
        "routes calibrated by mileposts": sum(1 for r in routes if r.calibrated),
        "ramps (*_link) left out": net.links,
        **{f"group {g}": n for g, n in _groups(net).items()},
        **{
            f"unclassified highway={h} (ways without a route code)": n
            for h, n in net.unclassified.most_common()
        },
        **{f"ref {ref!r} is no route code (ways)": n for ref, n in net.bad_refs.most_common(20)},
    }
    dropped = sum(r.dropped_carriageway_m for r in net.routes)
    if dropped:
        report.details["second carriageway left out (m)"] = round(dropped)
    return report


def _network_details(net: Network) -> dict[str, int]:
    """What the file held: ramps, routes per layer group, the ways no code classifies."""
    unclassified = net.unclassified.most_common()
    return {
        "ramps (*_link) left out": net.links,
        **{f"group {g}": n for g, n in _groups(net).items()},
        **{f"unclassified highway={h} (ways without a route code)": n for h, n in unclassified},
        **{f"ref {ref!r} is no route code (ways)": n for ref, n in net.bad_refs.most_common(20)},
    }


def _groups(net: Network) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in net.routes:
        g = ROAD_GROUP_OF_CLASS[r.road_class].value
        out[g] = out.get(g, 0) + 1
    return dict(sorted(out.items()))


async def import_network(
    engine: AsyncEngine, path: Path, options: RouteImportOptions, progress: ProgressSink | None = None
) -> ImportReport:
    """Read, classify, join and store a network in one transaction."""
    progress = progress or NoProgress()
    progress.stage(f"reading {path.name}")
    net = await asyncio.to_thread(read_network, path, options)
    if not net.routes:
        report = ImportReport(kind="roads", file=path.name)
        report.details = {
            "ways read": net.ways_read,
            **{f"unclassified highway={h}": n for h, n in net.unclassified.items()},
        }
        return report
    async with engine.begin() as conn:
        return await import_network_into(conn, net, options, path.name, progress)
