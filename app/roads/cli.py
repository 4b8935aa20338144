"""`hazardmap roads …`: mileposts and the calibrated 桩号 of the routes."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table as RichTable

from app.clirun import run_async
from app.coords import Crs
from app.db import get_engine
from app.roads import mileposts

roads_cli = typer.Typer(help="Roads: mileposts (桩号 calibration).")
console = Console()


@roads_cli.command("calibrate")
def calibrate_command(
    file: Path = typer.Argument(..., help="CSV: road code, 桩号, lon, lat (道路编号, 桩号, 经度, 纬度)"),
    crs: Crs = typer.Option(Crs.wgs84, help="coordinate system of lon/lat: wgs84, cgcs2000 or gcj02"),
) -> None:
    """Store the file's mileposts (each code's replace its earlier ones) and recalibrate those routes.

    Between two mileposts the 桩号 runs linearly; two rows of a code at one point are a chain break
    (断链): first the 桩号 behind it, then the one ahead.
    """
    if not file.is_file():
        console.print(f"[red]error:[/] {file}: no such file")
        raise typer.Exit(2)

    parsed = mileposts.read_mileposts(file.read_bytes(), crs)

    async def work() -> mileposts.CalibrationReport:
        async with get_engine().begin() as conn:
            with console.status(f"calibrating {len(parsed.by_code)} routes from {parsed.count} mileposts"):
                return await mileposts.load_mileposts(conn, parsed, f"calibrate:{file.name}")

    report = run_async(work, console, writes=True)
    print_report(report)


def print_report(report: mileposts.CalibrationReport) -> None:
    console.print(f"==> {report.summary}")
    table = RichTable("road", "pieces", "calibrated", "mileposts", "chain breaks", "posted span", "length")
    for r in report.routes:
        table.add_row(
            r.code, str(r.pieces), str(r.calibrated), str(r.posts), str(r.breaks),
            f"{r.posted_span_m:,.0f} m", f"{r.length_m:,.0f} m",
        )  # fmt: skip
    console.print(table)
    for r in report.routes:
        for reason in r.refused:
            console.print(f"    {r.code} refused {reason}")
    for row in report.refused_rows:
        where = f"row {row.row}: " if row.row else ""
        console.print(f"    refused {where}{row.reason}")
