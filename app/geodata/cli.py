"""`hazardmap import boundaries|roads`, `hazardmap geodata load`: thin layers over the import functions.

The other `import` commands are mounted by app.cli from their packages (`hazards`: app.imports.cli).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn
from rich.table import Table as RichTable
from sqlalchemy.ext.asyncio import AsyncEngine

from app.coords import Crs
from app.db import dispose_engine, get_engine
from app.errors import HazardmapError
from app.geodata import repository
from app.geodata.report import ImportReport
from app.vocab import JurisdictionLevel

import_cli = typer.Typer(help="Import boundaries, roads or hazards from a file (one transaction).")
geodata_cli = typer.Typer(help="The shipped geodata: Liaocheng outlines, townships, schematic roads.")

console = Console()
T = TypeVar("T")

CRS_HELP = "coordinate system of the file: wgs84, cgcs2000 or gcj02 (AMap/Tencent phones)"
FORMATS = "GeoJSON, GeoPackage, Shapefile (or a .zip of one)"


class RichProgress:
    """A ProgressSink drawing one rich bar per stage."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None

    def stage(self, description: str, total: int | None = None) -> None:
        self._finish()
        self.task = self.progress.add_task(description, total=total)

    def advance(self, n: int = 1) -> None:
        if self.task is not None:
            self.progress.advance(self.task, n)

    def _finish(self) -> None:
        if self.task is not None:
            task = self.progress.tasks[self.task]
            self.progress.update(self.task, total=task.total or 1, completed=task.total or 1)

    def close(self) -> None:
        self._finish()


def run_with_progress(work: Callable[[AsyncEngine, RichProgress], Awaitable[T]]) -> T:
    async def main() -> T:
        try:
            with Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=console,
                transient=False,
            ) as bar:
                sink = RichProgress(bar)
                result = await work(get_engine(), sink)
                sink.close()
                return result
        finally:
            await dispose_engine()

    try:
        return asyncio.run(main())
    except HazardmapError as exc:
        console.print(f"[red]error:[/] {exc}")
        console.print("nothing was changed")
        raise typer.Exit(1) from exc


def print_report(report: ImportReport) -> None:
    console.print(f"==> {report.file}: {report.summary}")
    for key, value in report.details.items():
        console.print(f"    {key}: {value}")
    if report.refused:
        table = RichTable("row", "reason", title="refused rows")
        for r in report.refused:
            table.add_row(str(r.row), r.reason)
        console.print(table)


@import_cli.command("boundaries")
def import_boundaries_cmd(
    file: Path = typer.Argument(..., help=FORMATS),
    level: JurisdictionLevel = typer.Option(..., help="level of every unit in the file"),
    code_field: str = typer.Option("adcode", help="field holding the code"),
    name_field: str = typer.Option("name", help="field holding the name"),
    parent_field: str | None = typer.Option(None, help="field holding the parent's code"),
    parent: str | None = typer.Option(None, help="one parent code for every row"),
    crs: Crs = typer.Option(..., help=CRS_HELP),
    layer: str | None = typer.Option(None, help="layer (GeoPackage, or a .zip with several)"),
    encoding: str | None = typer.Option(None, help="text encoding, e.g. gbk for an old Shapefile"),
) -> None:
    """Units as outlines (polygons → outline) or seats (points → centre); known codes are updated.

    The old code 371523 (茌平县) is stored as 371503 (茌平区), in codes and parent codes.
    """
    from app.geodata.boundaries import BoundaryImportOptions, import_boundaries

    opts = BoundaryImportOptions(
        level=level, code_field=code_field, name_field=name_field, parent_field=parent_field,
        parent=parent, crs=crs, layer=layer, encoding=encoding,
    )  # fmt: skip
    print_report(run_with_progress(lambda engine, sink: import_boundaries(engine, file, opts, sink)))


