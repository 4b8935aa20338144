"""`hazardmap import hazards FILE`: the bulk import of the API (POST /api/v1/imports), run at once."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table as RichTable

from app.coords import Crs
from app.errors import HazardmapError
from app.geodata.cli import CRS_HELP, console, run_with_progress
from app.imports.options import options_from_form
from app.imports.service import Mode, import_hazards


def import_hazards_command(
    file: Path = typer.Argument(..., help="GeoJSON, GeoJSONSeq, GeoPackage, Shapefile (.zip), CSV or XLSX"),
    crs: Crs = typer.Option(..., help=CRS_HELP),
    mapping: str | None = typer.Option(
        None,
        help="JSON: the file's column → our field, e.g. "
        '\'{"经度": "lon", "纬度": "lat", "隐患类别": "category", "桩号": "chainage", '
        '"道路编号": "road_code"}\'; '
        "columns named like a field are taken as it",
    ),
    mode: str = typer.Option(
        "all-or-nothing", help="all-or-nothing (one refused row: nothing written) or valid-rows"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="check every row, write nothing"),
    format_: str | None = typer.Option(
        None, "--format", help="geojson, geojsonseq, gpkg, shapefile, csv, xlsx [default: from the file name]"
    ),
) -> None:
    """Hazard points and segments, by lon/lat, geometry or road + 桩号 (the same import as POST /imports).

    County, township and ledger number are assigned by the database; points near a road get its
    road and 桩号; every written row has its history event (action 'import').
    """
    try:
        opts = options_from_form(file.name, format_, crs.value, mapping, mode, dry_run)
    except HazardmapError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    if not file.is_file():
        console.print(f"[red]error:[/] {file}: no such file")
        raise typer.Exit(2)
    outcome = run_with_progress(
        lambda engine, sink: import_hazards(
            engine, file, opts, actor=f"import:{file.name}", file_name=file.name, progress=sink
        )
    )
    console.print(f"==> {outcome.file_name}: {outcome.summary}")
    if outcome.refused:
        table = RichTable("row", "field", "reason", title="refused rows")
        for r in outcome.refused:
            table.add_row(str(r["row"]), r["field"] or "", r["reason"])
        console.print(table)
    if opts.dry_run:
        console.print("dry run: nothing was written")
    elif outcome.refused and opts.mode is Mode.all_or_nothing:
        console.print("nothing was written (all-or-nothing); fix the rows, or use --mode valid-rows")
        raise typer.Exit(1)