@import_cli.command("roads")
def import_roads_cmd(
    file: Path = typer.Argument(..., help=f"OpenStreetMap (.osm.pbf, .osm), or {FORMATS}"),
    code_field: str | None = typer.Option(None, help="field holding the route code (G309, X012…)"),
    name_field: str | None = typer.Option(None, help="field holding the name"),
    class_field: str | None = typer.Option(
        None, help="field holding the class; without it the class follows from the code (GB/T 917)"
    ),
    start_chainage_field: str | None = typer.Option(
        None, help="field holding the chainage at the line's start (metres or K12+300)"
    ),
    class_map: str | None = typer.Option(
        None,
        help="VALUE=CLASS pairs for the class field's values (without a class field: for the code's "
        "first letter), e.g. '1=expressway,2=national'",
    ),
    ref_field: str | None = typer.Option(
        None,
        help="field holding OSM-style refs (G309;S1): ways are classified by ref + highway and joined "
        "into one route per code, as for an .osm.pbf file",
    ),
    highway_field: str = typer.Option("highway", help="with --ref-field: the field holding the highway tag"),
    oneway_field: str | None = typer.Option(None, help="with --ref-field: the field holding the oneway tag"),
    county: str | None = typer.Option(
        None, help="OSM/--ref-field: import only within this county and replace only its pieces"
    ),
    crs: Crs | None = typer.Option(None, help=CRS_HELP + " (required but for OpenStreetMap files)"),
    layer: str | None = typer.Option(None, help="layer (GeoPackage, or a .zip with several)"),
    encoding: str | None = typer.Option(None, help="text encoding, e.g. gbk for an old Shapefile"),
    schematic: bool = typer.Option(False, help="mark the roads as schematic (not surveyed)"),
) -> None:
    """Roads. OpenStreetMap or --ref-field: one route per code, replacing the route if present
    (its old rows kept in road_versions), the ways no code classifies counted; otherwise each
    feature is one road piece (--code-field), parts that join are merged into one line."""
    from app.geodata.network import NetworkFields, is_osm
    from app.geodata.roads import RoadImportOptions, import_roads, parse_class_map
    from app.geodata.routes import RouteImportOptions, import_network

    if is_osm(file) or ref_field is not None:
        fields = NetworkFields(
            ref_field=ref_field or "ref", highway_field=highway_field, name_field=name_field or "name",
            oneway_field=oneway_field,
        )  # fmt: skip
        ropts = RouteImportOptions(
            fields=fields, crs=crs or Crs.wgs84, layer=layer, encoding=encoding, county=county
        )
        print_report(run_with_progress(lambda engine, sink: import_network(engine, file, ropts, sink)))
        return
    if code_field is None or crs is None:
        console.print("[red]error:[/] --code-field and --crs are required (or --ref-field, or an OSM file)")
        raise typer.Exit(2)
    try:
        mapping = parse_class_map(class_map) if class_map else {}
    except HazardmapError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    opts = RoadImportOptions(
        code_field=code_field, name_field=name_field, class_field=class_field,
        start_chainage_field=start_chainage_field, class_map=mapping, crs=crs, layer=layer,
        encoding=encoding, schematic=schematic,
    )  # fmt: skip
    print_report(run_with_progress(lambda engine, sink: import_roads(engine, file, opts, sink)))


@geodata_cli.command("load")
def load_cmd(
    if_empty: bool = typer.Option(False, "--if-empty", help="do nothing when jurisdictions has rows"),
) -> None:
    """Load the shipped set: city and county outlines, zones, townships, schematic roads."""
    from app.geodata.shipped import load_shipped_into

    async def work(engine: AsyncEngine, sink: RichProgress) -> str:
        async with engine.begin() as conn:
            existing = await repository.jurisdiction_count(conn)
            if existing:
                if if_empty:
                    return f"jurisdictions already has {existing} rows: nothing loaded"
                raise HazardmapError(
                    detail=f"jurisdictions already has {existing} rows; use --if-empty to skip"
                )
            sink.stage("loading outlines, zones, townships and roads")
            report = await load_shipped_into(conn)
            return report.summary()

    console.print(f"==> {run_with_progress(work)}")
